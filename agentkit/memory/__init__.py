"""Vector memory over Chroma: notes, ingested documents, run episodes, tool observations.

Importing this package is cheap: chromadb, onnxruntime and llama.cpp load only when a
memory is opened or something is embedded.

    with Memory(path) as memory:
        memory.ingest([Path("docs")])
        for item in memory.search("how do I configure X?", k=3):
            print(item.score, item.source, item.text)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentkit.memory.context import CONTEXT_TAG, render_context
from agentkit.memory.embedders import Embedder, LlamaEmbedder, MiniLMEmbedder, make_embedder
from agentkit.memory.models import IngestReport, Kind, MemoryItem
from agentkit.memory.store import DEFAULT_MIN_SCORE, Memory

if TYPE_CHECKING:
    from agentkit.config import Settings

__all__ = [
    "CONTEXT_TAG",
    "DEFAULT_MIN_SCORE",
    "Embedder",
    "IngestReport",
    "Kind",
    "LlamaEmbedder",
    "Memory",
    "MemoryItem",
    "MiniLMEmbedder",
    "make_embedder",
    "open_memory",
    "render_context",
]


def open_memory(settings: Settings) -> Memory | None:
    """The run's memory, or None under `no_memory`; failures raise MemoryStoreError."""
    return None if settings.no_memory else Memory.open(settings)
