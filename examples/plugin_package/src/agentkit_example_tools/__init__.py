"""Two example tools: a read-only one and one that writes inside the workspace."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from agentkit import ToolContext, tool


class Counts(BaseModel):
    words: int
    lines: int
    characters: int


@tool
def word_count(text: Annotated[str, Field(max_length=10_000)]) -> Counts:
    """Count the words, lines and characters in a text.

    Args:
        text: the text to count.
    """
    return Counts(words=len(text.split()), lines=len(text.splitlines()), characters=len(text))


@tool(permission="write")
def add_todo(
    item: Annotated[str, Field(min_length=1, max_length=200)],
    ctx: ToolContext,
    priority: Literal["low", "normal", "high"] = "normal",
) -> str:
    """Add an item to the to-do list in TODO.md in the workspace.

    Args:
        item: what needs doing, in a few words.
        priority: how urgent it is.
    """
    line = f"- [ ] {item}" + (f" ({priority})" if priority != "normal" else "")
    with (ctx.workspace / "TODO.md").open("a", encoding="utf-8") as f:
        f.write(line + "\n")
    return f"added to TODO.md: {item}"
