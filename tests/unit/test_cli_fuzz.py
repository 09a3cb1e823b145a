"""Fuzzing the CLI's input paths: whatever the input, success or a short error, never a
traceback.

Inputs: tool arguments (any JSON, deep nesting, big values, not-JSON), goals (control
characters, NUL, 1 MB), config files (any bytes, TOML-ish text, deep arrays) and
workflow files (any text, YAML-ish text, deep nesting). Without --debug, a failing
command must exit non-zero with at most one `error:` line and no traceback; the
last-resort "internal error" line counts as a failure too, since it means a bug.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from agentkit.cli.app import app

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("AGENTKIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AGENTKIT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AGENTKIT_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("AGENTKIT_NO_MEMORY", "true")
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "notes.txt").write_text("alpha\nbeta\n", encoding="utf-8")
    return tmp_path


def assert_clean(result: Result) -> None:
    """Success, or a non-zero exit with at most one error line; never a traceback."""
    output = result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in output, output[-2000:]
    assert "internal error" not in result.stderr, result.stderr[-2000:]
    if result.exit_code != 0:
        assert output.strip(), "a failure must say something"
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) <= 1, result.stderr[-2000:]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


# Text with every kind of character: C0/C1 controls, NUL, surrogates excluded (argv
# cannot carry them), astral planes.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(ANY_TEXT, inner, max_size=5),
    max_leaves=30,
)


def _nested(depth: int, opener: str, closer: str, core: str = "1") -> str:
    return opener * depth + core + closer * depth


DEEP_JSON = st.integers(1, 20_000).map(lambda d: '{"expression": ' + _nested(d, "[", "]") + "}")
BIG_JSON = st.integers(1, 200_000).map(lambda n: json.dumps({"expression": "1+" * n + "1"}))
TOOL_ARGS = (
    st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=4).map(json.dumps)
    | st.dictionaries(
        st.sampled_from(["expression", "path", "text", "content", "start_line", "pattern"]),
        JSON_VALUES,
        max_size=4,
    ).map(json.dumps)
    | DEEP_JSON
    | BIG_JSON
    | ANY_TEXT
)
TOOLS = st.sampled_from(
    ["calculator", "read_file", "list_dir", "search_files", "write_file", "now", "nosuch"]
)


@FUZZ
@given(tool=TOOLS, arguments=TOOL_ARGS)
def test_tool_arguments(env: Path, tool: str, arguments: str) -> None:
    workspace = str(env / "ws")
    assert_clean(invoke("tools", "call", tool, arguments, "--yes", "--workspace", workspace))


PLAN = {"steps": [{"id": 1, "title": "Compute it", "tool": "calculator", "depends_on": []}]}
CALL = {"action": "call", "calls": [{"tool": "calculator", "arguments": {"expression": "6*7"}}]}
ANSWER = {"answer": "[obs-1]", "citations": ["obs-1"]}
HUGE_PIECES = ["a", "\x00", "\x1b]52;c;aGk=\x07", "é\r\n"]  # each repeated to 1 MB


def _run_goal(env: Path, goal: str) -> Result:
    script = env / "script.json"
    script.write_text(json.dumps([PLAN, CALL, ANSWER]), encoding="utf-8")
    return invoke("run", goal, "--model", f"scripted:{script}", "--quiet", "--max-time", "60")


@FUZZ
@given(goal=ANY_TEXT)
def test_goals(env: Path, goal: str) -> None:
    assert_clean(_run_goal(env, goal))


@pytest.mark.parametrize("piece", HUGE_PIECES)
def test_one_megabyte_goals(env: Path, piece: str) -> None:
    """Huge goals are slow to run, so they are listed here rather than drawn by hypothesis."""
    assert_clean(_run_goal(env, piece * (1_000_000 // len(piece))))


KEYS = st.sampled_from(
    ["n_ctx", "model", "tool_timeout", "max_time", "yes", "workspace", "sandbox", "sandbox.mode",
     "sandbox.network", "tools_path", "allow_tools", "[sandbox]", "unknown", "max_steps"]
)  # fmt: skip
TOML_VALUES = st.sampled_from(
    ["1", "-1", "inf", "nan", "1e309", '"x"', "true", "[1, 2]", '"\\u0000"', "{a = 1}", "",
     "9999999999999999999999", '"bubblewrap"', "'''", "[[[", "0x10"]
)  # fmt: skip
TOML_LINES = st.lists(
    st.tuples(KEYS, TOML_VALUES).map(lambda kv: f"{kv[0]} = {kv[1]}") | ANY_TEXT, max_size=6
).map("\n".join)
DEEP_TOML = st.integers(1, 20_000).map(lambda d: "n_ctx = " + _nested(d, "[", "]"))


@FUZZ
@given(content=TOML_LINES.map(str.encode) | DEEP_TOML.map(str.encode) | st.binary(max_size=300))
def test_config_files(env: Path, content: bytes) -> None:
    (env / "config.toml").write_bytes(content)
    assert_clean(invoke("config", "show"))
    assert_clean(invoke("tools", "call", "calculator", '{"expression": "1+1"}'))


YAML_FRAGMENTS = st.sampled_from(
    ["name: w", "steps:", "  - tool: calculator", "    args: {expression: '1+1'}",
     "  - prompt: '{{ x }}'", "  - agent: '{{ steps[0] }}'", "inputs: {x: {default: 1}}",
     "&a [*a]", "!!python/object:os.system", "- - -", "{", "steps: [{tool: {}}]",
     "name: {{", "\t", "steps: 1", "  - tool: nosuch", "description: \x00"]
)  # fmt: skip
YAML_TEXT = st.lists(YAML_FRAGMENTS | ANY_TEXT, max_size=8).map("\n".join)
DEEP_YAML = st.integers(1, 20_000).map(lambda d: "name: " + _nested(d, "[", "]"))


@FUZZ
@given(content=YAML_TEXT | DEEP_YAML)
def test_workflow_files(env: Path, content: str) -> None:
    path = env / "flow.yaml"
    path.write_text(content, encoding="utf-8", errors="surrogatepass")
    assert_clean(invoke("workflow", "validate", str(path)))


def test_fuzz_helpers_catch_a_traceback() -> None:
    """assert_clean itself must reject what it is meant to reject."""
    result: Any = CliRunner().invoke(
        app, ["--debug", "config", "show"], env={"AGENTKIT_N_CTX": "x"}
    )
    assert result.exit_code != 0
    bad = Result(
        runner=CliRunner(),
        stdout_bytes=b"",
        stderr_bytes=b"Traceback (most recent call last):\n",
        output_bytes=b"",
        return_value=None,
        exit_code=1,
        exception=None,
    )
    with pytest.raises(AssertionError):
        assert_clean(bad)
