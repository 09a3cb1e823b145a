"""Inputs that once gave a traceback now give one line on stderr and a non-zero exit.

Where the bug depended on a real process (a closed stdin), the CLI runs as a real
subprocess; the rest go through typer's CliRunner.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentkit.cli.app import app
from agentkit.cli.errors import os_error_line


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("AGENTKIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AGENTKIT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AGENTKIT_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, stderr
    assert "internal error" not in lines[0], lines[0]
    return lines[0]


def agentkit_with_stdin_closed(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`agentkit ARGS 0<&-`: the child starts with file descriptor 0 closed."""
    return subprocess.run(
        [sys.executable, "-m", "agentkit", *args],
        preexec_fn=lambda: os.close(0),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_tools_call_execute_with_stdin_closed_is_refused(env: Path) -> None:
    done = agentkit_with_stdin_closed("tools", "call", "python", '{"code": "1"}')
    assert done.returncode == 1
    assert "refused: python is a execute tool" in one_line_error(done.stderr)


def test_run_with_stdin_closed(env: Path) -> None:
    plan = {"steps": [{"id": 1, "title": "Write it", "tool": "write_file", "depends_on": []}]}
    call = {
        "action": "call",
        "calls": [{"tool": "write_file", "arguments": {"path": "x.txt", "content": "hello"}}],
    }
    answer = {"answer": "done", "citations": []}
    script = env / "script.json"
    script.write_text(json.dumps([plan, call, answer, answer, answer]), encoding="utf-8")
    done = agentkit_with_stdin_closed(
        "run", "Write hello to x.txt", "--model", f"scripted:{script}", "--no-memory", "--quiet"
    )
    assert "Traceback" not in done.stderr and "AttributeError" not in done.stderr, done.stderr
    assert not (env / "x.txt").exists()  # nobody could approve the write


def test_deeply_nested_tool_arguments() -> None:
    deep = '{"expression": ' + "[" * 5000 + "]" * 5000 + "}"
    result = CliRunner().invoke(app, ["tools", "call", "calculator", deep])
    assert result.exit_code == 2
    assert "nests too deeply" in one_line_error(result.stderr)
    medium = '{"expression": ' + "[" * 100 + "]" * 100 + "}"
    result = CliRunner().invoke(app, ["tools", "call", "calculator", medium])
    assert result.exit_code == 2 and "deeper than 64 levels" in one_line_error(result.stderr)


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "Infinity"])
def test_non_finite_timeouts_are_rejected(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("AGENTKIT_TOOL_TIMEOUT", value)
    result = CliRunner().invoke(app, ["tools", "call", "calculator", '{"expression": "1+1"}'])
    assert result.exit_code == 2
    assert "AGENTKIT_TOOL_TIMEOUT" in one_line_error(result.stderr)
    monkeypatch.delenv("AGENTKIT_TOOL_TIMEOUT")
    monkeypatch.setenv("AGENTKIT_MAX_TIME", value)
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 2 and "AGENTKIT_MAX_TIME" in one_line_error(result.stderr)


def test_plugin_that_exits_while_loading(env: Path) -> None:
    plugin = env / "quits.py"
    plugin.write_text("raise SystemExit(3)\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["tools", "list", "--tools", str(plugin)])
    assert result.exit_code == 1
    assert "called sys.exit(3) while loading" in one_line_error(result.stderr)


def test_config_path_that_is_a_directory(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTKIT_CONFIG", str(env))
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert "is not a regular file" in one_line_error(result.stderr)
    doctor = CliRunner().invoke(app, ["doctor", "--json"])
    checks = json.loads(doctor.stdout)["checks"]
    assert doctor.exit_code == 1 and checks[0]["status"] == "FAIL"


def test_a_workspace_that_is_a_file_is_refused_before_the_model_loads(env: Path) -> None:
    (env / "notes.txt").write_text("x")
    result = CliRunner().invoke(app, ["run", "hi", "--workspace", str(env / "notes.txt")])
    assert result.exit_code == 2
    assert "notes.txt is not a directory; pass --workspace DIR" in one_line_error(result.stderr)


def test_write_file_to_a_fifo_returns_at_once(env: Path) -> None:
    os.mkfifo(env / "pipe")
    done = subprocess.run(
        [sys.executable, "-m", "agentkit", "tools", "call", "write_file", "--yes",
         "--workspace", str(env), "--timeout", "600", '{"path": "pipe", "content": "x"}'],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "not a regular file" in one_line_error(done.stderr)


def test_an_unexpected_exception_is_one_line_unless_debug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import agentkit.cli.config_cmd as config_cmd

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(config_cmd, "resolve", broken)
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "internal error (RuntimeError: boom)" in result.stderr and "--debug" in result.stderr
    debug = CliRunner().invoke(app, ["--debug", "config", "show"])
    assert isinstance(debug.exception, RuntimeError)  # --debug lets the traceback through


def test_environment_errors_say_what_to_do() -> None:
    denied = PermissionError(13, "Permission denied", "/srv/data")
    assert os_error_line(denied) == (
        "permission denied: /srv/data; choose a path you may use, or change its permissions"
    )
    full = OSError(28, "No space left on device")
    assert os_error_line(full) == (
        "no space left on device; the disk is full: free some space and retry"
    )
    odd = OSError(71, "Protocol error", "/mnt/x")
    assert os_error_line(odd) == "protocol error: /mnt/x; rerun with --debug for details"
    plain = OSError("the socket went away")
    assert os_error_line(plain) == "the socket went away; rerun with --debug for details"


def test_a_data_directory_under_a_file_is_one_line_with_advice(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = env / "blocker"
    blocker.write_text("a file, not a directory", encoding="utf-8")
    monkeypatch.setenv("AGENTKIT_HOME", str(blocker / "home"))
    result = CliRunner().invoke(app, ["memory", "stats"])
    assert result.exit_code == 1
    line = one_line_error(result.stderr)
    assert str(blocker) in line
    assert "check the path" in line
