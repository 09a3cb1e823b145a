"""The plan: its grammar-bounded schema, clean-up of model output, and step readiness."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from agentkit.events import PlanStep
from agentkit.llm.base import JsonSchema

__all__ = ["ModelPlan", "next_ready", "normalize_plan", "plan_schema"]

TITLE_LIMIT = 80
_STEP_PREFIX = re.compile(r"^\s*step\s*\d+\s*[:.)-]\s*", re.IGNORECASE)


class ModelPlanStep(BaseModel):
    id: int
    title: str = Field(max_length=TITLE_LIMIT)
    tool: str | None = None
    depends_on: list[int] = Field(default_factory=list)


class ModelPlan(BaseModel):
    """A plan exactly as the model writes it, before ids are made unique."""

    steps: list[ModelPlanStep]


def plan_schema(
    tool_names: Sequence[str],
    max_steps: int,
    *,
    min_steps: int = 1,
) -> JsonSchema:
    """Tool names are an enum of the registered tools (or none); ids are small bounded
    integers. No step is made to use a tool: the plan may always say none."""
    ids = list(range(1, max_steps + 1))
    step: JsonSchema = {
        "type": "object",
        "properties": {
            "id": {"enum": ids},
            # The tool comes before the title: a small model picks it while the goal is
            # still the most recent text it read.
            "tool": {"enum": [*tool_names, None]},
            "title": {"type": "string", "minLength": 3, "maxLength": TITLE_LIMIT},
            "depends_on": {"type": "array", "items": {"enum": ids}, "maxItems": 3},
        },
        "required": ["id", "tool", "title", "depends_on"],
        "additionalProperties": False,
    }
    steps: JsonSchema = {
        "type": "array",
        "items": step,
        "minItems": min_steps,
        "maxItems": max_steps,
    }
    return {
        "type": "object",
        "properties": {"steps": steps},
        "required": ["steps"],
        "additionalProperties": False,
    }


def normalize_plan(
    plan: ModelPlan, known_tools: Iterable[str], *, first_id: int = 1
) -> tuple[list[PlanStep], list[str]]:
    """Renumber steps from `first_id`, keep only backward dependencies, drop unknown tools.

    Returns the clean steps and a note for each repair, so nothing is silently changed.
    """
    known = set(known_tools)
    notes: list[str] = []
    renumber: dict[int, int] = {}
    first_of: dict[tuple[str, str | None], int] = {}
    steps: list[PlanStep] = []
    for raw in plan.steps:
        # "Step 2: Book a hotel" -> "Book a hotel": small models copy the step prompt's form
        title = _STEP_PREFIX.sub("", raw.title).strip() or raw.title.strip()
        key = (title.lower(), raw.tool)
        if key in first_of:  # small models repeat a step verbatim; doing it twice helps nobody
            notes.append(f"dropped a repeat of step {title!r}")
            renumber.setdefault(raw.id, first_of[key])
            continue
        new_id = first_id + len(steps)
        tool = raw.tool
        if tool is not None and tool not in known:
            notes.append(f"step {new_id} suggested unknown tool {tool!r}; it was dropped")
            tool = None
        deps = sorted({renumber[d] for d in raw.depends_on if d in renumber})
        renumber.setdefault(raw.id, new_id)
        first_of[key] = new_id
        steps.append(PlanStep(id=new_id, title=title, tool=tool, depends_on=deps))
    return steps, notes


def next_ready(plan: Sequence[PlanStep], finished: set[int]) -> PlanStep | None:
    """The first unfinished step whose dependencies are all finished."""
    pending = [step for step in plan if step.id not in finished]
    for step in pending:
        if all(dep in finished for dep in step.depends_on):
            return step
    return pending[0] if pending else None  # dependencies only point backwards; defensive


def plan_json(steps: Sequence[PlanStep]) -> dict[str, Any]:
    """The plan as the model writes it (same key order), so the KV cache keeps matching."""
    return {
        "steps": [
            {"id": s.id, "tool": s.tool, "title": s.title, "depends_on": s.depends_on}
            for s in steps
        ]
    }
