"""The chromadb boundary: opening a client and a collection, and translating errors.

chromadb costs about a second to import, so it is imported here, inside functions,
and this module is imported only when a memory is actually opened.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agentkit.errors import AgentkitError, MemoryStoreError
from agentkit.memory.embedders import Embedder
from agentkit.memory.locking import retry_transient, write_lock

__all__ = [
    "chroma_errors",
    "collection_name",
    "connect",
    "guard",
    "reconnect",
    "server_version",
]

_FIX_DIR = "fix its permissions, pass another --memory-dir, or run with --no-memory"
_FIX_CORRUPT = "move it aside (it will be recreated empty), or run with --no-memory"


def collection_name(embedder: Embedder) -> str:
    """One collection per embedder, since vectors from different models don't mix."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", embedder.name)[:60].strip("-._") or "default"
    return f"agentkit-{slug}"


def chroma_errors() -> tuple[type[BaseException], ...]:
    """Exceptions from chromadb, SQLite, the OS and HTTP that mean 'the store failed'."""
    import httpx
    from chromadb.errors import ChromaError

    return (ChromaError, sqlite3.Error, OSError, httpx.HTTPError)


def _open_errors() -> tuple[type[BaseException], ...]:
    # Opening also fails with ValueError/RuntimeError (bad server answers, Rust panics).
    return (*chroma_errors(), ValueError, RuntimeError)


@contextmanager
def guard(location: str) -> Iterator[None]:
    """Turn a store failure into a one-line MemoryStoreError naming the location."""
    try:
        yield
    except AgentkitError:
        raise
    except chroma_errors() as exc:
        raise MemoryStoreError(
            f"memory at {location} failed: {_one_line(exc)}; rerun with --debug, "
            "or run with --no-memory"
        ) from exc


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"


def _settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def _writable(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".agentkit-probe-{os.getpid()}-{threading.get_ident()}"  # one per writer
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise MemoryStoreError(
            f"memory directory {path} is not writable ({exc.strerror}); " + _FIX_DIR
        ) from exc


def _local_client(path: Path) -> Any:
    import chromadb

    try:
        return retry_transient(chromadb.PersistentClient)(path=str(path), settings=_settings())
    except _open_errors() as exc:
        raise MemoryStoreError(
            f"memory directory {path} is corrupt or unreadable ({_one_line(exc)}); " + _FIX_CORRUPT
        ) from exc


def _http_client(url: str) -> Any:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise MemoryStoreError(f"invalid Chroma server URL {url!r}; use http://HOST:PORT")
    import chromadb

    try:
        client = chromadb.HttpClient(
            host=parts.hostname,
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            settings=_settings(),
        )
        client.heartbeat()
    except _open_errors() as exc:
        raise MemoryStoreError(
            f"cannot reach the Chroma server at {url} ({_one_line(exc)}); start it "
            "(chroma run --path DIR), fix chroma_url, or run with --no-memory"
        ) from exc
    return client


def server_version(url: str) -> str:
    """The Chroma server's version, proving it answers; MemoryStoreError if it does not."""
    client = _http_client(url)
    try:
        return str(client.get_version())
    except _open_errors() as exc:
        raise MemoryStoreError(f"the Chroma server at {url} failed ({_one_line(exc)})") from exc


def connect(path: Path | None, url: str | None, embedder: Embedder) -> tuple[Any, Any]:
    """A (client, collection) pair: a server when `url` is given, else a local directory."""
    if path is not None and url is None:
        _writable(path)
    # Creating the database and the collection writes too: two processes opening a new
    # directory at once would both run Chroma's schema migrations.
    with write_lock(None if url else path):
        return _connect(path, url, embedder)


def reconnect(client: Any, path: Path, embedder: Embedder) -> tuple[Any, Any]:
    """A fresh (client, collection) for a local directory; call holding its write lock.

    Each process keeps its own in-memory copy of Chroma's vector index, and when it
    next touches the store it replays the shared log only from the offset that the
    last process to save the index to disk recorded. Writes another process made in
    between are then skipped for good: searches miss them, or fail with "Error finding
    id". A new client loads the saved index and replays the rest of the log, which is
    complete. Chroma shares one index per directory within a process, so this reloads
    only when no other client of this process holds the directory open.
    """
    client.close()
    return _connect(path, None, embedder)


def _connect(path: Path | None, url: str | None, embedder: Embedder) -> tuple[Any, Any]:
    from agentkit.memory.chroma_ef import AgentkitEmbeddingFunction

    client = _http_client(url) if url else _local_client(path or Path())
    where = url or str(path)
    try:
        collection = retry_transient(client.get_or_create_collection)(
            collection_name(embedder),
            embedding_function=AgentkitEmbeddingFunction(embedder),
            configuration={"hnsw": {"space": "cosine"}},
        )
    except _open_errors() as exc:
        fix = _FIX_CORRUPT if url is None else "check the server's logs"
        raise MemoryStoreError(
            f"cannot open the memory collection at {where} ({_one_line(exc)}); {fix}"
        ) from exc
    return client, collection
