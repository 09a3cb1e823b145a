"""Aid `demo_tools`: offer only the tools that the retrieved demonstrations use.

The demonstrations most similar to a goal say what kind of goal it is: one worked out
in writing (no tool: a plan, advice, a poem), one that reads, one that writes. So a goal
like "summarize notes.txt" gets the read tools its neighbours use, and "plan a trip" gets
no tool at all. With no demonstration close enough, the offer is unchanged.

A tool with side effects (write or execute permission) needs more than one neighbour's
say-so: it is offered only when the demonstrations that use it carry more than half of
the retrieved similarity. One near neighbour that writes ("multiply 21 by 3 and save
it") must not hand a write tool to a read-only goal ("read count.txt and multiply it by
3"). Measured by `bench/offer_permissions.py`: on the held-out goals, write tools were
offered to 25% of the goals that write nothing with any-neighbour, 5% with the weighted
majority; the price is write goals whose neighbours disagree (see docs/policy.md).

The demonstrations cannot speak for a tool none of them uses (a user's plugin, an MCP
server's tool). When one of those fits the goal better than every tool the retrieved
demonstrations use (goal/description similarity, as routing measures it), the goal is
of a kind the library does not cover: the offer is those better-fitting tools, and no
demonstration is shown. Offered a time server's `get_current_time` beside the built-in
`weekday` that the nearest demonstrations use, and shown those demonstrations, a 135M
model planned `weekday` for "What time is it in Tokyo now?".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from agentkit.policy.aids.demonstrations import Demonstration, Scored
from agentkit.policy.aids.routing import TextEmbedder, rank_tools
from agentkit.tool import Permission

if TYPE_CHECKING:
    from agentkit.tool import ToolDefinition

__all__ = ["MAJORITY", "better_uncovered", "mandated", "tools_of"]

MAJORITY = 0.5  # share of the retrieved similarity a side-effecting tool needs


def mandated(name: str, demos: Sequence[Scored]) -> bool:
    """Whether the demonstrations that use `name` carry most of the retrieved similarity."""
    total = sum(max(s.similarity, 0.0) for s in demos)
    using = sum(max(s.similarity, 0.0) for s in demos if name in s.demo.tools)
    return total > 0 and using > MAJORITY * total


def tools_of(
    demos: Sequence[Scored],
    usable: Sequence[ToolDefinition],
    library: Sequence[Demonstration],
) -> list[ToolDefinition]:
    """The usable tools the retrieved demonstrations use, the closest one's first (a
    side-effecting one only with the weighted majority of them), then every usable tool
    no demonstration in the library uses (a user's plugin): the demonstrations cannot
    speak for those."""
    names = list(dict.fromkeys(name for s in demos for name in s.demo.tools))
    covered = {name for demo in library for name in demo.tools}
    by_name = {t.name: t for t in usable}
    chosen = [
        by_name[name]
        for name in names
        if name in by_name
        and (by_name[name].permission == Permission.READ or mandated(name, demos))
    ]
    return chosen + [t for t in usable if t.name not in covered]


def better_uncovered(
    goal: str,
    demos: Sequence[Scored],
    usable: Sequence[ToolDefinition],
    library: Sequence[Demonstration],
    embedder: TextEmbedder,
) -> list[ToolDefinition]:
    """The usable tools no demonstration uses that fit `goal` better than every usable
    tool the retrieved demonstrations use, best first (usually none). Costs an embedding
    only when such a tool is usable, so the built-in tools alone (all covered) never pay."""
    covered = {name for demo in library for name in demo.tools}
    uncovered = [t for t in usable if t.name not in covered]
    used = {name for s in demos for name in s.demo.tools}
    theirs = [t for t in usable if t.name in used]
    if not uncovered or not theirs:
        return []
    scores = dict(rank_tools(goal, [*theirs, *uncovered], embedder))
    bar = max(scores[t.name] for t in theirs)
    better = [t for t in uncovered if scores[t.name] > bar]
    return sorted(better, key=lambda t: -scores[t.name])
