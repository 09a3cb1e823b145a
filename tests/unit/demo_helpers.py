"""An embedder that counts what it embeds, and the in-process ranking the demonstration
store must reproduce (the computation `Library` did before the store existed)."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence

from agentkit.policy.aids.demonstrations import MARGIN, MIN_SIMILARITY, Demonstration
from agentkit.policy.aids.routing import TextEmbedder

__all__ = ["CountingEmbedder", "WordsEmbedder", "forget_open_clients", "reference_nearest"]


class WordsEmbedder:
    """Deterministic and cheap: each word hashed to a bucket and a weight, L2-normalised.
    Texts sharing words are close, so retrieval order means something; the weights keep
    different texts from tying."""

    name = "words-test"
    dim = 256

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out = []
        for text in texts:
            vector = [0.0] * self.dim
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                digest = int(hashlib.sha256(word.encode()).hexdigest(), 16)
                vector[digest % self.dim] += 1.0 + (digest >> 16) % 1000 / 1000
            norm = math.sqrt(sum(x * x for x in vector))
            out.append([x / norm for x in vector] if norm else [1.0] + [0.0] * (self.dim - 1))
        return out


class CountingEmbedder:
    """Wraps an embedder and records every text it was asked to embed."""

    def __init__(self, inner: TextEmbedder, name: str) -> None:
        self.inner = inner
        self.name = name
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return self.inner.embed(texts)


def reference_nearest(
    demos: Sequence[Demonstration],
    embedder: TextEmbedder,
    goal: str,
    usable: Sequence[str],
    k: int = 3,
) -> list[tuple[float, str]]:
    """(similarity, goal) as the in-process dot-product ranking gives them."""
    vectors = embedder.embed([d.goal for d in demos])
    query = embedder.embed([goal])[0]
    scored = [
        (sum(a * b for a, b in zip(query, vec, strict=True)), demo.goal)
        for vec, demo in zip(vectors, demos, strict=True)
        if set(demo.tools) <= set(usable)
    ]
    scored.sort(key=lambda pair: -pair[0])
    best = scored[0][0] if scored else 0.0
    floor = max(MIN_SIMILARITY, best - MARGIN)
    return [(score, g) for score, g in scored[:k] if score >= floor]


def forget_open_clients() -> None:
    """Chroma shares one client per directory within a process, its index in memory; a
    later command is a new process that reads it from disk. Act like one."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
