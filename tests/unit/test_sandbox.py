"""The shell/python sandbox: no process survives a timeout, in both modes; in the
bubblewrap mode, writes outside the workspace and network access fail.

Survivors are counted by a marker in their command line (`sleep 3000.<token>`),
because inside bubblewrap a child sees its own PID namespace and cannot report a host
pid. Each escape writes `started` first, so a test cannot pass because the escape
never ran.
"""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentkit.config import SandboxSettings, Settings
from agentkit.plugins import load_file, tools_in
from agentkit.registry import Toolset
from agentkit.resources import tools_dir
from agentkit.sandbox import bwrap_problem, choose
from agentkit.tool import Observation, ToolContext

TOOLS = Toolset(
    [
        *tools_in(load_file(tools_dir() / "shell.py")),
        *tools_in(load_file(tools_dir() / "python_exec.py")),
    ]
)
NO_BWRAP = bwrap_problem()
MODES = [
    pytest.param(
        "bubblewrap", marks=pytest.mark.skipif(NO_BWRAP is not None, reason=str(NO_BWRAP))
    ),
    "process-group",
]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def call(
    ws: Path, mode: str, name: str, timeout: float = 10, network: bool = False, **args: Any
) -> Observation:
    sandbox = SandboxSettings(mode=mode, network=network)  # type: ignore[arg-type]
    settings = Settings(workspace=ws, yes=True, tool_timeout=timeout, sandbox=sandbox)
    return TOOLS.call(name, args, ToolContext.create(settings, interactive=False))


def survivors(token: str) -> list[int]:
    """Live (non-zombie) processes whose command line holds the token."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if token.encode() in cmdline and state not in {"Z", "X"}:
            found.append(int(entry.name))
    return found


def settle(token: str) -> list[int]:
    """Survivors once SIGKILL has had time to land (a kill is delivered asynchronously)."""
    for _ in range(60):
        left = survivors(token)
        if not left:
            return left
        time.sleep(0.05)
    return survivors(token)


@pytest.fixture
def token() -> Iterator[str]:
    value = f"3000.{random.randrange(10**8, 10**9)}"  # a valid `sleep` duration
    yield value
    for pid in survivors(value):  # never leave a process behind, even when a test fails
        import os
        import signal

        os.kill(pid, signal.SIGKILL)


def _py_fork(detach: str, token: str) -> str:
    return (
        "import os, time\n"
        "if os.fork() == 0:\n"
        f"    {detach}\n"
        "    open('started', 'w').write('1')\n"
        f"    os.execvp('sleep', ['sleep', '{token}'])\n"
        "time.sleep(300)\n"
    )


def _double_fork(token: str) -> str:
    return (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        open('started', 'w').write('1')\n"
        f"        os.execvp('sleep', ['sleep', '{token}'])\n"
        "    os._exit(0)\n"
        "time.sleep(300)\n"
    )


ESCAPES = {
    "python os.setsid child": lambda t: ("python", _py_fork("os.setsid()", t)),
    "python os.setpgid child": lambda t: ("python", _py_fork("os.setpgid(0, 0)", t)),
    "python double-fork daemon": lambda t: ("python", _double_fork(t)),
    "shell setsid": lambda t: ("shell", f"setsid sh -c 'echo 1 > started; exec sleep {t}' & wait"),
    "shell nohup": lambda t: (
        "shell",
        f"nohup sh -c 'echo 1 > started; exec sleep {t}' >/dev/null 2>&1 & wait",
    ),
    "coreutils timeout child": lambda t: (
        "shell",
        f"timeout 600 sh -c 'echo 1 > started; exec sleep {t}' & wait",
    ),
}


@pytest.mark.parametrize("escape", sorted(ESCAPES))
def test_no_process_survives_a_timeout(tmp_path: Path, mode: str, token: str, escape: str) -> None:
    tool, source = ESCAPES[escape](token)
    key = "code" if tool == "python" else "command"
    obs = call(tmp_path, mode, tool, timeout=4, **{key: source})
    assert obs.error == "timeout", obs.text
    assert (tmp_path / "started").exists(), "the escape never started"
    assert settle(token) == []


def test_no_process_survives_a_finished_command(tmp_path: Path, mode: str, token: str) -> None:
    obs = call(tmp_path, mode, "shell", command=f"setsid sleep {token} >/dev/null 2>&1 & echo ok")
    assert obs.ok and obs.text == "ok"
    assert settle(token) == []


@pytest.mark.skipif(NO_BWRAP is not None, reason=str(NO_BWRAP))
def test_writes_outside_the_workspace_fail(tmp_path: Path, token: str) -> None:
    workspace, outside = tmp_path / "ws", tmp_path / "outside"
    workspace.mkdir()
    outside.mkdir()
    var_tmp = Path(f"/var/tmp/agentkit-sandbox-{token}")
    obs = call(
        workspace,
        "bubblewrap",
        "shell",
        command=f"echo x > inside; echo x > {outside}/f; echo x > {var_tmp}; "
        f"echo x > /etc/ak-{token}",
    )
    assert not obs.ok and "Read-only file system" in obs.text
    assert (workspace / "inside").read_text() == "x\n"
    assert not (outside / "f").exists() and not var_tmp.exists()
    assert not Path(f"/etc/ak-{token}").exists()
    code = f"open({str(var_tmp)!r}, 'w').write('x')"
    obs = call(workspace, "bubblewrap", "python", code=code)
    assert not obs.ok and "Read-only file system" in obs.text and not var_tmp.exists()


@pytest.mark.skipif(NO_BWRAP is not None, reason=str(NO_BWRAP))
def test_root_cannot_remount_the_sandbox_writable(tmp_path: Path, token: str) -> None:
    obs = call(tmp_path, "bubblewrap", "shell", command=f"mount -o remount,rw /; touch /ak-{token}")
    assert not obs.ok and not Path(f"/ak-{token}").exists()


@pytest.mark.skipif(NO_BWRAP is not None, reason=str(NO_BWRAP))
def test_private_tmp(tmp_path: Path, token: str) -> None:
    obs = call(tmp_path / "ws", "bubblewrap", "shell", command=f"echo x > /tmp/{token}; ls /tmp")
    assert obs.ok, obs.text
    assert not Path(f"/tmp/{token}").exists()


@pytest.fixture
def listener() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


def _connect(port: int) -> str:
    return (
        "import socket\n"
        f"socket.create_connection(('127.0.0.1', {port}), timeout=3).close()\n"
        "print('connected')\n"
    )


@pytest.mark.skipif(NO_BWRAP is not None, reason=str(NO_BWRAP))
def test_network_is_off_by_default(tmp_path: Path, listener: int) -> None:
    obs = call(tmp_path, "bubblewrap", "python", code=_connect(listener))
    assert not obs.ok and "ConnectionRefusedError" in obs.text


@pytest.mark.skipif(NO_BWRAP is not None, reason=str(NO_BWRAP))
def test_network_on_when_configured(tmp_path: Path, listener: int) -> None:
    obs = call(tmp_path, "bubblewrap", "python", network=True, code=_connect(listener))
    assert obs.ok and obs.text == "connected"


def test_fallback_mode_says_what_it_does_not_confine() -> None:
    text = choose(SandboxSettings(mode="process-group")).describe()
    assert "no sandbox" in text and "write anywhere" in text and "network" in text


def test_required_bubblewrap_that_cannot_run_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on PATH
    bwrap_problem.cache_clear()
    try:
        obs: Observation = call(tmp_path, "bubblewrap", "shell", command="true")
        assert not obs.ok and "bubblewrap is not installed" in obs.text
        assert choose(SandboxSettings()).mode == "process-group"  # auto falls back
    finally:
        monkeypatch.undo()
        bwrap_problem.cache_clear()
