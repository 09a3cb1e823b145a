"""Kill a real 3-tool run with SIGKILL at 7 different points, resume it with
`agentkit runs resume`, and count how often each tool really ran: never twice.

The run: write_file a.txt (a file tool), note b.txt (a plugin file tool that declares its
path and what it writes) and shell (an execute tool). The kill points are exact: a
driver process kills itself right after a given event is journaled, the plugin kills its
own process before or after its effect, and the shell command kills its parent after it
appended to its log. After the resume, `agentkit runs undo` restores the workspace.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

AGENTKIT = [sys.executable, "-m", "agentkit"]

NOTE_TOOL = '''
import os
import signal
from collections.abc import Mapping
from typing import Any

from agentkit.tool import ToolContext, tool


def _writes(arguments: Mapping[str, Any], current: bytes | None) -> bytes:
    return str(arguments["text"]).encode()


@tool(permission="write", paths=("path",), writes=_writes)
def note(path: str, text: str, ctx: ToolContext) -> str:
    """Write a note to a file.

    Args:
        path: the file.
        text: the note.
    """
    if os.environ.get("KILL_IN_NOTE") == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    (ctx.workspace / path).write_text(text)
    with open(os.environ["CALLS_LOG"], "a") as log:
        log.write("note\\n")
    if os.environ.get("KILL_IN_NOTE") == "after":
        os.kill(os.getpid(), signal.SIGKILL)
    return f"noted {path}"
'''

DRIVER = """
import os, signal, sys
from agentkit.agent import Agent
from agentkit.config import load_settings
from agentkit.journal import Journal
from agentkit.llm.factory import load_model
from agentkit.registry import load_toolset

kind, _, index = os.environ.get("KILL_AFTER", "").partition(":")
settings = load_settings({
    "model": sys.argv[1], "workspace": sys.argv[2], "tools_path": [sys.argv[3]],
    "yes": True, "no_memory": True, "max_tools": 64,
}).settings
agent = Agent(load_model(settings), load_toolset(settings), None, settings=settings,
              journal=Journal.open(settings))
for event in agent.iter("write a.txt, note b.txt, then log"):
    if event.type == kind and getattr(event, "index", None) == int(index):
        os.kill(os.getpid(), signal.SIGKILL)  # right after the event was journaled
"""


def _script(shell_command: str) -> dict[str, Any]:
    calls = [
        ("write_file", {"path": "a.txt", "content": "alpha"}, "Write a.txt"),
        ("note", {"path": "b.txt", "text": "beta"}, "Note b.txt"),
        ("shell", {"command": shell_command}, "Log the run"),
    ]
    steps = [
        {"id": i, "title": title, "tool": tool, "depends_on": []}
        for i, (tool, _, title) in enumerate(calls, 1)
    ]
    rules: list[list[Any]] = [
        ["write the final answer", {"answer": "all done", "citations": []}],
        ["Make a short plan", {"steps": steps}],
    ]
    for i, (tool, arguments, _) in enumerate(calls, 1):
        rules.append(
            [f"Step {i}:", {"action": "call", "calls": [{"tool": tool, "arguments": arguments}]}]
        )
    # Killed after a result but before its step was marked done: the model says done.
    # (After the step prompts: a call prompt may quote earlier results.)
    rules += [
        ["on resume", {"action": "done", "result": "reconciled"}],
        ["interrupted before it finished", {"action": "done", "result": "left as it is"}],
    ]
    rules += [
        [text, {"action": "done", "result": text}] for text in ("wrote 5", "noted", "(no output)")
    ]
    # the plain policy shows each result, fenced, as the last message
    rules += [["(ok)>>>", {"action": "done", "result": "done"}]]
    rules += [["(failed)>>>", {"action": "done", "result": "failed"}]]
    return {"rules": rules}


# (name, how the first process dies)
POINTS = [
    ("after observation 1", {"KILL_AFTER": "observation:1"}),
    ("after call 2 was journaled, before it ran", {"KILL_AFTER": "tool_called:2"}),
    ("inside call 2, before its effect", {"KILL_IN_NOTE": "before"}),
    ("inside call 2, after its effect, before its result", {"KILL_IN_NOTE": "after"}),
    ("after call 3 was journaled, before it ran", {"KILL_AFTER": "tool_called:3"}),
    ("inside call 3 (shell), after its effect", {"SHELL_KILL": "1"}),
    ("after observation 3, before the answer", {"KILL_AFTER": "observation:3"}),
]


def _executions(home: Path, run_id: str, log: Path, shell_log: Path) -> dict[str, int]:
    """How many times each call really ran: write_file by its checkpoints (one per
    execution begun), note and shell by the lines they appended."""
    from agentkit.checkpoints import CheckpointStore
    from agentkit.journal import Journal

    with Journal(home / "journal.db") as journal:
        rows = CheckpointStore(journal).for_run(run_id, include_undone=True)
    lines = log.read_text().splitlines() if log.exists() else []
    shell = shell_log.read_text().splitlines() if shell_log.exists() else []
    return {
        "write_file": sum(r.tool == "write_file" for r in rows),
        "note": lines.count("note"),
        "shell": len(shell),
    }


def _killed_run(
    tmp_path: Path, env: dict[str, str], ws: Path, script: dict[str, Any], kill: dict[str, str]
) -> str:
    """Start the driver on `script`, let it die as `kill` says; the run's id."""
    path = tmp_path / "script.json"
    path.write_text(json.dumps(script), encoding="utf-8")
    (tmp_path / "note_tool.py").write_text(NOTE_TOOL, encoding="utf-8")
    (tmp_path / "driver.py").write_text(DRIVER, encoding="utf-8")
    first = subprocess.run(
        [sys.executable, str(tmp_path / "driver.py"), f"scripted:{path}", str(ws),
         str(tmp_path / "note_tool.py")],
        env={**env, **kill}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert first.returncode == -signal.SIGKILL, (kill, first.stderr)
    listed = subprocess.run(
        [*AGENTKIT, "runs", "list", "--json"], env=env, capture_output=True, text=True, check=True
    )
    (run,) = json.loads(listed.stdout)
    return str(run["run_id"])


def _resume(env: dict[str, str], run_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*AGENTKIT, "runs", "resume", run_id, "--json", "--quiet"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.integration
@pytest.mark.parametrize(("point", "kill"), POINTS, ids=[p for p, _ in POINTS])
def test_kill_and_resume_never_duplicates_a_side_effect(
    tmp_path: Path, env: dict[str, str], point: str, kill: dict[str, str]
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.txt").write_text("the user's a.txt\n")  # overwritten by call 1, restored by undo
    shell_log, flag = tmp_path / "shell.log", tmp_path / "kill-shell"
    command = f"echo 3 >> {shell_log}; if [ -f {flag} ]; then kill -9 $PPID; fi"
    log = tmp_path / "calls.log"
    # The shell call follows tool results: with taint_approval it would need a terminal.
    env = {**env, "CALLS_LOG": str(log), "AGENTKIT_TAINT_APPROVAL": "false"}
    env["AGENTKIT_POLICY"] = "plain"  # every tool offered: the scripted calls are never narrowed
    # This test is about the journal, not the sandbox: under bubblewrap the shell would
    # see neither shell.log (outside the workspace) nor agentkit as its $PPID.
    Path(env["AGENTKIT_CONFIG"]).write_text('[sandbox]\nmode = "process-group"\n')
    if kill.get("SHELL_KILL"):
        flag.touch()

    run_id = _killed_run(tmp_path, env, ws, _script(command), kill)
    flag.unlink(missing_ok=True)
    resumed = _resume(env, run_id)
    assert resumed.returncode in (0, 1), resumed.stderr
    result = json.loads(resumed.stdout)

    ran = _executions(Path(env["AGENTKIT_HOME"]), run_id, log, shell_log)
    assert max(ran.values()) <= 1, (point, ran)  # 0 duplicated executions
    assert (ws / "a.txt").read_text() == "alpha" and (ws / "b.txt").read_text() == "beta"
    if kill.get("SHELL_KILL"):
        # It ran and then its process died: whether it ran cannot be told, so it is not
        # run again, and the observation says an identical call needs explicit approval.
        step3 = [s for s in result["steps"] if s["tool"] == "shell"][-1]
        assert step3["error"] == "interrupted" and "explicit approval" in step3["observation"]
    else:
        assert ran == {"write_file": 1, "note": 1, "shell": 1}, (point, ran)
        assert result["status"] == "succeeded", result

    # Undo after the resume: the workspace is as it was before the run.
    undone = subprocess.run(
        [*AGENTKIT, "runs", "undo", run_id], env=env, capture_output=True, text=True
    )
    assert undone.returncode == 0, undone.stderr
    assert sorted(p.name for p in ws.iterdir()) == ["a.txt"]
    assert (ws / "a.txt").read_text() == "the user's a.txt\n"


READ_ONLY = {
    "rules": [
        ["write the final answer", {"answer": "read it", "citations": []}],
        [
            "Make a short plan",
            {"steps": [{"id": 1, "title": "Read a.txt", "tool": "read_file", "depends_on": []}]},
        ],
        [
            "Step 1:",
            {"action": "call", "calls": [{"tool": "read_file", "arguments": {"path": "a.txt"}}]},
        ],
        ["on resume", {"action": "done", "result": "reconciled"}],
        ["interrupted before it finished", {"action": "done", "result": "left as it is"}],
        ["(ok)>>>", {"action": "done", "result": "done"}],
        ["(failed)>>>", {"action": "done", "result": "failed"}],
    ]
}


@pytest.mark.integration
@pytest.mark.parametrize("kill_after", ["tool_called:1", "observation:1"])
def test_a_resume_never_writes_to_a_file_the_run_only_read(
    tmp_path: Path, env: dict[str, str], kill_after: str
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.txt").write_bytes(b"the user's a.txt\n")
    before = (ws / "a.txt").stat()
    env = {**env, "CALLS_LOG": str(tmp_path / "calls.log"), "AGENTKIT_POLICY": "plain"}
    run_id = _killed_run(tmp_path, env, ws, READ_ONLY, {"KILL_AFTER": kill_after})
    resumed = _resume(env, run_id)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "succeeded"
    after = (ws / "a.txt").stat()
    assert (ws / "a.txt").read_bytes() == b"the user's a.txt\n"
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)
    assert sorted(p.name for p in ws.iterdir()) == ["a.txt"]
    ran = _executions(Path(env["AGENTKIT_HOME"]), run_id, tmp_path / "x", tmp_path / "y")
    assert ran["write_file"] == 0  # no checkpoint: nothing was about to be written
