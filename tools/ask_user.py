"""Built-in `ask_user` tool: ask the human at the terminal; an error when nobody is there."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from agentkit.asking import ask
from agentkit.errors import ToolError
from agentkit.tool import ToolContext, tool


@tool(timeout=600)  # a human needs longer than the default tool timeout
def ask_user(
    question: Annotated[str, Field(max_length=500, examples=["Which file?"])], ctx: ToolContext
) -> str:
    """Ask the user a question and return their answer. Use only when you must.

    Args:
        question: one short, clear question.
    """
    if not ctx.interactive:
        raise ToolError("no user can answer in this non-interactive run; continue without asking")
    answer = ask(f"\nagent asks: {question}\n> ")
    if not answer:
        raise ToolError("the user closed the input without answering")
    return answer.strip() or "(the user gave an empty answer)"
