"""Ranking tools by how well their descriptions match a goal (tool retrieval).

A 135M model choosing among a dozen tools mostly picks by position; showing it the
few tools whose descriptions are closest to the goal, best first, lets it choose
well. Larger toolsets gain too: the prompt stays short and the prefix stays stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

__all__ = ["TextEmbedder", "rank_tools"]


class TextEmbedder(Protocol):
    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class _Described(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...


def rank_tools(
    goal: str, tools: Sequence[_Described], embedder: TextEmbedder
) -> list[tuple[str, float]]:
    """(name, cosine similarity) pairs, most relevant to `goal` first."""
    if not tools:
        return []
    texts = [goal] + [f"{t.name.replace('_', ' ')}: {t.description}" for t in tools]
    goal_vec, *tool_vecs = embedder.embed(texts)  # unit vectors: dot product = cosine
    scores = [sum(a * b for a, b in zip(goal_vec, vec, strict=True)) for vec in tool_vecs]
    ranked = sorted(zip((t.name for t in tools), scores, strict=True), key=lambda p: -p[1])
    return [(name, round(score, 4)) for name, score in ranked]
