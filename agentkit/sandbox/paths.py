"""Workspace confinement of model-supplied paths, by name.

`resolve_in_workspace` is the cheap first check: it turns a path into one that lies
inside the workspace, or refuses it. Opening the file safely (no symlink swapped in
after this check, no hard link to an outside file) is `agentkit.sandbox.files`' job.
"""

from __future__ import annotations

import os
from pathlib import Path

from agentkit.errors import ToolError

__all__ = ["PathEscapeError", "resolve_in_workspace"]


class PathEscapeError(ToolError):
    """A path that would leave the workspace."""


def resolve_in_workspace(workspace: Path, relpath: str | os.PathLike[str]) -> Path:
    """Return the real path of `relpath` inside `workspace`, or raise PathEscapeError.

    `..` is refused outright (even when it would stay inside) so the rule is easy to
    state; absolute paths and symlinks are judged by where they really point.
    """
    text = os.fspath(relpath)
    if "\x00" in text:
        raise PathEscapeError("path contains a NUL byte; use a plain relative path")
    if ".." in Path(text).parts:
        raise PathEscapeError(f"path {text!r} contains '..'; use a path inside the workspace")
    root = workspace.resolve()
    candidate = Path(text) if Path(text).is_absolute() else root / text
    real = candidate.resolve()  # follows symlinks, so a link pointing out is caught below
    if real != root and not real.is_relative_to(root):
        raise PathEscapeError(
            f"path {text!r} is outside the workspace {root}; use a path relative to it"
        )
    return real
