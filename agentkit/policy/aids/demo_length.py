"""Aid `demo_length`: a plan has at least as many steps as the closest demonstration.

A 135M model ends a plan's step list early: "Put a haiku about autumn into haiku.txt"
was planned as one written step, without the save, though the closest demonstration
(write a haiku, then save it) has two. Demonstrations say what kind of goal this is; the
closest one's length says how many parts that kind has. Only the count is carried over,
never which tools: a step may still use any offered tool, or none.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentkit.policy.aids.demonstrations import Demonstration

__all__ = ["min_steps"]


def min_steps(shown: Sequence[Demonstration], max_steps: int) -> int:
    """The closest shown demonstration's step count (1 with none), at most `max_steps`."""
    return min(len(shown[0].steps), max_steps) if shown else 1
