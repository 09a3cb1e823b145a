"""Ranking tools by how well their descriptions match a goal (tool retrieval).

A 135M model choosing among a dozen tools mostly picks by position; showing it the
few tools whose descriptions are closest to the goal, best first, lets it choose
well. Larger toolsets gain too: the prompt stays short and the prefix stays stable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

__all__ = ["TextEmbedder", "goal_parts", "goal_queries", "rank_tools", "select_tools"]


class TextEmbedder(Protocol):
    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class _Described(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...


# Parts of a multi-step goal, each matched on its own: "Read x, then add the numbers".
_CLAUSE = re.compile(r",?\s+(?:and\s+)?then\s+|[;?!]\s+|,?\s+and\s+|\.\s+", re.IGNORECASE)


# Stricter: parts asked for one after another ("Read x, then add them", "What is a, and
# what is b?"), where a bare "and" may join the two ends of one request ("between a and b").
_SEQUENCE = re.compile(r",?\s+then\s+|[;?!.]\s+|,\s+and\s+", re.IGNORECASE)


def goal_parts(goal: str) -> list[str]:
    """The parts of a goal that each ask for something, in order."""
    return [p.strip() for p in _SEQUENCE.split(goal.strip()) if len(p.strip()) > 2]


def goal_queries(goal: str) -> list[str]:
    """The texts a goal is matched by: the whole goal, then each of its clauses."""
    parts = [p.strip() for p in _CLAUSE.split(goal) if len(p.strip()) > 2]
    return list(dict.fromkeys([goal.strip(), *parts]))


def rank_tools(
    queries: Sequence[str], tools: Sequence[_Described], embedder: TextEmbedder
) -> list[list[tuple[str, float]]]:
    """For each query, (name, cosine similarity) pairs, most relevant first."""
    if not tools or not queries:
        return []
    texts = [*queries, *(f"{t.name.replace('_', ' ')}: {t.description}" for t in tools)]
    vectors = embedder.embed(texts)  # unit vectors: dot product = cosine
    tool_vecs = vectors[len(queries) :]
    names = [t.name for t in tools]
    ranked = []
    for query in vectors[: len(queries)]:
        scores = [round(sum(a * b for a, b in zip(query, v, strict=True)), 4) for v in tool_vecs]
        ranked.append(sorted(zip(names, scores, strict=True), key=lambda p: -p[1]))
    return ranked


def select_tools(
    ranked: Sequence[Sequence[tuple[str, float]]], *, limit: int, min_score: float, margin: float
) -> list[str]:
    """Names of the tools to offer: for the goal and each clause, those scoring at least
    `min_score` and within `margin` of that query's best (a near miss distracts a small
    model); best score first, at most `limit`."""
    best: dict[str, float] = {}
    for scores in ranked:
        top = scores[0][1] if scores else 0.0
        for name, score in scores:
            if score >= max(min_score, top - margin):
                best[name] = max(score, best.get(name, score))
    return sorted(best, key=lambda name: -best[name])[:limit]
