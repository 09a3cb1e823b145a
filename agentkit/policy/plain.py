"""The plain policy, for capable models: the whole transcript, every offered tool, free
answers. The model decides everything; nothing is fixed for it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agentkit.decision import Action, decision_schema
from agentkit.plan import plan_schema
from agentkit.policy.base import Offer, RunView
from agentkit.policy.schemas import answer_schema
from agentkit.run.recorder import ModelRequest
from agentkit.run.transcript import MAX_PLAN_STEPS, append

if TYPE_CHECKING:
    from agentkit.events import ObservationMade, PlanStep
    from agentkit.tool import ToolDefinition

__all__ = ["ANSWER_LIMIT", "PlainPolicy", "answer_prompt"]

ANSWER_LIMIT = 2000  # characters: room for a day-by-day plan


def answer_prompt(run: RunView, forced: str | None, *, quoting: bool = False) -> str:
    steps = [
        {"id": s.id, "title": s.title, "result": run.state.written[s.id]}
        for s in run.state.plan
        if s.id in run.state.written
    ]
    return run.renderer.render(
        "answer",
        goal=run.goal,
        steps=steps,
        results=run.transcript.results_block(run.state.observations),
        forced=forced or "",
        quoting=quoting,
    )


class PlainPolicy:
    name = "plain"

    def offer(self, goal: str, usable: Sequence[ToolDefinition]) -> Offer:
        return Offer(list(usable))

    def plan_request(self, run: RunView) -> ModelRequest:
        names = [t.name for t in run.tools]
        schema = plan_schema(names, MAX_PLAN_STEPS, min_steps=1)
        return ModelRequest("plan", run.transcript.plan_request(), schema)

    def decision_request(self, run: RunView, step: PlanStep) -> ModelRequest:
        actions: tuple[Action, ...] = ("call", "done", "replan", "final")
        if not run.tools:
            actions = actions[1:]
        schema = decision_schema(run.tools, actions=actions)
        penalty = 1.0 if run.tools else None  # calls copy values from the prompt
        return ModelRequest("decide", run.transcript.messages, schema, repeat_penalty=penalty)

    def observe(self, run: RunView, step: PlanStep, observation: ObservationMade) -> bool:
        return False  # the model says when a step is done

    def answer_request(self, run: RunView, forced: str | None) -> ModelRequest:
        messages = append(run.transcript.messages, "user", answer_prompt(run, forced))
        schema = answer_schema(run.state.citable(), limit=ANSWER_LIMIT)
        return ModelRequest("answer", messages, schema, max_tokens=700)

    def finish_answer(self, run: RunView, reply: Any) -> tuple[str, list[str]]:
        return str(reply["answer"]).strip(), list(dict.fromkeys(reply.get("citations", [])))
