"""`Memory`: notes, documents, run episodes and tool observations in one Chroma collection.

Every item carries metadata `kind`, `source`, `run_id` (when it came from a run),
`created_at` and `content_hash`. Ids are derived from content, so writing the same
thing twice is an upsert, never a duplicate. Embeddings are computed here, outside the
write lock, then written under it (see locking.py).
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from agentkit.errors import ConfigError, MemoryStoreError
from agentkit.memory.embedders import Embedder, MiniLMEmbedder, make_embedder
from agentkit.memory.locking import bump_generation, generation, retry_transient, write_lock
from agentkit.memory.models import KINDS, IngestReport, MemoryItem

if TYPE_CHECKING:
    from agentkit.config import Settings

__all__ = ["DEFAULT_MIN_SCORE", "OBSERVATION_CHARS", "Memory", "content_hash"]

DEFAULT_MIN_SCORE = 0.25  # below this MiniLM cosine similarity, results are mostly noise
OBSERVATION_CHARS = 2000
_PAGE = 1000  # rows per get/add/delete call, well under Chroma's max batch size
T = TypeVar("T")
Metadata = dict[str, str | int | float]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _key(*parts: str) -> str:
    return content_hash("\x1f".join(parts))[:20]


class Memory:
    """A vector memory in a local directory (`path`) or on a Chroma server (`url`)."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        url: str | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        from agentkit.memory import backend

        if (path is None) == (url is None):
            raise ValueError("give exactly one of path and url")
        self.embedder = embedder or MiniLMEmbedder()
        self.directory = Path(path).expanduser() if path is not None else None
        self.location = url or str(self.directory)
        self._url = url
        self._backend = backend
        # The last writer's token this process's index reflects; read before opening,
        # so a write that lands while we open makes the index count as stale.
        self._generation = generation(self.directory) if self.directory is not None else ""
        self._client, self._col = backend.connect(self.directory, url, self.embedder)
        self._index_checked = False  # the vector index is probed once, before a first search

    @classmethod
    def open(cls, settings: Settings) -> Memory:
        """The memory `settings` describe: a Chroma server if `chroma_url`, else `memory_path`."""
        embedder = make_embedder(settings.embedder, threads=settings.threads)
        if settings.chroma_url:
            return cls(url=settings.chroma_url, embedder=embedder)
        return cls(settings.memory_path, embedder=embedder)

    # -- writing -------------------------------------------------------------------------

    def add(
        self, text: str, *, kind: str = "note", source: str = "user", run_id: str | None = None
    ) -> str:
        """Store `text` and return its id (the same text from the same source: same id)."""
        return self.add_many([text], kind=kind, source=source, run_id=run_id)[0]

    def add_many(
        self,
        texts: Sequence[str],
        *,
        kind: str = "note",
        source: str = "user",
        run_id: str | None = None,
    ) -> list[str]:
        """Store many texts in one embedding batch and one write; their ids, in order."""
        if kind not in KINDS:
            raise ConfigError(f"unknown memory kind {kind!r}; use one of {', '.join(KINDS)}")
        if not all(text.strip() for text in texts):
            raise ConfigError("nothing to remember: the text is empty")
        if not texts:
            return []
        ids = [f"{kind[0]}-{_key(kind, source, run_id or '', text)}" for text in texts]
        unique = dict(zip(ids, texts, strict=True))  # the same text twice is one item
        metas = [self._meta(kind, source, run_id, text) for text in unique.values()]
        self._upsert(list(unique), list(unique.values()), metas)
        return ids

    def add_episode(
        self, *, run_id: str, goal: str, plan: list[str], status: str, answer: str
    ) -> str:
        """One record per finished run; recording a run again replaces its episode."""
        steps = "\n".join(f"{i}. {step}" for i, step in enumerate(plan, 1)) or "(no plan)"
        text = f"Goal: {goal}\nPlan:\n{steps}\nStatus: {status}\nAnswer: {answer}"
        item_id = f"e-{_key('episode', run_id)}"
        meta = self._meta("episode", f"run:{run_id}", run_id, text) | {"status": status}
        self._upsert([item_id], [text], [meta])
        return item_id

    def add_observation(self, *, run_id: str, tool: str, text: str) -> str:
        """A tool result from a run, truncated to OBSERVATION_CHARS characters."""
        if len(text) > OBSERVATION_CHARS:
            cut = len(text) - OBSERVATION_CHARS
            text = f"{text[:OBSERVATION_CHARS]} … [truncated {cut} characters]"
        return self.add(
            text or "(empty result)", kind="observation", source=f"tool:{tool}", run_id=run_id
        )

    def ingest(
        self, paths: Sequence[Path], *, progress: Callable[[int, int, str], None] | None = None
    ) -> IngestReport:
        """Add files and directories as chunked documents (see ingest.py)."""
        from agentkit.memory.ingest import ingest_files

        return ingest_files(self, paths, progress)

    def forget(
        self, *, source: str | None = None, run_id: str | None = None, everything: bool = False
    ) -> int:
        """Delete everything from `source`, or from run `run_id`, or all; return how many."""
        if sum((source is not None, run_id is not None, everything)) != 1:
            raise ConfigError("forget needs exactly one of: a source, a run id, or everything")
        where = None if everything else _where(source=source, run_id=run_id)
        with self._backend.guard(self.location), write_lock(self.directory):
            self._reload_if_stale()
            ids = list(self._ids(where))
            for start in range(0, len(ids), _PAGE):
                retry_transient(self._col.delete)(ids=ids[start : start + _PAGE])
            self._wrote()
        return len(ids)

    # -- reading -------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        kind: str | None = None,
        source: str | None = None,
        run_id: str | None = None,
        min_score: float | None = None,
    ) -> list[MemoryItem]:
        """The `k` items closest to `query` scoring at least `min_score`, best first."""
        if not query.strip() or k < 1:
            return []
        threshold = DEFAULT_MIN_SCORE if min_score is None else min_score
        vector = self.embedder.embed([query])[0]
        with self._backend.guard(self.location):
            self._catch_up()
            self._check_index()
            found = retry_transient(self._col.query)(
                query_embeddings=[vector],
                n_results=k,
                where=_where(kind=kind, source=source, run_id=run_id),
                include=["documents", "metadatas", "distances"],
            )
        items = []
        for item_id, text, meta, dist in zip(
            found["ids"][0],
            found["documents"][0],
            found["metadatas"][0],
            found["distances"][0],
            strict=True,
        ):
            score = min(1.0, max(0.0, 1.0 - float(dist)))
            if score >= threshold:
                items.append(_item(item_id, text, meta, score))
        return items

    def items(self, *, kind: str | None = None, source: str | None = None) -> list[MemoryItem]:
        """Every stored item (of `kind`, from `source`), unranked: each `score` is 0."""
        with self._backend.guard(self.location):
            self._catch_up()
            pages = self._pages(_where(kind=kind, source=source), ["documents", "metadatas"])
            return [
                _item(item_id, text, meta, 0.0)
                for page in pages
                for item_id, text, meta in zip(
                    page["ids"], page["documents"] or [], page["metadatas"] or [], strict=True
                )
            ]

    def stats(self) -> dict[str, Any]:
        """Counts by kind, distinct sources, where the memory lives and how it embeds."""
        kinds: Counter[str] = Counter()
        sources: set[str] = set()
        with self._backend.guard(self.location):
            for meta in self._metadatas(None):
                kinds[str(meta.get("kind"))] += 1
                sources.add(str(meta.get("source")))
        return {
            "location": self.location,
            "backend": "server" if self.directory is None else "local",
            "collection": self._col.name,
            "embedder": self.embedder.name,
            "items": sum(kinds.values()),
            "by_kind": {kind: kinds.get(kind, 0) for kind in KINDS},
            "sources": len(sources),
        }

    def index_problem(self) -> str | None:
        """None when the vector index agrees with the stored items, else what is wrong."""
        from agentkit.memory.integrity import index_problem

        with self._backend.guard(self.location):
            self._catch_up()
            return index_problem(self._col, self._backend.chroma_errors())

    def rebuild(self) -> int:
        """Re-embed every stored item into a fresh collection; return how many."""
        from agentkit.memory.integrity import stored_rows

        with self._backend.guard(self.location):
            rows = stored_rows(self._col)
            name = self._col.name
            with write_lock(self.directory):
                self._client.delete_collection(name)
        self._client, self._col = self._backend.connect(self.directory, self._url, self.embedder)
        metas: list[Metadata] = [dict(meta) for _, _, meta in rows]
        for s in range(0, len(rows), _PAGE):
            chunk = rows[s : s + _PAGE]
            self._upsert([r[0] for r in chunk], [r[1] for r in chunk], metas[s : s + _PAGE])
        self._index_checked = True
        return len(rows)

    def _check_index(self) -> None:
        """Refuse to search an index that silently lacks stored items (see integrity.py)."""
        if self._index_checked:
            return
        from agentkit.memory.integrity import index_problem

        problem = index_problem(self._col, self._backend.chroma_errors())
        if problem is not None:
            raise MemoryStoreError(
                f"memory at {self.location}: {problem}; searches would miss them. "
                "Run `agentkit memory rebuild` to re-embed every stored item"
            )
        self._index_checked = True

    def close(self) -> None:
        """Release the client; the memory is unusable afterwards."""
        self._col = None
        self._client = None

    def __enter__(self) -> Memory:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- helpers for this module and ingest.py --------------------------------------------

    def _meta(self, kind: str, source: str, run_id: str | None, text: str) -> Metadata:
        meta: Metadata = {
            "kind": kind,
            "source": source,
            "created_at": time.time(),
            "content_hash": content_hash(text),
        }
        if run_id:
            meta["run_id"] = run_id
        return meta

    def _upsert(
        self,
        ids: list[str],
        texts: list[str],
        metas: list[Metadata],
        delete: Sequence[str] = (),
    ) -> None:
        """Embed, then write under the lock; `delete` goes only after the new rows are in."""
        vectors = self.embedder.embed(texts) if texts else []
        with self._backend.guard(self.location), write_lock(self.directory):
            self._reload_if_stale()  # a write on a stale index would be saved without theirs
            for s in range(0, len(ids), _PAGE):
                retry_transient(self._col.upsert)(
                    ids=ids[s : s + _PAGE],
                    documents=texts[s : s + _PAGE],
                    embeddings=vectors[s : s + _PAGE],
                    metadatas=metas[s : s + _PAGE],
                )
            gone = list(delete)
            for s in range(0, len(gone), _PAGE):
                retry_transient(self._col.delete)(ids=gone[s : s + _PAGE])
            self._wrote()

    def _wrote(self) -> None:
        if self.directory is not None:
            self._generation = bump_generation(self.directory)

    def _catch_up(self) -> None:
        """Before a read: see the writes other processes made since this one last looked."""
        if self.directory is None or generation(self.directory) == self._generation:
            return
        with write_lock(self.directory):  # no writer is saving the index while we load it
            self._reload_if_stale()

    def _reload_if_stale(self) -> None:
        """Reopen the collection if another process wrote (call holding the write lock).

        Chroma's per-process index skips other processes' writes (see
        backend.reconnect), so the only sound way to see them is a new client.
        """
        if self.directory is None:
            return
        token = generation(self.directory)
        if token != self._generation:
            self._client, self._col = self._backend.reconnect(
                self._client, self.directory, self.embedder
            )
            self._generation = token

    def _metadatas(self, where: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
        yield from (meta for _, meta in self._rows(where))

    def _ids(self, where: dict[str, Any] | None) -> Iterator[str]:
        yield from (item_id for item_id, _ in self._rows(where))

    def _rows(self, where: dict[str, Any] | None) -> Iterator[tuple[str, dict[str, Any]]]:
        for page in self._pages(where, ["metadatas"]):
            yield from zip(page["ids"], page["metadatas"] or [], strict=True)

    def _pages(self, where: dict[str, Any] | None, include: list[str]) -> Iterator[Any]:
        """The matching rows, _PAGE at a time (Chroma caps what one get returns)."""
        offset = 0
        while True:
            page = retry_transient(self._col.get)(
                where=where, limit=_PAGE, offset=offset, include=include
            )
            yield page
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE


def _where(**fields: str | None) -> dict[str, Any] | None:
    terms = [{key: value} for key, value in fields.items() if value is not None]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else {"$and": terms}


def _item(item_id: str, text: str | None, meta: dict[str, Any], score: float) -> MemoryItem:
    return MemoryItem(
        id=item_id,
        text=text or "",
        score=score,
        kind=meta.get("kind", "note"),
        source=str(meta.get("source", "")),
        run_id=meta.get("run_id"),
        created_at=float(meta.get("created_at", 0.0)),
    )
