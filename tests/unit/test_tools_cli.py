"""`agentkit tools list/show/call` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from agentkit.cli.app import app

BUILTINS = {"calculator", "today", "weekday", "add_days", "days_between", "read_file",
            "write_file", "list_dir", "search_files", "shell", "python", "http_get",
            "ask_user"}  # fmt: skip


@pytest.fixture(autouse=True)
def in_tmp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # tools resolve relative paths against the cwd


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["tools", *args])


def test_list_json_has_every_field() -> None:
    result = run("list", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert set(rows) >= BUILTINS
    calc = rows["calculator"]
    assert set(calc) == {"name", "description", "permission", "source", "parameters", "examples"}
    assert {"goal", "arguments"} == set(calc["examples"][0])
    assert calc["permission"] == "read" and calc["source"] == "builtin:tools/calculator.py"
    assert calc["parameters"]["required"] == ["expression"]
    assert rows["shell"]["permission"] == "execute" and rows["write_file"]["permission"] == "write"


def test_list_text() -> None:
    result = run("list")
    assert result.exit_code == 0
    assert "calculator" in result.stdout and "args: expression: string" in result.stdout


def test_show_prints_schema_and_example() -> None:
    result = run("show", "calculator")
    assert result.exit_code == 0
    assert '"maxLength": 200' in result.stdout
    # the calculator's first worked example is its example call; all of them are listed
    assert 'agentkit tools call calculator \'{"expression": "12% of 80"}\'' in result.stdout
    assert 'What is the cube root of 27? -> {"expression": "cbrt(27)"}' in result.stdout
    data = json.loads(run("show", "add_days", "--json").stdout)
    assert data["example"] == {"date": "2024-03-05", "days": 30}
    assert data["parameters"]["required"] == ["date", "days"]


def test_show_unknown_tool_is_one_line_error() -> None:
    result = run("show", "nope")
    assert result.exit_code == 1 and "no tool named 'nope'" in result.stderr


def test_call_prints_the_observation() -> None:
    result = run("call", "calculator", '{"expression": "1234 * 5678"}')
    assert result.exit_code == 0 and result.stdout == "7006652\n"
    as_json = json.loads(run("call", "calculator", '{"expression": "2^10"}', "--json").stdout)
    assert as_json["ok"] is True and as_json["text"] == "1024" and as_json["tool"] == "calculator"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["calculator", '{"expr": "1"}'], "invalid arguments"),
        (["calculator", '{"expression": "1/0"}'], "division by zero"),
        (["nope", "{}"], "unknown tool"),
        (["ask_user", '{"question": "?"}'], "non-interactive"),
    ],
)
def test_call_failures_exit_1(args: list[str], fragment: str) -> None:
    result = run("call", *args)
    assert result.exit_code == 1 and fragment in result.stderr


@pytest.mark.parametrize("args", ["not json", "[1, 2]"])
def test_call_with_bad_json_is_a_usage_error(args: str) -> None:
    result = run("call", "calculator", args)
    assert result.exit_code == 2 and "JSON" in result.stderr


def test_write_is_refused_without_yes_and_runs_with_it(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    args = ["call", "write_file", '{"path": "a.txt", "content": "hi"}', "--workspace", str(ws)]
    refused = run(*args)
    assert refused.exit_code == 1 and "--yes" in refused.stderr
    assert not (ws / "a.txt").exists()
    done = run(*args, "--yes", "--json")
    assert done.exit_code == 0 and json.loads(done.stdout)["ok"]
    assert (ws / "a.txt").read_text() == "hi"


def test_allow_tools_in_config_approves(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('allow_tools = ["write_file"]\n')
    result = run("call", "write_file", '{"path": "b.txt", "content": "x"}')
    assert result.exit_code == 0 and (tmp_path / "b.txt").exists()


def test_timeout_option(tmp_path: Path) -> None:
    result = run("call", "shell", '{"command": "sleep 5"}', "--yes", "--timeout", "0.5")
    assert result.exit_code == 1 and "timed out after 0.5s" in result.stderr


def test_tools_option_and_plugin_warnings(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "good.py").write_text(
        "from agentkit.tool import tool\n\n@tool\ndef shout(text: str) -> str:\n"
        '    """Upper-case text."""\n    return text.upper()\n'
    )
    (plugins / "bad.py").write_text("raise RuntimeError('plugin exploded')\n")
    listed = run("list", "--json", "--tools", str(plugins))
    assert listed.exit_code == 0
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["shout"]["source"] == f"path:{(plugins / 'good.py').resolve()}"
    assert listed.stderr.count("warning:") == 1 and "bad.py" in listed.stderr
    called = run("call", "shout", '{"text": "hi"}', "--tools", str(plugins / "good.py"))
    assert called.stdout == "HI\n"


def test_duplicate_tool_names_fail_naming_both(tmp_path: Path) -> None:
    plugin = tmp_path / "calc.py"
    plugin.write_text(
        "from agentkit.tool import tool\n\n@tool\ndef calculator(x: int) -> int:\n"
        '    """Fake."""\n    return x\n'
    )
    result = run("list", "--tools", str(plugin))
    assert result.exit_code == 1
    assert "builtin:tools/calculator.py" in result.stderr and str(plugin.resolve()) in result.stderr
