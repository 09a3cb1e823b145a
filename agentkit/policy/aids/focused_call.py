"""Aid `focused_call`: a step planned around a tool starts with a short request for that
tool's call (system, the tool's worked examples, goal, results, step), with only its
required arguments (the optional ones keep their defaults), and once more after a
retryable error. A tiny model copies values far better without the whole transcript.
The model chose the tool itself when it planned the step (the plan may always say
none), so this request only asks for the arguments: offered a way out here as well, a
135M model takes it ("done" with an invented result) instead of calling the tool."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agentkit.decision import Action, decision_schema, required_only
from agentkit.events import ObservationMade, PlanStep
from agentkit.llm.base import Message
from agentkit.policy.base import RunView
from agentkit.run.recorder import ModelRequest
from agentkit.run.transcript import tool_hint
from agentkit.tool import ToolDefinition

__all__ = ["ACTIONS", "RETRYABLE_ERRORS", "applies", "request"]

RETRYABLE_ERRORS = frozenset({"invalid_arguments", "exception", "timeout"})
ACTIONS: tuple[Action, ...] = ("call",)


@dataclass(frozen=True)
class _Spec:
    name: str
    parameters: dict[str, Any]


def _failed(run: RunView, step: PlanStep) -> ObservationMade | None:
    """The planned tool's retryable failure this step, if that is all that happened."""
    state = run.state
    last = state.observations[-1] if state.observations else None
    if state.step_failures == 1 and last is not None and last.tool == step.tool:
        return last if last.error in RETRYABLE_ERRORS else None
    return None


def written_steps(run: RunView) -> list[dict[str, str]]:
    """Results the model wrote for earlier steps (a poem to save, a summary to store)."""
    return [
        {"title": s.title, "result": run.state.written[s.id]}
        for s in run.state.plan
        if s.id in run.state.written
    ]


def applies(run: RunView, step: PlanStep) -> bool:
    if run.tool(step.tool) is None:
        return False
    first_try = run.state.step_failures == 0 and run.state.last_call is None
    return first_try or _failed(run, step) is not None


def _as_shown(run: RunView, step: PlanStep) -> PlanStep:
    """The step as the call prompt shows it: a plan of one step is the goal itself. Its
    title is the model's paraphrase, and a 135M model's paraphrase of "What is 45 * 45?"
    was "Add 45 to 20", which the call then copied. (The tool's worked examples show the
    same: their step is their goal.)"""
    if len(run.state.plan) == 1:
        return step.model_copy(update={"title": run.goal})
    return step


def request(run: RunView, step: PlanStep) -> ModelRequest:
    tool = run.tool(step.tool)
    assert tool is not None  # applies() was checked
    step = _as_shown(run, step)
    failed = _failed(run, step)
    parameters = required_only(tool.parameters)
    spec = _Spec(tool.name, parameters)
    schema = decision_schema([spec], actions=ACTIONS)
    return ModelRequest(
        "decide", _messages(run, step, tool, spec, failed), schema, repeat_penalty=1.0
    )


def _messages(
    run: RunView,
    step: PlanStep,
    tool: ToolDefinition,
    spec: _Spec,
    failed: ObservationMade | None,
) -> list[Message]:
    hint = tool_hint(spec)
    offered = set(spec.parameters.get("properties", {}))
    messages = [run.transcript.system]
    for example in tool.examples:
        shown = run.renderer.render(
            "call",
            goal=example.goal,
            step={"id": 1, "title": example.goal},
            tool=hint,
            steps=[],
            results="",
            error="",
        )
        arguments = {k: v for k, v in example.arguments.items() if k in offered}
        reply = {"action": "call", "calls": [{"tool": tool.name, "arguments": arguments}]}
        messages += [
            Message(role="user", content=shown),
            Message(role="assistant", content=json.dumps(reply, ensure_ascii=False)),
        ]
    error = ""
    if failed is not None:
        error = run.transcript.fence(f"error from tool {tool.name}", failed.text[:300])
    prompt = run.renderer.render(
        "call",
        goal=run.goal,
        step=step,
        tool=hint,
        steps=written_steps(run),
        results=run.transcript.results_block(run.state.observations),
        error=error,
    )
    return [*messages, Message(role="user", content=prompt)]
