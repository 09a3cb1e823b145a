"""File-tool holes: hard links to outside files, non-regular files, and a directory
swapped for a symlink between the path check and the open."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import agentkit.sandbox.files as safe_files
from agentkit.config import SandboxSettings, Settings
from agentkit.plugins import load_file, tools_in
from agentkit.registry import Toolset
from agentkit.resources import tools_dir
from agentkit.tool import Observation, ToolContext

TOOLS = Toolset(tools_in(load_file(tools_dir() / "files.py")))
SECRET = "TOP SECRET gamma\n"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace holding a hard link to a file outside it, and a plain file."""
    root = tmp_path / "ws"
    (root / "d").mkdir(parents=True)
    (root / "d" / "f.txt").write_text("inside gamma\n", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    (outside / "f.txt").write_text(SECRET, encoding="utf-8")
    os.link(outside / "secret.txt", root / "link.txt")
    return root


def call(ws: Path, name: str, allow_hardlinks: bool = False, **args: Any) -> Observation:
    sandbox = SandboxSettings(allow_hardlinks=allow_hardlinks)
    ctx = ToolContext.create(Settings(workspace=ws, yes=True, sandbox=sandbox), interactive=False)
    return TOOLS.call(name, args, ctx)


def secret(ws: Path) -> str:
    return (ws.parent / "outside" / "secret.txt").read_text(encoding="utf-8")


def test_read_file_refuses_a_hard_link(ws: Path) -> None:
    obs = call(ws, "read_file", path="link.txt")
    assert not obs.ok and "2 hard links" in obs.text and "sandbox.allow_hardlinks" in obs.text
    assert "SECRET" not in obs.text


def test_search_files_skips_a_hard_link_and_says_so(ws: Path) -> None:
    obs = call(ws, "search_files", text="gamma")
    assert obs.ok and "SECRET" not in obs.text
    assert obs.text.splitlines()[0] == "d/f.txt:1: inside gamma"
    assert "skipped 1 file(s) with more than one hard link" in obs.text and "link.txt" in obs.text
    single = call(ws, "search_files", text="gamma", path="link.txt")
    assert not single.ok and "hard links" in single.text and "SECRET" not in single.text


@pytest.mark.parametrize("append", [False, True])
def test_write_file_refuses_a_hard_link(ws: Path, append: bool) -> None:
    obs = call(ws, "write_file", path="link.txt", content="pwned", append=append)
    assert not obs.ok and "hard links" in obs.text
    assert secret(ws) == SECRET  # not truncated either: the check comes before truncation


def test_hard_links_allowed_when_configured(ws: Path) -> None:
    assert call(ws, "read_file", allow_hardlinks=True, path="link.txt").text == SECRET
    assert "SECRET" in call(ws, "search_files", allow_hardlinks=True, text="secret").text


def test_write_file_to_a_fifo_is_refused_without_blocking(ws: Path) -> None:
    os.mkfifo(ws / "pipe")
    before = threading.active_count()
    obs = call(ws, "write_file", path="pipe", content="x")
    assert not obs.ok and obs.error == "exception" and "not a regular file" in obs.text
    assert threading.active_count() == before  # no worker thread left blocked on open()
    read = call(ws, "read_file", path="pipe")
    assert not read.ok and "not a regular file" in read.text
    assert call(ws, "search_files", text="x").text.startswith("no matches")  # FIFO skipped


@pytest.fixture
def swap_after_check(ws: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """After the path check and before the open, replace ws/d by a symlink to ../outside."""
    real_resolve = safe_files.resolve_in_workspace
    swapped: list[str] = []

    def resolve_then_swap(workspace: Path, relpath: str | os.PathLike[str]) -> Path:
        result = real_resolve(workspace, relpath)
        if not swapped:
            (ws / "d").rename(ws / "d.orig")
            (ws / "d").symlink_to(ws.parent / "outside")
            swapped.append(str(relpath))
        return result

    monkeypatch.setattr(safe_files, "resolve_in_workspace", resolve_then_swap)
    yield swapped


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("read_file", {"path": "d/f.txt"}),
        ("write_file", {"path": "d/f.txt", "content": "pwned"}),
        ("write_file", {"path": "d/new.txt", "content": "pwned"}),
        ("list_dir", {"path": "d"}),
        ("search_files", {"text": "gamma", "path": "d"}),
    ],
)
def test_directory_swapped_for_a_symlink_after_the_check(
    ws: Path, swap_after_check: list[str], name: str, args: dict[str, Any]
) -> None:
    obs = call(ws, name, **args)
    assert swap_after_check, "the swap never happened"
    assert not obs.ok and "changed while it was being opened" in obs.text
    assert "SECRET" not in obs.text and "secret.txt" not in obs.text
    outside = ws.parent / "outside"
    assert (outside / "f.txt").read_text(encoding="utf-8") == SECRET
    assert sorted(p.name for p in outside.iterdir()) == ["f.txt", "secret.txt"]


def test_racing_swaps_never_leak_the_outside_file(ws: Path) -> None:
    """A background job flips ws/d between a directory and a symlink out while reads run."""
    stop = threading.Event()

    def flip() -> None:
        link, real, parked = ws / "d", ws / "d.real", ws / "d.parked"
        (ws / "d").rename(real)
        while not stop.is_set():
            real.rename(link)  # d is the real directory
            link.rename(real)
            link.symlink_to(ws.parent / "outside")  # d points out
            link.rename(parked)
            parked.unlink()

    worker = threading.Thread(target=flip, daemon=True)
    worker.start()
    try:
        texts = [call(ws, "read_file", path="d/f.txt").text for _ in range(300)]
    finally:
        stop.set()
        worker.join()
    assert not any("SECRET" in text for text in texts)
    known = ("inside gamma", "changed while it was being opened", "no file", "is outside")
    assert all(any(k in text for k in known) for text in texts), set(texts)
