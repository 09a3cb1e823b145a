"""Built-in file tools, confined to the workspace: read_file, write_file, list_dir, search_files.

Every path goes through `resolve_in_workspace`, which refuses `..`, absolute paths
outside the workspace and symlinks that point out of it.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from agentkit.errors import ToolError
from agentkit.sandbox import resolve_in_workspace
from agentkit.tool import ToolContext, tool, verbatim

# A path is copied from the request, preferably a word that looks like one: "summary.txt"
# rather than "file" in "Create a file summary.txt".
PathText = Annotated[
    str, Field(max_length=500, examples=["notes.txt"]), verbatim(like=r"^\S*(\.\w{1,8}|/)\S*$")
]
PAGE_LINES = 200
PAGE_CHARS = 3500  # one page must fit in one observation
MAX_LINE_CHARS = 2000  # longer lines are split, so one giant line cannot exhaust memory
MAX_ENTRIES = 200
MAX_MATCHES = 50
MAX_SEARCH_BYTES = 2_000_000
SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__"}


def _is_binary(path: Path) -> bool:
    with path.open("rb") as f:
        return b"\x00" in f.read(8192)


def _existing_file(ctx: ToolContext, path: str) -> Path:
    target = resolve_in_workspace(ctx.workspace, path)
    if not target.exists():
        raise ToolError(f"no file {path!r} in the workspace; use list_dir to see what exists")
    if not target.is_file():
        raise ToolError(f"{path!r} is not a file")
    if _is_binary(target):
        raise ToolError(f"{path!r} is a binary file; only text files can be read")
    return target


@tool
def read_file(path: PathText, ctx: ToolContext, start_line: Annotated[int, Field(ge=1)] = 1) -> str:
    """Read a text file (.txt, .md, .csv, code) from the workspace, 200 lines at a time.

    Args:
        path: file path relative to the workspace, as named in the question.
        start_line: first line to read (1 = start); use it to get the next page.
    """
    target = _existing_file(ctx, path)
    page: list[str] = []
    size = 0
    number = 0
    more = False
    with target.open(encoding="utf-8", errors="replace") as f:
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
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a" if append else "w", encoding="utf-8") as f:
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
    entries = sorted(target.iterdir(), key=lambda p: p.name)
    for entry in entries[:MAX_ENTRIES]:
        if entry.is_symlink():
            lines.append(f"{entry.name}@")
        elif entry.is_dir():
            lines.append(f"{entry.name}/")
        else:
            lines.append(f"{entry.name} ({entry.stat().st_size} bytes)")
    if len(entries) > MAX_ENTRIES:
        lines.append(f"... and {len(entries) - MAX_ENTRIES} more")
    return "\n".join(lines) or f"{path} is empty"


def _candidates(root: Path, workspace: Path, pattern: str) -> list[Path]:
    if root.is_file():
        return [root]
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            path = Path(folder) / name
            rel = path.relative_to(workspace).as_posix()
            if not (fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(rel, pattern)):
                continue
            if path.is_symlink() or not path.is_file():
                continue  # links could point out of the workspace; skip rather than follow
            if path.stat().st_size <= MAX_SEARCH_BYTES and not _is_binary(path):
                found.append(path)
    return found


@tool
def search_files(
    text: Annotated[str, Field(min_length=1, max_length=200, examples=["TODO"]), verbatim()],
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
    root = resolve_in_workspace(ctx.workspace, path)
    needle = text.lower()
    hits: list[str] = []
    for file in _candidates(root, ctx.workspace, pattern):
        rel = file.relative_to(ctx.workspace).as_posix()
        with file.open(encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if needle in line.lower():
                    hits.append(f"{rel}:{number}: {line.strip()[:200]}")
                    if len(hits) >= MAX_MATCHES:
                        return "\n".join([*hits, "... more matches; narrow the search"])
    return "\n".join(hits) or f"no matches for {text!r} in {path}"
