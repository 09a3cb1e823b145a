"""Aid `composed_answer`: the answer to a goal worked out in written steps (a plan, an
itinerary, advice, a summary) is those step results, one section per step, followed by
the tool results the model's answer quoted. A 135M model asked for a final answer
compresses good step results into one vague sentence, often borrowed from a worked
example; the step results are the substance, so they are the answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agentkit.events import PlanStep

__all__ = ["compose"]


def compose(plan: Sequence[PlanStep], written: Mapping[int, str], draft: str = "") -> str:
    """The written step results as sections; `draft` (the model's answer) only when
    no step was written."""
    sections = [f"- {step.title}: {written[step.id]}" for step in plan if step.id in written]
    return "\n".join(sections) if sections else draft
