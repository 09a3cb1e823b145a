"""Aid `composed_answer`: the answer to a goal worked out in written steps (a plan, an
itinerary, advice) carries each step's result, one section per step, after the model's
own summary. A 135M model asked for an answer compresses five good step results into one
vague sentence; the step results are the substance, so they are kept whole."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agentkit.events import PlanStep

__all__ = ["compose"]


def compose(summary: str, plan: Sequence[PlanStep], written: Mapping[int, str]) -> str:
    sections = [f"{step.title}: {written[step.id]}" for step in plan if step.id in written]
    if not sections:
        return summary
    body = "\n".join(f"- {section}" for section in sections)
    return f"{summary}\n\n{body}" if summary else body
