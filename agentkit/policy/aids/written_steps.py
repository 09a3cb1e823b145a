"""Aid `written_steps`: a step planned without a tool gets one decision, its written
result (the grammar allows only "done"), asked from the transcript up to the plan plus
the step's request: a 135M model shown its earlier step results repeats the last one
word for word. A plan made without any tool has at least MIN_STEPS steps, so an open
goal is still broken down into parts worth writing."""

from __future__ import annotations

from agentkit.decision import Action, decision_schema
from agentkit.events import PlanStep
from agentkit.policy.base import RunView
from agentkit.run.recorder import ModelRequest
from agentkit.run.transcript import append

__all__ = ["ACTIONS", "MIN_STEPS", "applies", "request"]

MIN_STEPS = 2
ACTIONS: tuple[Action, ...] = ("done",)


def applies(run: RunView, step: PlanStep) -> bool:
    first_try = run.state.step_failures == 0 and run.state.last_call is None
    return step.tool is None and first_try


def request(run: RunView, step: PlanStep) -> ModelRequest:
    prompt = run.transcript.step_prompt(step)
    messages = append(run.transcript.through_plan(), "user", prompt)
    return ModelRequest("decide", messages, decision_schema([], actions=ACTIONS))
