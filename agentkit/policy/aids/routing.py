"""Aid `routing`: when more tools are usable than `max_tools`, offer those whose
descriptions are closest to the goal (embedding similarity), best first. It narrows the
offer and never forces a tool: a plan step may always use none."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

__all__ = ["MARGIN", "MIN_SCORE", "TextEmbedder", "narrow", "rank_tools"]

MIN_SCORE = 0.18  # least goal/tool cosine similarity worth offering
MARGIN = 0.15  # offer only tools within this much of the best score: a near miss distracts


class TextEmbedder(Protocol):
    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class Described(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...


D = TypeVar("D", bound=Described)


def rank_tools(
    query: str, tools: Sequence[Described], embedder: TextEmbedder
) -> list[tuple[str, float]]:
    """(name, cosine similarity) pairs for `query`, most relevant first."""
    if not tools:
        return []
    texts = [query, *(f"{t.name.replace('_', ' ')}: {t.description}" for t in tools)]
    vectors = embedder.embed(texts)  # unit vectors: dot product = cosine
    scores = [round(sum(a * b for a, b in zip(vectors[0], v, strict=True)), 4) for v in vectors[1:]]
    return sorted(zip([t.name for t in tools], scores, strict=True), key=lambda p: -p[1])


def narrow(goal: str, tools: Sequence[D], embedder: TextEmbedder, limit: int) -> list[D]:
    """At most `limit` of `tools`: those scoring at least MIN_SCORE and within MARGIN of
    the best, best first (possibly none)."""
    ranked = rank_tools(goal, tools, embedder)
    top = ranked[0][1] if ranked else 0.0
    chosen = [name for name, score in ranked if score >= max(MIN_SCORE, top - MARGIN)][:limit]
    by_name = {t.name: t for t in tools}
    return [by_name[name] for name in chosen]
