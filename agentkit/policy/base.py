"""The decision-policy seam: everything that shapes a model request.

The loop (`agentkit.run.loop`) is mechanism only: it runs the plan and its steps,
budgets, loop detection, events, the journal and resume. At each point where the
model is asked something it asks its `Policy`, which decides what the request looks
like and what the reply means:

- `offer`: which tools to offer for a goal, and a preamble for the transcript;
- `plan_request`, `decision_request`, `answer_request`: the three model requests;
- `observe`: whether an observation finishes its step;
- `finish_answer`: the answer text and its citations from the answer reply.

`plain` (agentkit.policy.plain) suits capable models; `small` (agentkit.policy.small)
is composed of aids, one module each in agentkit.policy.aids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from agentkit.llm.base import Message
from agentkit.run.recorder import ModelRequest

if TYPE_CHECKING:
    from agentkit.config import Settings
    from agentkit.events import ObservationMade, PlanStep
    from agentkit.prompts import PromptRenderer
    from agentkit.run.state import RunState
    from agentkit.run.transcript import Transcript
    from agentkit.tool import ToolDefinition

__all__ = ["Offer", "Policy", "RunView"]


@dataclass(frozen=True)
class Offer:
    """What a run shows the model: the tools it may call (best first) and the messages
    that follow the system prompt in the transcript's stable prefix."""

    tools: list[ToolDefinition]
    preamble: list[Message] = field(default_factory=list)


@dataclass
class RunView:
    """What a policy reads to shape a request: the run's facts and its transcript."""

    goal: str
    settings: Settings
    renderer: PromptRenderer
    state: RunState
    transcript: Transcript
    tools: list[ToolDefinition]  # offered

    def tool(self, name: str | None) -> ToolDefinition | None:
        return next((t for t in self.tools if t.name == name), None)


class Policy(Protocol):
    name: str

    def offer(self, goal: str, usable: Sequence[ToolDefinition]) -> Offer: ...

    def plan_request(self, run: RunView) -> ModelRequest: ...

    def decision_request(self, run: RunView, step: PlanStep) -> ModelRequest: ...

    def observe(self, run: RunView, step: PlanStep, observation: ObservationMade) -> bool:
        """True when this observation finishes `step` with its text as the result."""
        ...

    def answer_request(self, run: RunView, forced: str | None) -> ModelRequest: ...

    def finish_answer(self, run: RunView, reply: Any) -> tuple[str, list[str]]: ...
