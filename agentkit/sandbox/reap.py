"""Killing everything a command started, found through /proc (Linux; stdlib only).

A process can leave its parent's process group (`setpgid`, `setsid`, coreutils
`timeout`) and its parent's tree (a double fork reparents it to init), so one
`killpg` is not enough. Each call's processes carry a marker environment variable
(`MARKER_VAR`); `sweep` kills, round after round until none is left:

- members of the command's process group,
- descendants of the command's process (by parent pid),
- every process whose environment holds the marker.

A process that both leaves the tree and execs with a scrubbed environment
(`env -i`) is not found; the bubblewrap mode has no such gap, since its PID
namespace dies as a whole.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

__all__ = ["MARKER_VAR", "sweep"]

MARKER_VAR = "AGENTKIT_CALL_ID"
_ROUNDS = 50  # a fork loop is outpaced long before this; each round kills all it sees


def _stat(pid_dir: Path) -> tuple[int, int, str] | None:
    """(ppid, pgid, state) of one /proc entry, or None when it vanished or is unreadable."""
    try:
        text = (pid_dir / "stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the command name may hold spaces or ')'
    return int(fields[1]), int(fields[2]), fields[0]


def _has_marker(pid_dir: Path, marker: bytes) -> bool:
    try:
        return marker in (pid_dir / "environ").read_bytes().split(b"\0")
    except OSError:  # gone, or another user's process
        return False


def _targets(root_pid: int, marker: bytes, with_root: bool) -> set[int]:
    me = os.getpid()
    table: dict[int, tuple[int, int]] = {}
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        stat = _stat(entry)
        if stat is None or stat[2] in {"Z", "X"}:  # zombies are already dead
            continue
        pid = int(entry.name)
        table[pid] = (stat[0], stat[1])
        if stat[1] == root_pid or _has_marker(entry, marker):
            found.add(pid)
    # Descendants by parent pid, from the root and from everything found so far.
    frontier = {root_pid, *found} if with_root else set(found)
    while frontier:
        children = {pid for pid, (ppid, _) in table.items() if ppid in frontier} - found
        found |= children
        frontier = children
    if with_root and root_pid in table:
        found.add(root_pid)
    return found


def sweep(root_pid: int, marker_value: str, *, root_reaped: bool) -> int:
    """SIGKILL the command `root_pid` and all it started; return how many were killed.

    Once `root_pid` has been reaped its number may be reused, so then only its process
    group (whose id cannot be reused while a member lives) and the marker are trusted.
    """
    marker = f"{MARKER_VAR}={marker_value}".encode()
    killed: set[int] = set()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(root_pid, signal.SIGKILL)
    for _ in range(_ROUNDS):
        targets = _targets(root_pid, marker, with_root=not root_reaped)
        if not targets:
            break
        for pid in targets:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        killed |= targets
    return len(killed)
