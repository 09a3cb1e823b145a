"""Our embedders, wrapped as a chromadb EmbeddingFunction.

Handing Chroma an explicit embedding function guarantees it never falls back to its
own default, which downloads a model at first use. Importing this imports chromadb.
"""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from agentkit.memory.embedders import Embedder, make_embedder

__all__ = ["AgentkitEmbeddingFunction"]


@register_embedding_function
class AgentkitEmbeddingFunction(EmbeddingFunction[Documents]):
    """Registered, so a collection's persisted config can be rebuilt by name."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        import numpy as np

        return [np.asarray(v, dtype=np.float32) for v in self.embedder.embed(list(input))]

    @staticmethod
    def name() -> str:
        return "agentkit"

    def default_space(self) -> Space:
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        spec = getattr(self.embedder, "path", None) or self.embedder.name
        return {"embedder": str(spec)}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> AgentkitEmbeddingFunction:
        return AgentkitEmbeddingFunction(make_embedder(str(config.get("embedder", "minilm"))))
