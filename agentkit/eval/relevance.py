"""The relevance gate of `agentkit eval bfcl`: a request whose best function scores below
RELEVANCE_FLOOR (sentence-embedding similarity of the request and the function's name and
description) gets a decision that can only decline. The functions it keeps are ordered
best first. This is the small policy's relevance rule (agentkit.policy.aids.routing):
narrowing what is offered, down to nothing, without forcing anything.

RELEVANCE_FLOOR was read off BFCL items 100-160 of irrelevance, simple_python and
multiple (disjoint from the first 50 a category is scored on): irrelevance's best score
has quartiles 0.10 / 0.27 / 0.37, simple_python's tenth percentile is 0.47.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentkit.eval.bfcl import FunctionTool
from agentkit.policy.aids.routing import TextEmbedder, rank_tools

__all__ = ["RELEVANCE_FLOOR", "relevant_functions"]

RELEVANCE_FLOOR = 0.42


def relevant_functions(
    request: str, tools: Sequence[FunctionTool], embedder: TextEmbedder
) -> list[FunctionTool]:
    """The functions worth offering for `request`, best first; none when even the best
    one is below the floor."""
    ranked = rank_tools(request, tools, embedder)
    if not ranked or ranked[0][1] < RELEVANCE_FLOOR:
        return []
    by_name = {t.name: t for t in tools}
    return [by_name[name] for name, _ in ranked]
