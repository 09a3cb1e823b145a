"""Where the demonstration library's goal embeddings live: a Chroma collection.

On disk it is `<data dir>/demonstrations/`, one collection per embedder (vectors from
different models don't mix), opened like the memory (agentkit.memory.backend). Rows are
keyed by a content hash of each demonstration, so a process embeds only the ones not
stored yet (a new bundled library, a newly kept run) and deletes the rows no longer in
the library (a demonstration removed or edited). Retrieval is one Chroma query by the
goal's embedding, restricted to this library's rows, with the usable-tools filter in
its `where`: each row carries one boolean per tool it uses.

Without a data directory, or when it cannot be opened (read-only, corrupt), an
in-memory collection stands in: one per library content, so a process embeds a library
once. The folder is only a cache: deleting it resets it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentkit.errors import MemoryStoreError
from agentkit.memory.locking import bump_generation, generation, retry_transient, write_lock

if TYPE_CHECKING:
    from agentkit.policy.aids.demonstrations import Demonstration
    from agentkit.policy.aids.routing import TextEmbedder

__all__ = ["DIR_NAME", "DemoStore", "DemoStoreError", "demo_key", "open_store", "store_dir"]

log = logging.getLogger(__name__)

DIR_NAME = "demonstrations"
_TOOL = "tool:"  # metadata key prefix: `tool:NAME` is True on each row whose demo uses NAME
_PAGE = 1000  # rows per add/delete call, well under Chroma's max batch size

_seen: dict[Path, str] = {}  # per directory: the last writer's token this process applied
_warned: set[Path] = set()  # folders whose fallback this process has warned about
_syncing = threading.Lock()  # threads of one process sync one at a time


class DemoStoreError(MemoryStoreError):
    """The store (Chroma, SQLite, the folder) failed, as opposed to the embedder."""


def demo_key(demo: Demonstration) -> str:
    """The row id: a hash of the whole demonstration, so an edit is a new row."""
    text = json.dumps(demo.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def store_dir(data_home: Path | None) -> Path | None:
    return data_home / DIR_NAME if data_home is not None else None


class _Named:
    """A TextEmbedder as the memory backend's Embedder; its `name` picks the collection."""

    def __init__(self, inner: TextEmbedder) -> None:
        self.inner = inner
        self.name = str(getattr(inner, "name", None) or type(inner).__name__)
        self.path = getattr(inner, "path", None)  # what the collection's config records

    @property
    def dim(self) -> int:
        return len(self.inner.embed(["dim"])[0])

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self.inner.embed(texts)


def _where(excluded: Sequence[str]) -> dict[str, Any] | None:
    # `$ne: True` also matches rows without the key: the demos that don't use the tool.
    terms: list[dict[str, Any]] = [{_TOOL + name: {"$ne": True}} for name in excluded]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else {"$and": terms}


class DemoStore:
    """One collection of demonstration goal embeddings (`directory` None: in memory)."""

    def __init__(
        self, collection: Any, embedder: TextEmbedder, directory: Path | None, client: Any = None
    ) -> None:
        self.collection = collection
        self.embedder = embedder
        self.directory = directory
        self.client = client  # kept to reopen the collection (see _reload_if_stale)
        self.location = str(directory) if directory is not None else "an in-memory collection"

    @contextmanager
    def _failing(self) -> Iterator[None]:
        """Chroma, SQLite and OS errors as DemoStoreError. Never wraps an embed call, so
        an embedder failure stays what it is."""
        from agentkit.memory.backend import guard

        try:
            with guard(self.location):
                yield
        except MemoryStoreError as exc:
            raise DemoStoreError(f"the demonstration store at {self.location} failed") from exc

    def _stored(self) -> set[str]:
        return set(retry_transient(self.collection.get)(include=[])["ids"])

    def sync(self, rows: Mapping[str, Demonstration]) -> int:
        """Make the stored rows exactly `rows`; returns how many goals were embedded."""
        with _syncing:
            with self._failing():
                if self._stored() == rows.keys():
                    return 0
            with ExitStack() as held:
                with self._failing():
                    held.enter_context(write_lock(self.directory))
                    self._reload_if_stale()  # a write on a stale index would lose theirs
                    stored = self._stored()  # again: another process may have just synced
                missing = [key for key in rows if key not in stored]
                stale = sorted(stored - rows.keys())
                vectors = self.embedder.embed([rows[k].goal for k in missing]) if missing else []
                with self._failing():
                    self._write(rows, missing, vectors, stale)
            return len(missing)

    def _write(
        self,
        rows: Mapping[str, Demonstration],
        missing: list[str],
        vectors: list[list[float]],
        stale: list[str],
    ) -> None:
        for s in range(0, len(missing), _PAGE):
            keys = missing[s : s + _PAGE]
            retry_transient(self.collection.upsert)(
                ids=keys,
                embeddings=vectors[s : s + _PAGE],
                documents=[rows[k].goal for k in keys],
                metadatas=[
                    {"kind": "demonstration", **{_TOOL + t: True for t in rows[k].tools}}
                    for k in keys
                ],
            )
        for s in range(0, len(stale), _PAGE):
            retry_transient(self.collection.delete)(ids=stale[s : s + _PAGE])
        if self.directory is not None and (missing or stale):
            _seen[self.directory] = bump_generation(self.directory)
        log.info(
            "demonstrations at %s: %d embedded, %d deleted", self.location, len(missing), len(stale)
        )

    def _catch_up(self) -> None:
        """Before a query: see other processes' writes (a new library, a kept run). A new
        process needs it too: a live writer's vector index is not on disk yet, and a
        query without it fails ("Nothing found on disk"), as the two-process test saw."""
        if self.directory is None or _seen.get(self.directory) == generation(self.directory):
            return
        with write_lock(self.directory):
            self._reload_if_stale()

    def _reload_if_stale(self) -> None:
        """Reopen the collection if another process wrote (call holding the write lock):
        Chroma's per-process index can skip their writes (agentkit.memory.backend.reconnect)."""
        if self.directory is None:
            return
        token = generation(self.directory)
        if _seen.get(self.directory) != token:
            from agentkit.memory.backend import reconnect

            self.client, self.collection = reconnect(
                self.client, self.directory, _Named(self.embedder)
            )
            _seen[self.directory] = token

    def nearest(
        self, vector: Sequence[float], keys: Sequence[str], excluded: Sequence[str], n: int
    ) -> list[tuple[str, float]]:
        """(key, cosine similarity) of the `n` rows among `keys` closest to `vector` that
        use none of the `excluded` tools, the closest first."""
        if n < 1 or not keys:
            return []
        with self._failing():
            self._catch_up()
            found = retry_transient(self.collection.query)(
                query_embeddings=[list(vector)],
                ids=list(keys),
                n_results=n,
                where=_where(excluded),
                include=["distances"],
            )
        distances = found["distances"] or [[]]
        return [(k, 1.0 - float(d)) for k, d in zip(found["ids"][0], distances[0], strict=True)]


def _library_digest(keys: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:16]


def _in_memory(named: _Named, keys: Sequence[str]) -> DemoStore:
    import chromadb

    from agentkit.memory.backend import _settings, collection_name
    from agentkit.memory.chroma_ef import AgentkitEmbeddingFunction

    # In-memory clients of one process share one database: a collection per library
    # content keeps two libraries (a bench's leave-one-out) apart, and a process that
    # builds the same library again finds it embedded.
    name = f"{collection_name(named)}-{_library_digest(keys)}"
    store = DemoStore(None, named.inner, None)
    with store._failing():
        client: Any = chromadb.EphemeralClient(settings=_settings())
        store.collection = client.get_or_create_collection(
            name,
            embedding_function=AgentkitEmbeddingFunction(named),
            configuration={"hnsw": {"space": "cosine"}},
        )
    return store


def open_store(
    directory: Path | None, embedder: TextEmbedder, rows: Mapping[str, Demonstration]
) -> DemoStore:
    """The store under `directory`, synced to `rows`; in memory without a directory or
    when the one on disk fails (logged), so a read-only data directory still works. An
    embedder failure is raised."""
    named = _Named(embedder)
    if directory is not None:
        store = _on_disk(directory, named)
        try:
            if store is not None:
                store.sync(rows)
                return store
        except DemoStoreError as exc:
            _fall_back(directory, exc.__cause__ or exc)
    store = _in_memory(named, list(rows))
    store.sync(rows)
    return store


def _on_disk(directory: Path, named: _Named) -> DemoStore | None:
    from agentkit.memory.backend import connect

    try:
        client, collection = connect(directory, None, named)  # creates the folder; never embeds
    except MemoryStoreError as exc:
        _fall_back(directory, exc)
        return None
    return DemoStore(collection, named.inner, directory, client)


def _fall_back(directory: Path, problem: BaseException) -> None:
    while problem.__cause__ is not None:  # the OS or Chroma error, not the memory's advice
        problem = problem.__cause__
    # Once per process and folder: a batch of runs on a read-only data dir warns once.
    report = log.debug if directory in _warned else log.warning
    _warned.add(directory)
    report(
        "demonstration store %s unavailable (%s); using an in-memory one, embedded again "
        "in each process (fix the folder or delete it to reset it)",
        directory,
        problem,
    )
