"""Ingesting files as chunked documents.

A document's source is its resolved path, and each chunk records the file's hash. A
file whose stored chunks all carry its current hash is unchanged and costs no
embedding. A changed file's new chunks are written before its old ones are deleted,
so a crash in between leaves both versions, never neither (the next ingest cleans up).
Chunks of many small files are embedded and written together, in batches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agentkit.memory.chunking import chunk_text, discover, extract_text
from agentkit.memory.models import IngestReport

if TYPE_CHECKING:
    from agentkit.memory.store import Memory, Metadata

__all__ = ["ingest_files"]

_FLUSH_CHUNKS = 256  # chunks gathered before one embed + write


@dataclass
class _Batch:
    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    metas: list[Metadata] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)


def ingest_files(
    memory: Memory, paths: Sequence[Path], progress: Callable[[int, int, str], None] | None
) -> IngestReport:
    report = IngestReport()
    files: list[Path] = []
    for path, problem in discover([Path(p).expanduser() for p in paths]):
        if problem:
            report.skipped.append(f"{path} ({problem})")
        else:
            files.append(path)
    batch = _Batch()
    for done, path in enumerate(files, 1):
        _plan(memory, path.resolve(), batch, report)
        if len(batch.ids) >= _FLUSH_CHUNKS:
            _flush(memory, batch)
            batch = _Batch()
        if progress:
            progress(done, len(files), str(path))
    _flush(memory, batch)
    return report


def _plan(memory: Memory, path: Path, batch: _Batch, report: IngestReport) -> None:
    """Add the chunks `path` needs written to `batch`, and count what happens to it."""
    try:
        raw = path.read_bytes()
        text = extract_text(path, raw)
    except OSError as exc:
        report.skipped.append(f"{path} (unreadable: {exc.strerror})")
        return
    except UnicodeDecodeError:
        report.skipped.append(f"{path} (not UTF-8 text)")
        return
    chunks = chunk_text(text)
    if not chunks:
        report.skipped.append(f"{path} (empty)")
        return
    source, file_hash = str(path), hashlib.sha256(raw).hexdigest()
    with memory._backend.guard(memory.location):
        old = dict(memory._rows({"source": source}))
    if old and all(
        m.get("file_hash") == file_hash and m.get("chunks") == len(old) for m in old.values()
    ):
        report.documents_unchanged += 1
        return
    stem = f"d-{hashlib.sha256(source.encode()).hexdigest()[:12]}-{file_hash[:10]}"
    ids = [f"{stem}-{i}" for i in range(len(chunks))]
    for i, chunk in enumerate(chunks):
        meta = memory._meta("document", source, None, chunk)
        meta |= {"file_hash": file_hash, "chunk": i, "chunks": len(chunks), "title": path.name}
        batch.metas.append(meta)
    batch.ids += ids
    batch.texts += chunks
    stale = sorted(set(old) - set(ids))
    batch.stale += stale
    report.chunks_added += len(chunks)
    report.chunks_removed += len(stale)
    if old:
        report.documents_replaced += 1
    else:
        report.documents_added += 1


def _flush(memory: Memory, batch: _Batch) -> None:
    if batch.ids or batch.stale:
        memory._upsert(batch.ids, batch.texts, batch.metas, delete=batch.stale)
