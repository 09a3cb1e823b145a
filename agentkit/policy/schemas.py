"""Answer schemas shared by the policies (plans and decisions: agentkit.plan, .decision)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["answer_schema"]


def answer_schema(
    refs: Sequence[str], *, limit: int, quotes: Sequence[str] = (), max_quotes: int = 3
) -> dict[str, Any]:
    """Answer text plus cited refs. With `quotes` the answer is one to `max_quotes` of
    those results written `[obs-N]` and joined by " and " (see aids/quote_answers)."""
    # `const: []` rather than maxItems 0: llama.cpp's converter treats a 0 bound as none.
    citations: dict[str, Any] = (
        {"type": "array", "items": {"enum": list(refs)}, "maxItems": 5} if refs else {"const": []}
    )
    answer: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": limit}
    if quotes:
        one = "\\[(" + "|".join(quotes) + ")\\]"
        answer = {"type": "string", "pattern": f"^{one}( and {one}){{0,{max_quotes - 1}}}$"}
    props = {"answer": answer, "citations": citations}
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }
