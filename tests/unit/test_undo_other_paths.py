"""Checkpoints on the paths a tool runs through besides `agentkit run`: workflow tool
steps (`agentkit run --file`) and `agentkit tools call`. Through the real CLI, real
tools and the real journal: the write happens, then `agentkit runs undo RUN` puts the
user's files back byte for byte."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agentkit.cli.app import app

ORIGINAL = b"my notes\r\nkeep them\n\xff\xfe not utf-8\n"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace with a user's files (tests/conftest.py isolates the environment)."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "notes.txt").write_bytes(ORIGINAL)
    (workspace / "src").mkdir()
    (workspace / "src" / "app.py").write_text("print('hello')\n")
    return workspace


def agentkit(*argv: str) -> Any:
    return CliRunner().invoke(app, list(argv), catch_exceptions=False)


def tree(root: Path) -> dict[str, bytes | None]:
    return {
        p.relative_to(root).as_posix(): (None if p.is_dir() else p.read_bytes())
        for p in sorted(root.rglob("*"))
    }


def run_id_in(text: str) -> str:
    found = re.search(r"run id: (\S+)", text)
    assert found, text
    return found.group(1)


def workflow(ws: Path, text: str) -> tuple[Any, str]:
    flow = ws.parent / "flow.yaml"
    flow.write_text(text, encoding="utf-8")
    done = agentkit("run", "--file", str(flow), "--workspace", str(ws), "--no-memory", "--yes")
    return done, run_id_in(done.stderr)


OVERWRITE = """
name: overwrite-notes
steps:
  - id: read
    tool: read_file
    args: {path: notes.txt}
  - id: save
    tool: write_file
    args: {path: notes.txt, content: "replaced by the workflow"}
  - id: clean
    tool: shell
    args: {command: "rm -rf src && echo new > added.txt"}
"""


def test_a_workflow_that_overwrites_a_users_file_is_undone_byte_for_byte(ws: Path) -> None:
    original = tree(ws)
    done, run_id = workflow(ws, OVERWRITE)
    assert done.exit_code == 0, done.output
    assert (ws / "notes.txt").read_text() == "replaced by the workflow"
    assert not (ws / "src").exists() and (ws / "added.txt").exists()

    shown = agentkit("runs", "diff", run_id)
    assert shown.exit_code == 0, shown.output
    assert "modified  notes.txt" in shown.stdout
    assert "deleted   src/app.py" in shown.stdout and "added     added.txt" in shown.stdout

    undone = agentkit("runs", "undo", run_id, "--step", "3")  # only the shell step
    assert undone.exit_code == 0, undone.output
    assert (ws / "src" / "app.py").exists() and not (ws / "added.txt").exists()
    assert (ws / "notes.txt").read_text() == "replaced by the workflow"

    undone = agentkit("runs", "undo", run_id)
    assert undone.exit_code == 0, undone.output
    assert tree(ws) == original
    assert (ws / "notes.txt").read_bytes() == ORIGINAL


def test_a_workflow_undo_refuses_when_the_file_changed_since(ws: Path) -> None:
    done, run_id = workflow(ws, OVERWRITE)
    assert done.exit_code == 0, done.output
    (ws / "notes.txt").write_text("the user edited it afterwards")
    refused = agentkit("runs", "undo", run_id)
    assert refused.exit_code == 1
    assert "notes.txt" in refused.output and "--force" in refused.output
    assert (ws / "notes.txt").read_text() == "the user edited it afterwards"
    forced = agentkit("runs", "undo", run_id, "--force")
    assert forced.exit_code == 0, forced.output
    assert (ws / "notes.txt").read_bytes() == ORIGINAL


STEERED = """
name: steered
steps:
  - id: read
    tool: read_file
    args: {path: pointer.txt}
  - id: follow
    tool: write_file
    args: {path: "{{ steps.read.output | trim }}", content: "owned"}
    on_error: continue
  - id: literal
    tool: write_file
    args: {path: summary.txt, content: "{{ steps.read.output | trim }}"}
"""


def test_a_step_whose_target_comes_from_an_earlier_output_needs_fresh_approval(
    ws: Path,
) -> None:
    """The taint rule in a workflow: a path the workflow file names is the user's
    choice, even with templated content; a path that came from a tool result is not,
    and --yes does not approve it (stdin is no terminal here, so it is refused)."""
    (ws / "pointer.txt").write_text("notes.txt\n")
    done, run_id = workflow(ws, STEERED)
    assert done.exit_code == 0, done.output
    assert (ws / "notes.txt").read_bytes() == ORIGINAL
    assert (ws / "summary.txt").read_text() == "notes.txt"
    exported = json.loads(agentkit("runs", "export", run_id).stdout)
    refused = [e for e in exported["events"] if e["type"] == "observation" and not e["ok"]]
    assert [e["tool"] for e in refused] == ["write_file"]
    assert "untrusted text" in refused[0]["text"] and "notes.txt" in refused[0]["text"]


def test_a_command_built_from_an_earlier_output_needs_fresh_approval(ws: Path) -> None:
    """A workflow file may feed a step's output to a write tool it chose (the examples'
    itinerary plugin does), but that output must not become a command to run."""
    (ws / "pointer.txt").write_text("rm -rf src\n")
    flow = """
name: steered-command
steps:
  - id: read
    tool: read_file
    args: {path: pointer.txt}
  - id: run
    tool: shell
    args: {command: "{{ steps.read.output }}"}
"""
    done, run_id = workflow(ws, flow)
    assert (ws / "src" / "app.py").read_text() == "print('hello')\n", done.output
    exported = json.loads(agentkit("runs", "export", run_id).stdout)
    refused = [e for e in exported["events"] if e["type"] == "observation" and not e["ok"]]
    assert [e["tool"] for e in refused] == ["shell"]
    assert "untrusted text" in refused[0]["text"]


def test_a_workflow_input_names_a_target_as_the_user_would(ws: Path) -> None:
    flow = """
name: from-input
inputs:
  out: {default: notes.txt}
steps:
  - id: read
    tool: read_file
    args: {path: "src/app.py"}
  - id: save
    tool: write_file
    args: {path: "{{ inputs.out }}", content: "{{ steps.read.output }}"}
"""
    done, run_id = workflow(ws, flow)
    assert done.exit_code == 0, done.output
    assert (ws / "notes.txt").read_text() == "print('hello')\n"
    assert agentkit("runs", "undo", run_id).exit_code == 0
    assert (ws / "notes.txt").read_bytes() == ORIGINAL


def test_tools_call_write_file_over_an_existing_file_is_undone(ws: Path) -> None:
    original = tree(ws)
    args = json.dumps({"path": "notes.txt", "content": "clobbered"})
    done = agentkit("tools", "call", "write_file", args, "--workspace", str(ws), "--yes")
    assert done.exit_code == 0, done.output
    assert (ws / "notes.txt").read_text() == "clobbered"
    run_id = run_id_in(done.stderr)
    assert f"agentkit runs undo {run_id}" in done.stderr

    listed = json.loads(agentkit("runs", "list", "--json").stdout)
    assert [(r["run_id"], r["kind"], r["status"]) for r in listed] == [
        (run_id, "tool", "succeeded")
    ]
    shown = agentkit("runs", "diff", run_id)
    assert "modified  notes.txt" in shown.stdout and "+clobbered" in shown.stdout

    undone = agentkit("runs", "undo", run_id)
    assert undone.exit_code == 0, undone.output
    assert tree(ws) == original


def test_tools_call_shell_is_checkpointed_as_a_whole_tree(ws: Path) -> None:
    original = tree(ws)
    args = json.dumps({"command": "rm -rf ./* && echo x > made.txt"})
    done = agentkit("tools", "call", "shell", args, "--workspace", str(ws), "--yes")
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in ws.iterdir()) == ["made.txt"]
    undone = agentkit("runs", "undo", run_id_in(done.stderr))
    assert undone.exit_code == 0, undone.output
    assert tree(ws) == original


def test_tools_call_refused_without_yes_changes_nothing_and_says_so(ws: Path) -> None:
    args = json.dumps({"path": "notes.txt", "content": "clobbered"})
    done = agentkit("tools", "call", "write_file", args, "--workspace", str(ws))
    assert done.exit_code == 1
    assert "refused" in done.stderr and "overwrite notes.txt" in done.stderr
    assert (ws / "notes.txt").read_bytes() == ORIGINAL
    run_id = run_id_in(done.stderr)
    assert agentkit("runs", "undo", run_id).stderr.startswith(f"run {run_id} has nothing")


def test_tools_call_of_a_read_tool_journals_nothing(ws: Path) -> None:
    done = agentkit("tools", "call", "read_file", '{"path": "src/app.py"}', "-w", str(ws))
    assert done.exit_code == 0 and "print('hello')" in done.stdout
    assert "run id" not in done.stderr
    assert "no runs" in agentkit("runs", "list").stderr


def test_a_tool_run_does_not_resume(ws: Path) -> None:
    args = json.dumps({"path": "new.txt", "content": "x"})
    done = agentkit("tools", "call", "write_file", args, "--workspace", str(ws), "--yes")
    resumed = CliRunner().invoke(app, ["runs", "resume", run_id_in(done.stderr)])
    assert resumed.exit_code == 1
    assert "is a tool run" in resumed.output and "agentkit tools call" in resumed.output


def test_a_workflow_agent_step_journals_its_own_undoable_run(ws: Path) -> None:
    """An agent step is a run of its own (the progress line names it), checkpointed as
    any `agentkit run` is: undoing that run restores what its calls overwrote."""
    call = {"tool": "write_file", "arguments": {"path": "notes.txt", "content": "by the agent"}}
    steps = [{"id": 1, "title": "Rewrite notes.txt", "tool": "write_file", "depends_on": []}]
    rules: list[list[Any]] = [
        ["write the final answer", {"answer": "done", "citations": []}],
        ["Make a short plan", {"steps": steps}],
        ["(ok)>>>", {"action": "done", "result": "it is done"}],
        ["Step 1:", {"action": "call", "calls": [call]}],
    ]
    script = ws.parent / "model.json"
    script.write_text(json.dumps({"rules": rules}), encoding="utf-8")
    flow = ws.parent / "flow.yaml"
    flow.write_text(
        "name: agent-step\nsteps:\n  - id: sub\n    agent: Rewrite notes.txt\n"
        "    tools: [write_file]\n    max_steps: 3\n",
        encoding="utf-8",
    )
    done = agentkit(
        "run", "--file", str(flow), "--workspace", str(ws), "--no-memory", "--yes",
        "--model", f"scripted:{script}", "--policy", "plain",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert (ws / "notes.txt").read_text() == "by the agent"
    sub = re.search(r"agent run (\S+)", done.stderr)
    assert sub, done.stderr
    undone = agentkit("runs", "undo", sub.group(1))
    assert undone.exit_code == 0, undone.output
    assert (ws / "notes.txt").read_bytes() == ORIGINAL
