"""Built-in `memory_search` and `remember` tools: the model's explicit access to memory.

Search results come back inside delimited untrusted-context blocks carrying item ids,
so the model can cite them and must treat their contents as data, not instructions.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from agentkit.errors import ToolError
from agentkit.tool import ToolContext, tool

_DISABLED = "memory is disabled for this run (--no-memory); answer without it"


def _memory(ctx: ToolContext) -> Any:
    if ctx.memory is None:
        raise ToolError(_DISABLED)
    return ctx.memory


@tool(permission="read")
def memory_search(
    query: Annotated[str, Field(min_length=1, max_length=500)],
    ctx: ToolContext,
    k: Annotated[int, Field(ge=1, le=10)] = 3,
    kind: Literal["document", "episode", "observation", "note"] | None = None,
) -> str:
    """Search long-term memory (ingested documents, notes, past runs) by meaning.

    Args:
        query: what to look for, in plain words.
        k: how many results at most.
        kind: only this kind of item.
    """
    from agentkit.memory import render_context

    items = _memory(ctx).search(query, k=k, kind=kind)
    if not items:
        return "no relevant memories found"
    return render_context(items)


@tool(permission="write")
def remember(text: Annotated[str, Field(min_length=1, max_length=2000)], ctx: ToolContext) -> str:
    """Save a fact to long-term memory so later runs can find it.

    Args:
        text: the fact to remember, self-contained.
    """
    item_id = _memory(ctx).add(text, kind="note", source="agent", run_id=ctx.run_id)
    return f"remembered as {item_id}"
