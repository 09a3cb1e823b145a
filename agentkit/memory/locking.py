"""Keeping concurrent writers of one memory directory from losing or corrupting data.

Chroma's embedded mode is not safe for several processes writing at once, so every
write takes an exclusive `flock` on a lock file in the memory directory. SQLite can
still report "database is locked" briefly (a reader holding it, WAL checkpoints);
those transient errors are retried with backoff.

A second hazard is a stale index: each process keeps its own in-memory copy of the
vector index, which can skip other processes' writes for good (see
`backend.reconnect`). Writers therefore bump a generation token; a process that sees
a token it did not write reopens the collection before it reads or writes.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar

from tenacity import retry, retry_if_exception, stop_after_delay, wait_random_exponential

__all__ = [
    "LOCK_NAME",
    "bump_generation",
    "generation",
    "is_transient",
    "retry_transient",
    "write_lock",
]

LOCK_NAME = ".agentkit-write.lock"
GENERATION_NAME = ".agentkit-generation"
P = ParamSpec("P")
T = TypeVar("T")


@contextmanager
def write_lock(directory: Path | None) -> Iterator[None]:
    """Hold the directory's write lock (blocking); a no-op for a Chroma server (None)."""
    if directory is None:
        yield
        return
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def is_transient(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text or "sqlite_busy" in text


def retry_transient(fn: Callable[P, T]) -> Callable[P, T]:
    """Retry `fn` for up to 30 s while SQLite says it is locked or busy."""
    return retry(
        retry=retry_if_exception(is_transient),
        wait=wait_random_exponential(multiplier=0.05, max=2.0),
        stop=stop_after_delay(30),
        reraise=True,
    )(fn)


def generation(directory: Path) -> str:
    """The token the last writer left in `directory` ('' before any write)."""
    try:
        return (directory / GENERATION_NAME).read_text(encoding="ascii")
    except (FileNotFoundError, UnicodeDecodeError):
        return ""


def bump_generation(directory: Path) -> str:
    """Record a new write (call while holding the write lock); returns the new token."""
    token = os.urandom(8).hex()
    tmp = directory / f"{GENERATION_NAME}.{os.getpid()}"
    tmp.write_text(token, encoding="ascii")
    tmp.replace(directory / GENERATION_NAME)
    return token
