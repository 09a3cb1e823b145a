"""The goal schema of the task bench and the two goal files it reads.

`bench/goals_dev.yaml` may be tuned on; `bench/goals_held_out.yaml` must not be (see
`bench/agent_tasks.py`). Each goal names the only tools its run may call: a tool outside
that set is an irrelevant call and fails the goal, whatever the answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "BENCH_DIR",
    "FAMILIES",
    "GOAL_FILES",
    "TOOL_GROUPS",
    "Goal",
    "ProseSpec",
    "WrittenSpec",
    "load_goals",
]

BENCH_DIR = Path(__file__).resolve().parents[1]
GOAL_FILES = {"dev": BENCH_DIR / "goals_dev.yaml", "held-out": BENCH_DIR / "goals_held_out.yaml"}
FAMILIES = ("single", "file", "two-step", "open", "prose-file", "multi-step")
SetName = Literal["dev", "held-out"]

# The tools that can serve a kind of work. `shell` is in none: no goal needs a command, and
# the dedicated tools cover reading, computing and writing; memory tools are in none either
# (a fresh data directory's memory is empty, so searching it or storing into it is beside
# any goal here). `today` is not a date tool here: no goal asks about the current date.
TOOL_GROUPS: dict[str, frozenset[str]] = {
    "@math": frozenset({"calculator", "python"}),
    "@date": frozenset({"weekday", "add_days", "days_between", "python"}),
    "@read": frozenset({"read_file", "list_dir", "search_files"}),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProseSpec(_Strict):
    """Text that must read as prose. `aspects`: each entry lists alternatives (matched at a
    word start, case-insensitive) of which one must appear; only what the goal names."""

    min_words: int = Field(8, ge=1)
    aspects: list[list[str]] = Field(default_factory=list)


class WrittenSpec(_Strict):
    """The file a goal asks for: it must exist and hold `contains` (whole values) and, with
    `prose`, prose."""

    path: str
    contains: list[str] = Field(default_factory=list)
    prose: ProseSpec | None = None


class Goal(_Strict):
    id: str
    family: Literal["single", "file", "two-step", "open", "prose-file", "multi-step"]
    goal: str = Field(min_length=1)
    tools: list[str]
    files: dict[str, str] = Field(default_factory=dict)
    expect: list[str] = Field(default_factory=list)
    prose: ProseSpec | None = None
    written: WrittenSpec | None = None
    with_yes: bool = True  # False: run without --yes
    quick: bool = False
    set: SetName = "dev"

    @field_validator("tools")
    @classmethod
    def _known_groups(cls, tools: list[str]) -> list[str]:
        unknown = [t for t in tools if t.startswith("@") and t not in TOOL_GROUPS]
        if unknown:
            raise ValueError(f"unknown tool group {unknown[0]!r}; known: {sorted(TOOL_GROUPS)}")
        return tools

    @property
    def allowed_tools(self) -> frozenset[str]:
        names: set[str] = set()
        for entry in self.tools:
            names |= TOOL_GROUPS.get(entry, frozenset({entry}))
        return frozenset(names)

    @property
    def targets(self) -> frozenset[str]:
        """Workspace files the goal asks to write; every other file must stay as it was."""
        return frozenset({self.written.path}) if self.written else frozenset()


def load_goals(set_name: SetName, path: Path | None = None) -> list[Goal]:
    """The goals of one set, in file order; ids must be unique and every goal checkable."""
    source = path or GOAL_FILES[set_name]
    raw = yaml.safe_load(source.read_text(encoding="utf-8")) or []
    goals = [Goal.model_validate({**entry, "set": set_name}) for entry in raw]
    seen: set[str] = set()
    for goal in goals:
        if goal.id in seen:
            raise ValueError(f"{source}: duplicate goal id {goal.id!r}")
        seen.add(goal.id)
        if not (goal.expect or goal.prose or goal.written):
            raise ValueError(f"{source}: goal {goal.id!r} has no outcome check")
        if goal.set == "held-out" and goal.quick:
            raise ValueError(f"{source}: held-out goal {goal.id!r} cannot be in --quick")
    return goals
