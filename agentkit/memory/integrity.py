"""Does Chroma's vector index hold what its SQLite store holds? And rebuilding it.

Chroma keeps documents and metadata in SQLite and vectors in an HNSW index whose
files are written every `sync_threshold` items. If those files go missing (deleted,
restored from an old backup), SQLite still counts every item and `get` still lists
them, but a query only sees the vectors added since the last sync: searches "work"
and silently miss most of the memory.

`index_problem` samples stored ids spread over the whole collection (oldest first)
and asks for their vectors, which come from the index: a missing id is an error from
Chroma, an empty answer or a vector count that does not match. `rebuild` re-embeds
every stored document into a fresh collection.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SAMPLES", "index_problem", "stored_rows"]

SAMPLES = 8  # ids probed; the oldest is always one of them, since loss hits old items
_PAGE = 1000


def _sample_ids(col: Any, total: int) -> list[str]:
    offsets = sorted({0, total - 1, *(total * i // SAMPLES for i in range(1, SAMPLES - 1))})
    ids: list[str] = []
    for offset in offsets:
        page = col.get(limit=1, offset=offset, include=[])
        ids.extend(page["ids"])
    return ids


def index_problem(col: Any, errors: tuple[type[BaseException], ...]) -> str | None:
    """None when sampled stored items all have vectors in the index, else what is wrong."""
    total = int(col.count())
    if total == 0:
        return None
    ids = _sample_ids(col, total)
    try:
        found = col.get(ids=ids, include=["embeddings"])
    except errors as exc:  # Chroma: "Error finding id" for an id the index lacks
        return f"{total} items are stored but the vector index lacks some of them ({exc})"
    vectors = found.get("embeddings")
    if vectors is None or len(vectors) != len(ids) or len(found["ids"]) != len(ids):
        got = 0 if vectors is None else len(vectors)
        return f"{total} items are stored but the vector index returned {got} of {len(ids)}"
    return None


def stored_rows(col: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (id, document, metadata) from the SQLite store, which survives index loss."""
    rows: list[tuple[str, str, dict[str, Any]]] = []
    offset = 0
    while True:
        page = col.get(limit=_PAGE, offset=offset, include=["documents", "metadatas"])
        rows.extend(zip(page["ids"], page["documents"] or [], page["metadatas"] or [], strict=True))
        if len(page["ids"]) < _PAGE:
            return rows
        offset += _PAGE
