"""Opening workspace files so that what was checked is what gets opened.

`resolve_in_workspace` checks a path by name; between that check and an `open` by
name, a directory on the way could be swapped for a symlink to somewhere else. So
files are opened by walking from a descriptor of the workspace root, one component
at a time, each with `O_NOFOLLOW` relative to its parent's descriptor (`openat`
style): a symlink that appears after the check makes the open fail instead of
following it.

After opening, the file itself is checked through its descriptor (`fstat`):

- only regular files are accepted (a FIFO, device or socket could block a worker
  thread forever or read from hardware). Opens use `O_NONBLOCK`, so even a FIFO
  swapped in at the last moment cannot block;
- a regular file with more than one hard link is refused unless
  `sandbox.allow_hardlinks`: the other name may lie outside the workspace, and no
  name check can tell. Writes are truncated only after this check.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
from pathlib import Path

from agentkit.errors import ToolError
from agentkit.sandbox.paths import PathEscapeError, resolve_in_workspace

__all__ = [
    "HardLinkError",
    "NotRegularError",
    "check_regular",
    "open_dir",
    "open_file",
    "open_file_at",
]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class HardLinkError(ToolError):
    """A file with more than one hard link: its other names may be outside."""


class NotRegularError(ToolError):
    """A FIFO, device, socket or directory where a regular file was expected."""


def _swapped(shown: str) -> PathEscapeError:
    return PathEscapeError(
        f"path {shown!r} changed while it was being opened (a symlink appeared on the way); "
        "check the workspace and call again"
    )


def _parts(workspace: Path, relpath: str) -> tuple[Path, list[str]]:
    root = workspace.resolve()
    real = resolve_in_workspace(root, relpath)
    return root, list(real.relative_to(root).parts)


def _walk(root: Path, parts: list[str], shown: str, create: bool = False) -> int:
    """A descriptor of the directory `root/parts...`, never following a symlink."""
    fd = os.open(root, _DIR_FLAGS)
    try:
        for part in parts:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, dir_fd=fd)
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _swapped(shown) from None
                raise
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_dir(workspace: Path, relpath: str) -> int:
    """A descriptor of a workspace directory, reached without following symlinks."""
    root, parts = _parts(workspace, relpath)
    try:
        return _walk(root, parts, relpath)
    except FileNotFoundError:
        raise ToolError(f"no directory {relpath!r} in the workspace") from None


def _not_regular(mode: int, shown: str) -> NotRegularError | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return NotRegularError(f"{shown!r} is a directory, not a file")
    return NotRegularError(f"{shown!r} is not a regular file (a FIFO, device or socket); refused")


def check_regular(fd: int, shown: str, allow_hardlinks: bool) -> os.stat_result:
    """fstat `fd` and refuse what is not a plain file with one name."""
    info = os.fstat(fd)
    problem = _not_regular(info.st_mode, shown)
    if problem is not None:
        raise problem
    if info.st_nlink > 1 and not allow_hardlinks:
        raise HardLinkError(
            f"refused: {shown!r} has {info.st_nlink} hard links, so it may be a file outside "
            "the workspace; copy it instead of linking, or set sandbox.allow_hardlinks = true"
        )
    return info


def open_file_at(
    dir_fd: int, name: str, shown: str, *, flags: int = os.O_RDONLY, allow_hardlinks: bool
) -> int:
    """Open `name` in `dir_fd` (no symlink, no block, checked); a blocking descriptor."""
    try:
        before = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        if not flags & os.O_CREAT:
            raise
    else:  # refuse a FIFO before opening it: opening one for writing could block
        if stat.S_ISLNK(before.st_mode):
            raise _swapped(shown)
        problem = _not_regular(before.st_mode, shown)
        if problem is not None:
            raise problem
    try:
        fd = os.open(
            name, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o666, dir_fd=dir_fd
        )
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _swapped(shown) from None
        if exc.errno == errno.ENXIO:  # a FIFO with no reader, swapped in after the stat
            raise NotRegularError(f"{shown!r} is not a regular file; refused") from None
        raise
    try:
        check_regular(fd, shown, allow_hardlinks)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_file(
    workspace: Path,
    relpath: str,
    *,
    write: bool = False,
    append: bool = False,
    allow_hardlinks: bool = False,
) -> int:
    """A descriptor of a regular workspace file, opened safely (see the module notes).

    With `write`, missing parent directories and the file are created, and the file is
    truncated unless `append`, only after the checks passed.
    """
    root, parts = _parts(workspace, relpath)
    if not parts:
        raise NotRegularError(f"{relpath!r} is the workspace directory, not a file")
    flags = (os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else 0)) if write else os.O_RDONLY
    dir_fd = _walk(root, parts[:-1], relpath, create=write)
    try:
        fd = open_file_at(dir_fd, parts[-1], relpath, flags=flags, allow_hardlinks=allow_hardlinks)
    finally:
        os.close(dir_fd)
    if write and not append:
        os.ftruncate(fd, 0)
    return fd
