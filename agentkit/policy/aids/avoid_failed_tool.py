"""Aid `avoid_failed_tool`: a re-plan forced by a tool's repeated failure (or a call
loop) cannot start with that tool; it may start with another tool or none. A small model
otherwise plans the same failing call again."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["first_step_tools"]


def first_step_tools(failed_tool: str | None, tool_names: Sequence[str]) -> list[list[str | None]]:
    """`plan_schema`'s `lead`: what the re-plan's first step may use (empty: anything)."""
    if failed_tool is None:
        return []
    return [[*(name for name in tool_names if name != failed_tool), None]]
