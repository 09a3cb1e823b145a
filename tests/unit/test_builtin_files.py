"""File tools stay inside the workspace, whatever path the model makes up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentkit.config import Settings
from agentkit.plugins import load_file, tools_in
from agentkit.registry import Toolset
from agentkit.resources import tools_dir
from agentkit.sandbox import PathEscapeError, resolve_in_workspace
from agentkit.tool import Observation, ToolContext

TOOLS = Toolset(tools_in(load_file(tools_dir() / "files.py")))


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.txt").write_text("alpha\nBeta gamma\n", encoding="utf-8")
    (root / "b.md").write_text("nothing here\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("TOP SECRET gamma\n", encoding="utf-8")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "s.txt").write_text("gamma outside\n", encoding="utf-8")
    (root / "link_out.txt").symlink_to(tmp_path / "secret.txt")
    (root / "dir_out").symlink_to(tmp_path / "outside")
    (root / "link_in.txt").symlink_to(root / "b.md")
    return root


def call(ws: Path, name: str, **args: Any) -> Observation:
    ctx = ToolContext.create(Settings(workspace=ws, yes=True), interactive=False)
    return TOOLS.call(name, args, ctx)


ESCAPES = ["../secret.txt", "docs/../../secret.txt", "..", "link_out.txt", "dir_out/s.txt",
           "dir_out", "/etc/passwd", "/", "docs/\x00x"]  # fmt: skip


@pytest.mark.parametrize("path", ESCAPES)
@pytest.mark.parametrize("name", ["read_file", "list_dir", "search_files"])
def test_reading_tools_refuse_escapes(ws: Path, name: str, path: str) -> None:
    args = {"path": path, "text": "gamma"} if name == "search_files" else {"path": path}
    obs = call(ws, name, **args)
    assert not obs.ok and obs.error == "exception"
    assert "SECRET" not in obs.text and "gamma outside" not in obs.text


@pytest.mark.parametrize("path", ESCAPES)
def test_write_file_refuses_escapes(ws: Path, path: str) -> None:
    before = (ws.parent / "secret.txt").read_text()
    obs = call(ws, "write_file", path=path, content="pwned")
    assert not obs.ok
    assert (ws.parent / "secret.txt").read_text() == before
    assert not (ws.parent / "outside" / "pwned").exists()


def test_absolute_path_inside_and_symlink_inside_are_fine(ws: Path) -> None:
    assert call(ws, "read_file", path=str(ws / "docs" / "a.txt")).text.startswith("alpha")
    assert call(ws, "read_file", path="link_in.txt").text == "nothing here\n"


def test_read_write_roundtrip_and_append(ws: Path) -> None:
    assert call(ws, "write_file", path="new/dir/n.txt", content="one\n").text == (
        "wrote 4 characters to new/dir/n.txt"
    )
    call(ws, "write_file", path="new/dir/n.txt", content="two\n", append=True)
    assert call(ws, "read_file", path="new/dir/n.txt").text == "one\ntwo\n"


def test_write_file_needs_approval(ws: Path) -> None:
    ctx = ToolContext.create(Settings(workspace=ws), interactive=False)
    obs = TOOLS.call("write_file", {"path": "x.txt", "content": "x"}, ctx)
    assert obs.error == "refused" and not (ws / "x.txt").exists()


def test_large_files_are_read_in_pages(ws: Path) -> None:
    (ws / "big.txt").write_text("".join(f"line {i}\n" for i in range(1, 1001)), encoding="utf-8")
    first = call(ws, "read_file", path="big.txt")
    assert first.text.startswith("line 1\n") and "start_line=201" in first.text
    second = call(ws, "read_file", path="big.txt", start_line=201)
    assert second.text.startswith("line 201\n")
    last = call(ws, "read_file", path="big.txt", start_line=1000)
    assert last.text == "line 1000\n"
    past = call(ws, "read_file", path="big.txt", start_line=5000)
    assert "past the end" in past.text


def test_one_huge_line_is_split_not_loaded(ws: Path) -> None:
    (ws / "wide.txt").write_text("x" * 5_000_000, encoding="utf-8")
    obs = call(ws, "read_file", path="wide.txt")
    assert obs.ok and len(obs.text) < 4000 and "start_line=2" in obs.text


def test_binary_missing_and_directory_are_clear_errors(ws: Path) -> None:
    (ws / "bin.dat").write_bytes(b"\x00\x01\x02")
    assert "binary" in call(ws, "read_file", path="bin.dat").text
    assert "no file" in call(ws, "read_file", path="nope.txt").text
    assert "not a file" in call(ws, "read_file", path="docs").text
    assert "directory" in call(ws, "write_file", path="docs", content="x").text


def test_list_dir(ws: Path) -> None:
    text = call(ws, "list_dir").text.splitlines()
    assert text == ["b.md (13 bytes)", "dir_out@", "docs/", "link_in.txt@", "link_out.txt@"]
    assert call(ws, "list_dir", path="docs").text == "a.txt (17 bytes)"


def test_search_files_skips_links_out(ws: Path) -> None:
    obs = call(ws, "search_files", text="GAMMA")
    assert obs.text == "docs/a.txt:2: Beta gamma"
    assert call(ws, "search_files", text="alpha", pattern="*.md").text.startswith("no matches")
    assert call(ws, "search_files", text="alpha", path="docs/a.txt").text == "docs/a.txt:1: alpha"


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.sampled_from(["..", ".", "docs", "dir_out", "link_out.txt", "/", "a", "~"]), max_size=5
    )
)
def test_resolved_paths_never_leave_the_workspace(parts: list[str]) -> None:
    try:
        real = resolve_in_workspace(WS, "/".join(parts))
    except PathEscapeError:
        return
    assert real == WS.resolve() or real.is_relative_to(WS.resolve())


@pytest.fixture(scope="module", autouse=True)
def _static_ws(tmp_path_factory: pytest.TempPathFactory) -> None:
    global WS
    root = tmp_path_factory.mktemp("static")
    WS = root / "ws"
    (WS / "docs").mkdir(parents=True)
    (root / "out").mkdir()
    (WS / "dir_out").symlink_to(root / "out")
    (WS / "link_out.txt").symlink_to(root / "secret")


WS: Path
