"""What a workspace (or some of its files) looks like at one moment: a manifest of entries.

An `Entry` is a regular file (by content hash), a symlink (by target) or a directory.
A `Snapshot` is a manifest plus its scope: `files` covers only the paths it lists (a
path listed as None was absent), `tree` covers the whole workspace (a path it does not
list was absent), unless it was `truncated` at the file-count cap.

Scanning hands every file's bytes to a `sink` (the blob store) once, while hashing, so
the content saved is the content hashed. Files over the size cap are hashed only:
`stored=False`, and they cannot be restored.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

__all__ = ["Entry", "Scope", "Sink", "Snapshot", "entry_for", "scan_files", "scan_tree"]

Scope = Literal["files", "tree"]
# Saves one blob: (hash, bytes) -> whether it was saved (False: over a budget, so the
# entry is recorded by hash only). `known` says whether a hash is already saved.
Sink = Callable[[str, bytes], bool]
_CHUNK = 1 << 20


class Entry(BaseModel):
    kind: Literal["file", "link", "dir"]
    hash: str | None = None  # sha256 of a file's bytes
    size: int = 0
    mode: int = 0o644  # permission bits
    target: str | None = None  # where a symlink points
    stored: bool = True  # False: over the size cap, recorded by hash only

    def same(self, other: Entry | None) -> bool:
        """Same content (permission bits aside, which editors and umasks change)."""
        if other is None:
            return False
        return (self.kind, self.hash, self.target) == (other.kind, other.hash, other.target)


@dataclass
class Snapshot:
    scope: Scope
    entries: dict[str, Entry | None] = field(default_factory=dict)
    truncated: bool = False  # a tree scan stopped at the file-count cap

    def covers(self, path: str) -> bool:
        if self.scope == "files" or self.truncated:
            return path in self.entries
        return True

    def state(self, path: str) -> Entry | None:
        return self.entries.get(path)

    def unrestorable(self) -> list[str]:
        return sorted(p for p, e in self.entries.items() if e is not None and not e.stored)

    def to_json(self) -> dict[str, object]:
        return {
            p: (e.model_dump(exclude_defaults=True) if e else None) for p, e in self.entries.items()
        }

    @classmethod
    def from_json(cls, scope: Scope, data: dict[str, object], truncated: bool) -> Snapshot:
        entries = {p: (Entry.model_validate(e) if e else None) for p, e in data.items()}
        return cls(scope, entries, truncated)


# (path, dev, inode, size, mtime_ns, ctime_ns) -> hash: an unchanged file is not re-read
# on every snapshot of a run. ctime changes on every write, so a stale hit needs a
# deliberate clock change.
_hash_cache: dict[tuple[str, int, int, int, int, int], str] = {}


def _file_entry(
    path: Path, info: os.stat_result, max_bytes: int, sink: Sink, known: Callable[[str], bool]
) -> Entry:
    mode = stat.S_IMODE(info.st_mode)
    key = (str(path), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    cached = _hash_cache.get(key)
    stored = info.st_size <= max_bytes
    if cached is not None and (not stored or known(cached)):
        return Entry(kind="file", hash=cached, size=info.st_size, mode=mode, stored=stored)
    digest = hashlib.sha256()
    data = bytearray()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            if stored:
                data += chunk
    hexdigest = digest.hexdigest()
    size = len(data) if stored else info.st_size
    stored = stored and size <= max_bytes  # it may have grown while being read
    if stored and not known(hexdigest):
        stored = sink(hexdigest, bytes(data))
    if len(_hash_cache) > 100_000:
        _hash_cache.clear()
    _hash_cache[key] = hexdigest
    return Entry(kind="file", hash=hexdigest, size=size, mode=mode, stored=stored)


def entry_for(path: Path, max_bytes: int, sink: Sink, known: Callable[[str], bool]) -> Entry | None:
    """The entry for one path (not following a final symlink), or None when absent."""
    try:
        info = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISLNK(info.st_mode):
        return Entry(kind="link", target=str(path.readlink()))
    if stat.S_ISDIR(info.st_mode):
        return Entry(kind="dir", mode=stat.S_IMODE(info.st_mode))
    if stat.S_ISREG(info.st_mode):
        try:
            return _file_entry(path, info, max_bytes, sink, known)
        except OSError:
            return None  # vanished or unreadable: nothing that can be saved
    return None  # sockets, FIFOs, devices: not content


def scan_files(
    workspace: Path,
    paths: Iterable[str],
    *,
    max_bytes: int,
    sink: Sink,
    known: Callable[[str], bool],
) -> Snapshot:
    """A `files` snapshot of `paths` (relative to the workspace)."""
    return Snapshot(
        "files", {p: entry_for(workspace / p, max_bytes, sink, known) for p in dict.fromkeys(paths)}
    )


def scan_tree(
    workspace: Path,
    *,
    max_bytes: int,
    max_files: int,
    sink: Sink,
    known: Callable[[str], bool],
    exclude: Iterable[Path] = (),
) -> Snapshot:
    """A `tree` snapshot of everything under `workspace` (symlinks are not followed)."""
    skip = {p.resolve() for p in exclude}
    snap = Snapshot("tree")
    for folder, dirs, files in os.walk(workspace, followlinks=False):
        base = Path(folder)
        dirs[:] = sorted(d for d in dirs if (base / d).resolve() not in skip)
        for name in [*dirs, *sorted(files)]:
            path = base / name
            if path in skip or path.resolve() in skip:
                continue
            if len(snap.entries) >= max_files:
                snap.truncated = True
                return snap
            entry = entry_for(path, max_bytes, sink, known)
            if entry is not None:
                snap.entries[path.relative_to(workspace).as_posix()] = entry
    return snap
