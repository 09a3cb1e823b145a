"""Built-in file tools, confined to the workspace: read_file, write_file, list_dir, search_files.

Every path goes through `resolve_in_workspace`, which refuses `..`, absolute paths
outside the workspace and symlinks that point out of it. Files and directories are then
opened through `agentkit.sandbox.files`: component by component from a descriptor of
the workspace, never following a symlink that appeared after the check, and refusing
non-regular files and files with more than one hard link (`sandbox.allow_hardlinks`).
"""

from __future__ import annotations

import fnmatch
import io
import os
import stat
from collections.abc import Mapping
from typing import IO, Annotated, Any

from pydantic import Field

from agentkit.errors import ToolError
from agentkit.sandbox import resolve_in_workspace
from agentkit.sandbox.files import HardLinkError, open_dir, open_file, open_file_at
from agentkit.tool import ToolContext, tool

PathText = Annotated[str, Field(max_length=500, examples=["notes.txt"])]
PAGE_LINES = 200
PAGE_CHARS = 3500  # one page must fit in one observation
MAX_LINE_CHARS = 2000  # longer lines are split, so one giant line cannot exhaust memory
MAX_ENTRIES = 200
MAX_MATCHES = 50
MAX_SEARCH_BYTES = 2_000_000
SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__"}


def _is_binary(handle: IO[bytes]) -> bool:
    head = handle.read(8192)
    handle.seek(0)
    return b"\x00" in head


def _open_text(ctx: ToolContext, path: str) -> IO[str]:
    """The text file `path`, opened safely; clear errors for what cannot be read."""
    try:
        fd = open_file(ctx.workspace, path, allow_hardlinks=ctx.settings.sandbox.allow_hardlinks)
    except FileNotFoundError:
        raise ToolError(
            f"no file {path!r} in the workspace; use list_dir to see what exists"
        ) from None
    except IsADirectoryError:
        raise ToolError(f"{path!r} is not a file") from None
    raw = os.fdopen(fd, "rb")
    if _is_binary(raw):
        raw.close()
        raise ToolError(f"{path!r} is a binary file; only text files can be read")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace")


@tool
def read_file(path: PathText, ctx: ToolContext, start_line: Annotated[int, Field(ge=1)] = 1) -> str:
    """Read a text file (.txt, .md, .csv, code) from the workspace, 200 lines at a time.

    Args:
        path: file path relative to the workspace, as named in the question.
        start_line: first line to read (1 = start); use it to get the next page.
    """
    page: list[str] = []
    size = 0
    number = 0
    more = False
    with _open_text(ctx, path) as f:
        while line := f.readline(MAX_LINE_CHARS):
            number += 1
            if number < start_line:
                continue
            if len(page) >= PAGE_LINES or (page and size + len(line) > PAGE_CHARS):
                more = True
                break
            page.append(line)
            size += len(line)
    if not page:
        return f"{path} has {number} lines; start_line {start_line} is past the end"
    text = "".join(page)
    last = start_line + len(page) - 1
    if more:
        text += f"\n[lines {start_line}-{last}; call read_file with start_line={last + 1} for more]"
    return text


def _written(arguments: Mapping[str, Any], current: bytes | None) -> bytes:
    """What write_file leaves at its path (for the approval diff and resume checks)."""
    new = str(arguments["content"]).encode("utf-8")
    return (current or b"") + new if arguments.get("append") else new


@tool(permission="write", paths=("path",), writes=_written)
def write_file(
    path: PathText,
    content: Annotated[str, Field(max_length=100_000, examples=["hello"])],
    ctx: ToolContext,
    append: bool = False,
) -> str:
    """Write text to a file in the workspace, creating folders as needed.

    Args:
        path: file path relative to the workspace, as named in the question.
        content: the text to write.
        append: true adds to the end of the file instead of replacing it.
    """
    target = resolve_in_workspace(ctx.workspace, path)
    if target.is_dir():
        raise ToolError(f"{path!r} is a directory; give a file name")
    fd = open_file(
        ctx.workspace,
        path,
        write=True,
        append=append,
        allow_hardlinks=ctx.settings.sandbox.allow_hardlinks,
    )
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(content)
    verb = "appended" if append else "wrote"
    return f"{verb} {len(content)} characters to {target.relative_to(ctx.workspace)}"


@tool
def list_dir(ctx: ToolContext, path: PathText = ".") -> str:
    """List the files and folders in a workspace directory (folders end with /).

    Args:
        path: directory relative to the workspace; . is the workspace itself.
    """
    target = resolve_in_workspace(ctx.workspace, path)
    if not target.is_dir():
        raise ToolError(f"{path!r} is not a directory")
    lines = []
    fd = open_dir(ctx.workspace, path)
    try:
        with os.scandir(fd) as scan:
            entries = sorted(scan, key=lambda e: e.name)
        for entry in entries[:MAX_ENTRIES]:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                lines.append(f"{entry.name}@")
            elif stat.S_ISDIR(info.st_mode):
                lines.append(f"{entry.name}/")
            else:
                lines.append(f"{entry.name} ({info.st_size} bytes)")
    finally:
        os.close(fd)
    if len(entries) > MAX_ENTRIES:
        lines.append(f"... and {len(entries) - MAX_ENTRIES} more")
    return "\n".join(lines) or f"{path} is empty"


def _search_file(handle: IO[str], rel: str, needle: str, hits: list[str]) -> None:
    for number, line in enumerate(handle, 1):
        if needle in line.lower():
            hits.append(f"{rel}:{number}: {line.strip()[:200]}")
            if len(hits) >= MAX_MATCHES:
                return


def _search_tree(
    ctx: ToolContext, path: str, pattern: str, needle: str
) -> tuple[list[str], list[str]]:
    """Matching lines and the files skipped for hard links, walking by descriptor
    (`os.fwalk`), so a directory swapped for a symlink mid-walk is never followed."""
    hits: list[str] = []
    linked: list[str] = []
    allow = ctx.settings.sandbox.allow_hardlinks
    base = resolve_in_workspace(ctx.workspace, path).relative_to(ctx.workspace.resolve())
    top = open_dir(ctx.workspace, path)
    try:
        for folder, dirs, files, dir_fd in os.fwalk(".", dir_fd=top, follow_symlinks=False):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            for name in sorted(files):
                rel = (base / folder / name).as_posix().removeprefix("./")
                if not (fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(rel, pattern)):
                    continue
                info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SEARCH_BYTES:
                    continue  # links could point out of the workspace; skip rather than follow
                try:
                    fd = open_file_at(dir_fd, name, rel, allow_hardlinks=allow)
                except HardLinkError:
                    linked.append(rel)
                    continue
                except (ToolError, OSError):
                    continue  # vanished or swapped while walking: not searched
                with os.fdopen(fd, "rb") as raw:
                    if _is_binary(raw):
                        continue
                    text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace")
                    _search_file(text, rel, needle, hits)
                if len(hits) >= MAX_MATCHES:
                    return hits, linked
    finally:
        os.close(top)
    return hits, linked


@tool
def search_files(
    text: Annotated[str, Field(min_length=1, max_length=200, examples=["TODO"])],
    ctx: ToolContext,
    path: PathText = ".",
    pattern: Annotated[str, Field(max_length=100)] = "*",
) -> str:
    """Search the files for a word or text and show the matching lines (case-insensitive).

    Args:
        text: the text to look for.
        path: directory to search, relative to the workspace.
        pattern: file name pattern, e.g. *.py or *.md.
    """
    needle = text.lower()
    if resolve_in_workspace(ctx.workspace, path).is_file():  # one file: its errors are errors
        rel = resolve_in_workspace(ctx.workspace, path).relative_to(ctx.workspace.resolve())
        hits: list[str] = []
        with _open_text(ctx, path) as handle:
            _search_file(handle, rel.as_posix(), needle, hits)
        linked: list[str] = []
    else:
        hits, linked = _search_tree(ctx, path, pattern, needle)
    if len(hits) >= MAX_MATCHES:
        hits = [*hits[:MAX_MATCHES], "... more matches; narrow the search"]
    if not hits:
        hits = [f"no matches for {text!r} in {path}"]
    if linked:
        hits.append(
            f"skipped {len(linked)} file(s) with more than one hard link (they may be files "
            f"outside the workspace): {', '.join(linked[:5])}; set sandbox.allow_hardlinks = "
            "true to search them"
        )
    return "\n".join(hits)
