"""shell and python tools: captured, capped, limited, and nothing survives a timeout."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest

from agentkit.config import SandboxSettings, Settings
from agentkit.plugins import load_file, tools_in
from agentkit.registry import Toolset
from agentkit.resources import tools_dir
from agentkit.sandbox import Limits, run_process
from agentkit.tool import Observation, ToolContext

PYTHON_MODULE = load_file(tools_dir() / "python_exec.py")
TOOLS = Toolset([*tools_in(load_file(tools_dir() / "shell.py")), *tools_in(PYTHON_MODULE)])


# Tests that read pids the children wrote need host pids, so they run unsandboxed (in
# the bubblewrap sandbox a child sees its own PID namespace); test_sandbox.py runs the
# escapes in both modes.
HOST_PIDS = SandboxSettings(mode="process-group")


def call(
    ws: Path,
    name: str,
    timeout: float = 10,
    yes: bool = True,
    sandbox: SandboxSettings | None = None,
    **args: Any,
) -> Observation:
    settings = Settings(
        workspace=ws, yes=yes, tool_timeout=timeout, sandbox=sandbox or SandboxSettings()
    )
    return TOOLS.call(name, args, ToolContext.create(settings, interactive=False))


def alive(pid: int) -> bool:
    """True while `pid` runs; a zombie (killed, not yet reaped by init) counts as dead."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def assert_dead(pid: int, within: float = 30.0) -> None:
    """Wait (generously: returns as soon as it is gone) for `pid` to disappear."""
    deadline = time.monotonic() + within
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid), f"process {pid} survived"


def read_pid(path: Path) -> int:
    for _ in range(100):
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.02)
    raise AssertionError(f"{path} never written")


def test_shell_captures_stdout_and_stderr(tmp_path: Path) -> None:
    obs = call(tmp_path, "shell", command="echo out; echo err >&2; pwd")
    assert obs.ok and obs.text == f"out\n{tmp_path.resolve()}\n[stderr]\nerr"


def test_shell_nonzero_exit_is_an_error_with_output(tmp_path: Path) -> None:
    obs = call(tmp_path, "shell", command="echo partial; exit 3")
    assert not obs.ok and obs.error == "exception"
    assert "exit code 3" in obs.text and "partial" in obs.text


def test_shell_needs_approval(tmp_path: Path) -> None:
    obs = call(tmp_path, "shell", yes=False, command="touch made")
    assert obs.error == "refused" and not (tmp_path / "made").exists()


def test_shell_output_is_capped(tmp_path: Path) -> None:
    obs = call(tmp_path, "shell", command="head -c 5000000 /dev/zero | tr '\\0' x")
    assert obs.ok and "truncated" in obs.text and len(obs.text) < 4100
    result = run_process(["sh", "-c", "head -c 5000000 /dev/zero"], cwd=tmp_path, timeout=10)
    assert len(result.stdout) == 20_000 and result.stdout_dropped == 5_000_000 - 20_000


def test_shell_timeout_kills_children_and_grandchildren(tmp_path: Path) -> None:
    command = (
        "sh -c 'sleep 60 & echo $! > grandchild.pid; sleep 60' & echo $! > child.pid; sleep 60"
    )
    obs = call(tmp_path, "shell", timeout=1, sandbox=HOST_PIDS, command=command)
    assert obs.error == "timeout" and "killed" in obs.text
    assert_dead(read_pid(tmp_path / "child.pid"))
    assert_dead(read_pid(tmp_path / "grandchild.pid"))


def test_background_process_does_not_outlive_a_finished_command(tmp_path: Path) -> None:
    obs = call(tmp_path, "shell", sandbox=HOST_PIDS, command="sleep 60 >/dev/null 2>&1 & echo $!")
    assert obs.ok
    assert_dead(int(obs.text))


def test_python_runs_snippet_in_workspace(tmp_path: Path) -> None:
    obs = call(tmp_path, "python", code="import os\nprint(2 ** 10, os.getcwd())")
    assert obs.ok and obs.text == f"1024 {tmp_path.resolve()}"


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("12 * 12", "144"),  # a last expression is shown, like a REPL cell
        ("x = 3\nx + 1", "4"),
        ("print('a')\n'b'", "a\n'b'"),
        ("import math", "(no output; print() the result or end with an expression)"),
        ("None", "(no output; print() the result or end with an expression)"),
    ],
)
def test_python_shows_a_last_expression(tmp_path: Path, code: str, text: str) -> None:
    obs = call(tmp_path, "python", code=code)
    assert obs.ok and obs.text == text


def test_python_errors_point_at_the_snippet(tmp_path: Path) -> None:
    obs = call(tmp_path, "python", code="def f():\n    return 1/0\nf()")
    assert 'File "<snippet>", line 2, in f' in obs.text and "return 1/0" in obs.text
    assert "ast.py" not in obs.text and "<string>" not in obs.text
    syntax = call(tmp_path, "python", code="1 +")
    assert "SyntaxError" in syntax.text and "Traceback" not in syntax.text
    assert "exit code 3" in call(tmp_path, "python", code="import sys; sys.exit(3)").text


def test_python_exception_shows_traceback(tmp_path: Path) -> None:
    obs = call(tmp_path, "python", code="raise ValueError('nope')")
    assert obs.error == "exception" and "ValueError: nope" in obs.text and "exit code 1" in obs.text


def test_python_does_not_inherit_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTKIT_TEST_SECRET", "hunter2")
    obs = call(tmp_path, "python", code="import os; print(os.environ.get('AGENTKIT_TEST_SECRET'))")
    assert obs.text == "None"


def test_python_timeout_kills_grandchildren(tmp_path: Path) -> None:
    code = (
        "import subprocess, time\n"
        "p = subprocess.Popen(['sleep', '60'])\n"
        "open('gc.pid', 'w').write(str(p.pid))\n"
        "time.sleep(60)\n"
    )
    obs = call(tmp_path, "python", timeout=1.5, sandbox=HOST_PIDS, code=code)
    assert obs.error == "timeout"
    assert_dead(read_pid(tmp_path / "gc.pid"))


def test_python_memory_limit(tmp_path: Path) -> None:
    obs = call(tmp_path, "python", code="b = bytearray(3 * 1024 ** 3)\nprint('allocated')")
    assert not obs.ok and "MemoryError" in obs.text


def test_python_limits_follow_the_timeout() -> None:
    limits = PYTHON_MODULE.limits_for(2.5)
    assert limits.cpu_seconds == 3 and limits.memory_bytes == 1024**3


def test_cpu_limit_kills_a_busy_loop_before_the_wall_clock(tmp_path: Path) -> None:
    result = run_process(
        [sys.executable, "-c", "while True: pass"],
        cwd=tmp_path,
        timeout=30,
        limits=Limits(cpu_seconds=1),
    )
    assert not result.timed_out and result.returncode < 0
    # not timed out: the 1 s CPU limit, not the 30 s wall clock, ended it
    assert "CPU time limit" in result.describe_exit() or "SIGKILL" in result.describe_exit()


def test_file_size_limit(tmp_path: Path) -> None:
    code = "open('big', 'wb').write(b'x' * 100000)"
    result = run_process(
        [sys.executable, "-c", code], cwd=tmp_path, timeout=10, limits=Limits(file_bytes=1000)
    )
    assert result.returncode != 0 and "File too large" in result.stderr
    assert (tmp_path / "big").stat().st_size <= 1000


def test_missing_program_is_a_tool_error(tmp_path: Path) -> None:
    from agentkit.errors import ToolError

    with pytest.raises(ToolError, match="cannot start"):
        run_process(["/no/such/program"], cwd=tmp_path, timeout=1)
