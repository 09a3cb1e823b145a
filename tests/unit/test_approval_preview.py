"""The terminal approval of a write shows the diff it will apply, or what a workspace
checkpoint covers, and says when a file is too big to be restored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from agentkit.checkpoints import checkpointer
from agentkit.config import Settings
from agentkit.journal import Journal
from agentkit.registry import load_toolset
from agentkit.tool import ToolContext, _ask_on_terminal


def context(tmp_path: Path, journal: Journal, **settings: object) -> ToolContext:
    s = Settings(workspace=tmp_path / "ws", home=tmp_path / "home", **settings)  # type: ignore[arg-type]
    journal.start_run(run_id="r1", kind="agent", goal="g", model="m", settings={})
    return ToolContext.create(
        s,
        run_id="r1",
        approve=_ask_on_terminal,
        interactive=True,
        checkpoints=checkpointer(journal, "r1", 1, 1),
    )


def answer(monkeypatch: pytest.MonkeyPatch, reply: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(reply + "\n"))


def test_write_file_approval_shows_old_versus_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Journal(tmp_path / "j.db") as journal:
        ctx = context(tmp_path, journal)
        (ctx.workspace / "notes.txt").write_text("keep me\nold line\n")
        tools = load_toolset(ctx.settings)
        answer(monkeypatch, "n")
        obs = tools.call("write_file", {"path": "notes.txt", "content": "keep me\nnew line\n"}, ctx)
    shown = capsys.readouterr().err
    assert obs.error == "refused"
    assert "--- a/notes.txt" in shown and "-old line" in shown and "+new line" in shown
    assert " keep me" in shown and "allow tool write_file" in shown
    assert (ctx.workspace / "notes.txt").read_text() == "keep me\nold line\n"


def test_shell_approval_names_the_snapshot_and_what_cannot_be_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Journal(tmp_path / "j.db") as journal:
        ctx = context(tmp_path, journal, checkpoint_max_file_bytes=5)
        (ctx.workspace / "small").write_text("ok")
        (ctx.workspace / "large.bin").write_bytes(b"x" * 100)
        answer(monkeypatch, "y")
        obs = load_toolset(ctx.settings).call("shell", {"command": "rm large.bin"}, ctx)
    shown = capsys.readouterr().err
    assert obs.ok, obs.text
    assert "the workspace (2 files, 102 bytes) is saved" in shown
    assert "large.bin is over checkpoint_max_file_bytes" in shown and "CANNOT" in shown
