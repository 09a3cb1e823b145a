"""The records memory hands out."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["IngestReport", "Kind", "MemoryItem"]

Kind = Literal["document", "episode", "observation", "note"]
KINDS: tuple[Kind, ...] = ("document", "episode", "observation", "note")


class MemoryItem(BaseModel):
    """One retrieved item; `score` is cosine similarity clipped to [0, 1], higher is closer."""

    id: str
    text: str
    score: float = Field(ge=0.0, le=1.0)
    kind: Kind
    source: str
    run_id: str | None = None
    created_at: float


class IngestReport(BaseModel):
    """What `Memory.ingest` did; `skipped` holds 'PATH (reason)' lines."""

    documents_added: int = 0
    documents_unchanged: int = 0
    documents_replaced: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    skipped: list[str] = Field(default_factory=list)
