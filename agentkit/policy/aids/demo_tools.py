"""Aid `demo_tools`: offer only the tools that the retrieved demonstrations use.

The demonstrations most similar to a goal say what kind of goal it is: one worked out
in writing (no tool: a plan, advice, a poem), one that reads, one that writes. So a goal
like "summarize notes.txt" gets the read tools its neighbours use and no write tool, and
"plan a trip" gets no tool at all. The permission class of what is offered follows the
neighbours, not any word list. With no demonstration close enough, the offer is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from agentkit.policy.aids.demonstrations import Demonstration

if TYPE_CHECKING:
    from agentkit.tool import ToolDefinition

__all__ = ["tools_of"]


def tools_of(
    demos: Sequence[Demonstration],
    usable: Sequence[ToolDefinition],
    library: Sequence[Demonstration],
) -> list[ToolDefinition]:
    """The usable tools the retrieved demonstrations use, the closest one's first, then
    every usable tool no demonstration in the library uses (a user's plugin): the
    demonstrations cannot speak for those."""
    names = list(dict.fromkeys(name for demo in demos for name in demo.tools))
    covered = {name for demo in library for name in demo.tools}
    by_name = {t.name: t for t in usable}
    chosen = [by_name[name] for name in names if name in by_name]
    return chosen + [t for t in usable if t.name not in covered]
