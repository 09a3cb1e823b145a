"""An MCP tool with execute permission (a real stdio server on the official `mcp` SDK,
tests/injection/mcp_server.py) changes the workspace during `agentkit run` and during
`agentkit tools call`: the whole workspace tree was saved first, so `agentkit runs
undo` puts back what the server overwrote and deleted."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

SERVER = Path(__file__).resolve().parents[1] / "injection" / "mcp_server.py"
AGENTKIT = [sys.executable, "-m", "agentkit"]


def agentkit(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*AGENTKIT, *argv], env=env, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=300, check=False,
    )  # fmt: skip


def tree(root: Path) -> dict[str, bytes | None]:
    return {
        p.relative_to(root).as_posix(): (None if p.is_dir() else p.read_bytes())
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def setup(tmp_path: Path, env: dict[str, str]) -> tuple[Path, dict[str, str], str]:
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "notes.txt").write_bytes(b"the user's notes\r\n\xff binary tail\n")
    (ws / "src" / "app.py").write_text("print('hello')\n")
    (tmp_path / "doc.txt").write_text("a document\n")
    flag = f"docs={shlex.join([sys.executable, str(SERVER), str(tmp_path / 'doc.txt')])}"
    return ws, {**env, "AGENTKIT_MAX_TOOLS": "64"}, flag


def _script(path: Path, tool: str, arguments: dict[str, Any]) -> Path:
    steps = [{"id": 1, "title": "Replace the notes", "tool": tool, "depends_on": []}]
    call = {"action": "call", "calls": [{"tool": tool, "arguments": arguments}]}
    rules: list[list[Any]] = [
        ["write the final answer", {"answer": "done", "citations": []}],
        ["Make a short plan", {"steps": steps}],
        ["(ok)>>>", {"action": "done", "result": "it is done"}],
        ["(failed)>>>", {"action": "done", "result": "it could not be done"}],
        ["Step 1:", call],
    ]
    path.write_text(json.dumps({"rules": rules}), encoding="utf-8")
    return path


def _arguments(ws: Path) -> dict[str, Any]:
    return {
        "path": str(ws / "notes.txt"),
        "text": "overwritten by the MCP server",
        "remove": str(ws / "src" / "app.py"),
    }


def _check_undo(env: dict[str, str], run_id: str, ws: Path, original: dict[str, Any]) -> None:
    assert (ws / "notes.txt").read_text() == "overwritten by the MCP server"
    assert not (ws / "src" / "app.py").exists()
    shown = agentkit(env, "runs", "diff", run_id)
    assert shown.returncode == 0, shown.stderr
    assert "modified  notes.txt" in shown.stdout and "deleted   src/app.py" in shown.stdout
    undone = agentkit(env, "runs", "undo", run_id)
    assert undone.returncode == 0, undone.stderr
    assert tree(ws) == original


def test_an_mcp_execute_tool_in_a_run_is_undone(
    setup: tuple[Path, dict[str, str], str], tmp_path: Path
) -> None:
    ws, env, flag = setup
    original = tree(ws)
    script = _script(tmp_path / "script.json", "replace_file", _arguments(ws))
    ran = agentkit(
        env, "run", "Replace the notes", "--model", f"scripted:{script}", "--policy", "plain",
        "--no-memory", "--mcp", flag, "--workspace", str(ws), "--yes", "--json", "--quiet",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-2000:]
    result = json.loads(ran.stdout.strip().splitlines()[-1])
    assert [(s["tool"], s["ok"]) for s in result["steps"]] == [("replace_file", True)]
    _check_undo(env, result["run_id"], ws, original)


def test_an_mcp_execute_tool_through_tools_call_is_undone(
    setup: tuple[Path, dict[str, str], str],
) -> None:
    ws, env, flag = setup
    original = tree(ws)
    arguments = json.dumps(_arguments(ws))
    done = agentkit(
        env, "tools", "call", "replace_file", arguments, "--mcp", flag, "-w", str(ws), "--yes"
    )
    assert done.returncode == 0, done.stderr
    found = re.search(r"run id: (\S+)", done.stderr)
    assert found, done.stderr
    _check_undo(env, found.group(1), ws, original)


def test_an_mcp_execute_tool_without_approval_changes_nothing(
    setup: tuple[Path, dict[str, str], str],
) -> None:
    ws, env, flag = setup
    original = tree(ws)
    arguments = json.dumps(_arguments(ws))
    done = agentkit(env, "tools", "call", "replace_file", arguments, "--mcp", flag, "-w", str(ws))
    assert done.returncode == 1 and "refused" in done.stderr, done.stderr
    assert tree(ws) == original
