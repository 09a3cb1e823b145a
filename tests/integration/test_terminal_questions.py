"""Questions asked at a terminal while the live progress view runs: `ask_user` and a tool
approval. The view must stand still while a question waits, or it draws over it: the
run is driven through a real pseudo-terminal, with the scripted model."""

from __future__ import annotations

import json
import os
import pty
import select
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

QUIET = 1.0  # seconds without output that show the view is not redrawing (it does 8/s)


def _script(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    step = {"id": 1, "title": "Do it", "tool": tool, "depends_on": []}
    return {
        "rules": [
            ["write the final answer", {"answer": "finished", "citations": []}],
            ["Make a short plan", {"steps": [step]}],
            ["Step 1:", {"action": "call", "calls": [{"tool": tool, "arguments": arguments}]}],
            ["(ok)>>>", {"action": "done", "result": "done"}],
            ["(failed)>>>", {"action": "done", "result": "failed"}],
        ]
    }


class Terminal:
    """`agentkit run` on a pseudo-terminal: what it printed, and a way to type."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the run, with the pty as its terminal
            os.execve(sys.executable, [sys.executable, "-m", "agentkit", *argv], env)
        self.out = b""

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # the child closed the terminal
            return b""
        self.out += data
        return data

    def wait_for(self, text: bytes, deadline: float = 120) -> None:
        end = time.monotonic() + deadline
        while text not in self.out:
            assert time.monotonic() < end, self.out.decode(errors="replace")[-2000:]
            self.read(0.2)

    def stays_quiet(self) -> bool:
        end = time.monotonic() + QUIET
        while time.monotonic() < end:
            if self.read(end - time.monotonic()):
                return False
        return True

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def finish(self, deadline: float = 120) -> int:
        """The run's exit code, once it has ended."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            self.read(0.2)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self.read(0.1):
                    pass
                return os.waitstatus_to_exitcode(status)
        raise AssertionError(self.out.decode(errors="replace")[-2000:])


def _run(tmp_path: Path, env: dict[str, str], tool: str, arguments: dict[str, Any]) -> Terminal:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(_script(tool, arguments)), encoding="utf-8")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    env = {**env, "AGENTKIT_POLICY": "plain", "TERM": "xterm"}
    argv = ["run", "do it", "--model", f"scripted:{script}", "--workspace", str(workspace)]
    return Terminal([*argv, "--no-memory"], env)


def test_ask_user_question_stands_still_and_gets_the_answer(
    tmp_path: Path, env: dict[str, str]
) -> None:
    term = _run(tmp_path, env, "ask_user", {"question": "Which city?"})
    term.wait_for(b"agent asks: Which city?")
    assert term.stays_quiet()  # the live view stopped while the question waits
    term.type("Lisbon")
    term.wait_for(b"obs-1 ok: Lisbon")
    assert term.finish() == 0


def test_an_approval_question_stands_still_and_yes_runs_the_tool(
    tmp_path: Path, env: dict[str, str]
) -> None:
    term = _run(tmp_path, env, "write_file", {"path": "a.txt", "content": "alpha"})
    term.wait_for(b"[y/N]")
    assert term.stays_quiet()
    term.type("y")
    term.wait_for(b"obs-1 ok")
    assert term.finish() == 0
    assert (tmp_path / "ws" / "a.txt").read_text() == "alpha"
