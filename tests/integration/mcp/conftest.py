"""Real third-party MCP software for the MCP tests, and ways to run `agentkit` against it.

The npm packages live in tests/mcp/node_modules, installed by `./setup.sh test`
(`npm ci --prefix tests/mcp`); nothing is downloaded while the tests run.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parents[2] / "mcp" / "node_modules"
EVERYTHING = NODE_DIR / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
CONFORMANCE = NODE_DIR / ".bin" / "conformance"
AGENTKIT = [sys.executable, "-m", "agentkit"]
TIME_SERVER = [sys.executable, "-m", "mcp_server_time", "--local-timezone", "UTC"]


def node_path(what: Path) -> Path:
    if not what.exists():
        pytest.fail(f"{what} is missing: run ./setup.sh test (or npm ci --prefix tests/mcp)")
    return what


def everything() -> list[str]:
    return ["node", str(node_path(EVERYTHING)), "stdio"]


def agentkit(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*AGENTKIT, *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[str], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            said = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"server exited early: {said}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {limit}s")


def processes_in(folder: Path) -> list[int]:
    """Live processes whose working directory is `folder` (how a test finds its servers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "cwd").readlink() == folder and _alive(entry):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _alive(entry: Path) -> bool:
    try:
        state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_gone(folder: Path, limit: float = 15) -> list[int]:
    deadline = time.monotonic() + limit
    while (left := processes_in(folder)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def server_dir(tmp_path: Path) -> Path:
    """A working directory that only this test's MCP servers use."""
    folder = tmp_path / "server-cwd"
    folder.mkdir()
    return folder


@contextlib.contextmanager
def serving_http(
    env: dict[str, str], workspace: Path, *args: str, memory: bool = False
) -> Iterator[str]:
    """`agentkit mcp serve --http` on a free 127.0.0.1 port; yields its URL."""
    port = free_port()
    workspace.mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [*AGENTKIT, "mcp", "serve", "--http", f"127.0.0.1:{port}", "-w", str(workspace), *args],
        env=env if memory else {**env, "AGENTKIT_NO_MEMORY": "true"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        stop(proc)


@pytest.fixture
def agentkit_http(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    with serving_http(env, tmp_path / "served-workspace") as url:
        yield url


class Kit:
    """The helpers above, for test modules (which cannot import this conftest)."""

    everything = staticmethod(everything)
    node_path = staticmethod(node_path)
    agentkit = staticmethod(agentkit)
    free_port = staticmethod(free_port)
    wait_for_port = staticmethod(wait_for_port)
    processes_in = staticmethod(processes_in)
    wait_gone = staticmethod(wait_gone)
    stop = staticmethod(stop)
    serving_http = staticmethod(serving_http)
    AGENTKIT = AGENTKIT
    TIME_SERVER = TIME_SERVER
    CONFORMANCE = CONFORMANCE
    EVERYTHING = EVERYTHING


@pytest.fixture
def kit() -> Kit:
    return Kit()
