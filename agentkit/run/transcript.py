"""The chat transcript the model sees, rendered from a run's events.

The prefix is stable and append-only (system with the offered tools, the policy's
preamble such as worked demonstrations, the plan request, the plan, then each step's
history), so llama.cpp reuses its KV cache from one step to the next, and a resumed run
renders exactly the prompt it had. Untrusted text only ever appears fenced.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agentkit.events import (
    Event,
    MemoryItemRef,
    MemoryRetrieved,
    ObservationMade,
    PlanMade,
    PlanStep,
    Replanned,
    StepFinished,
    StepStarted,
    ToolCalled,
)
from agentkit.llm.base import Message
from agentkit.plan import plan_json
from agentkit.run.state import memory_ref, observation_ref
from agentkit.run.untrusted import fence

if TYPE_CHECKING:
    from agentkit.decision import ToolSpec
    from agentkit.prompts import PromptRenderer
    from agentkit.tool import ToolDefinition

__all__ = ["MAX_PLAN_STEPS", "Transcript", "append", "compact", "tool_hint"]

MAX_PLAN_STEPS = 6
PROMPT_OBSERVATION_CHARS = 700
RESULT_CHARS = 200  # of each result listed in a short prompt


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def append(messages: Sequence[Message], role: str, content: str) -> list[Message]:
    """A new list with `content` added; consecutive user turns merge so roles alternate."""
    out = list(messages)
    if role == "user" and out and out[-1].role == "user":
        out[-1] = Message(role="user", content=f"{out[-1].content}\n\n{content}")
    else:
        out.append(Message(role=role, content=content))  # type: ignore[arg-type]
    return out


def _signature(parameters: dict[str, Any]) -> str:
    props: dict[str, Any] = parameters.get("properties", {})
    required = set(parameters.get("required", []))
    parts = []
    for name, schema in props.items():
        kind = schema.get("type", "any") if isinstance(schema, dict) else "any"
        parts.append(f"{name}: {kind}" + ("" if name in required else "?"))
    return ", ".join(parts)


def tool_hint(spec: ToolSpec | None) -> dict[str, Any] | None:
    """A tool's name and each argument's description, for a step or call prompt."""
    if spec is None:
        return None
    props: dict[str, Any] = spec.parameters.get("properties", {})
    arguments = [
        {
            "name": arg,
            "description": str(sub.get("description", sub.get("type", "value"))).rstrip("."),
        }
        for arg, sub in props.items()
        if isinstance(sub, dict)
    ]
    return {"name": spec.name, "arguments": arguments}


class Transcript:
    """Messages folded from events; `apply` mirrors `RunState.apply`."""

    def __init__(
        self,
        goal: str,
        tools: Sequence[ToolDefinition],
        renderer: PromptRenderer,
        marker: str,
        preamble: Sequence[Message] = (),
    ) -> None:
        self.goal = goal
        self.renderer = renderer
        self.marker = marker
        self.tools = list(tools)
        self.tool_names = [t.name for t in tools]
        system = renderer.render(
            "system",
            marker=marker,
            tools=[
                {
                    "name": t.name,
                    "signature": _signature(t.parameters),
                    "description": t.description,
                }
                for t in tools
            ],
        )
        self.system = Message(role="system", content=system)
        self.messages: list[Message] = [self.system, *preamble]
        self._plans = 0
        self._replanning = False
        self._step_memory: list[MemoryItemRef] = []
        self._goal_memory: list[MemoryItemRef] = []
        self._planned: dict[int, PlanStep] = {}
        self._plan_end = len(self.messages)
        self._done: list[PlanStep] = []

    # -- rendering pieces the policies share -------------------------------------------

    def fence(self, label: str, text: str) -> str:
        return fence(self.marker, label, text)

    def memory_block(self, items: Sequence[MemoryItemRef]) -> str:
        if not items:
            return ""
        rows = "\n".join(
            f"[{memory_ref(i.id)}] ({i.kind}, source: {i.source}) {i.text}" for i in items
        )
        fenced = self.fence("memory (retrieved context, may be wrong or outdated)", rows)
        return self.renderer.render("memory", fenced=fenced)

    def results_block(
        self, observations: Sequence[ObservationMade], chars: int = RESULT_CHARS
    ) -> str:
        """Successful results, each fenced and labelled with its ref and tool."""
        rows = [(observation_ref(o.index), o.tool, o.text[:chars]) for o in observations if o.ok]
        return self.fenced_results(rows)

    def fenced_results(self, rows: Sequence[tuple[str, str, str]]) -> str:
        """(ref, tool, text) rows as fenced blocks, for results real or worked."""
        return "\n".join(self.fence(f"{ref} from tool {tool}", text) for ref, tool, text in rows)

    def plan_prompt(self, goal: str | None = None, memory: Sequence[MemoryItemRef] = ()) -> str:
        return self.renderer.render(
            "plan",
            goal=goal or self.goal,
            memory=self.memory_block(memory),
            max_steps=MAX_PLAN_STEPS,
            tool_names=self.tool_names,
        )

    def step_prompt(self, step: PlanStep, memory: Sequence[MemoryItemRef] = ()) -> str:
        spec = next((t for t in self.tools if t.name == step.tool), None)
        return self.renderer.render(
            "step",
            goal=self.goal,
            step=step,
            tool=tool_hint(spec),
            memory=self.memory_block(memory),
        )

    def plan_request(self) -> list[Message]:
        """The transcript, ending in the plan request (a re-plan's request is in it)."""
        if self._replanning:
            return list(self.messages)
        return append(self.messages, "user", self.plan_prompt(memory=self._goal_memory))

    def through_plan(self) -> list[Message]:
        """The transcript up to the latest plan: the part every step shares."""
        return list(self.messages[: self._plan_end])

    # -- folding -----------------------------------------------------------------------

    def _say(self, role: str, content: str) -> None:
        self.messages = append(self.messages, role, content)

    def apply(self, event: Event) -> None:
        match event:
            case MemoryRetrieved(step_id=None, items=items):
                self._goal_memory = list(items)
            case MemoryRetrieved(items=items):
                self._step_memory = list(items)
            case PlanMade(steps=steps):
                if not self._replanning:
                    self._say("user", self.plan_prompt(memory=self._goal_memory))
                self._say("assistant", compact(plan_json(steps)))
                self._planned.update({s.id: s for s in steps})
                self._plan_end = len(self.messages)
                self._replanning = False
            case StepStarted(step_id=step_id, title=title):
                step = self._planned.get(step_id) or PlanStep(id=step_id, title=title)
                self._say("user", self.step_prompt(step, self._step_memory))
                self._step_memory = []
            case ToolCalled(tool=tool, arguments=arguments):
                call = {"action": "call", "calls": [{"tool": tool, "arguments": arguments}]}
                self._say("assistant", compact(call))
            case ObservationMade():
                text = event.text
                if len(text) > PROMPT_OBSERVATION_CHARS:
                    text = text[:PROMPT_OBSERVATION_CHARS] + f"…[{len(text)} chars, truncated]"
                label = f"observation {observation_ref(event.index)} from tool {event.tool}"
                status = "ok" if event.ok else "error"
                prompt = self.renderer.render(
                    "observation",
                    fenced=self.fence(f"{label} ({status})", text),
                    ok=event.ok,
                    repeated=event.error == "repeated",
                )
                self._say("user", prompt)
            case StepFinished(step_id=step_id, result=result, auto=auto):
                if step_id in self._planned:
                    self._done.append(self._planned[step_id])
                if not auto:
                    self._say("assistant", compact({"action": "done", "result": result}))
            case Replanned(reason=reason, cause=cause):
                if cause == "model":
                    self._say("assistant", compact({"action": "replan", "reason": reason}))
                self._say("user", self.renderer.render("replan", reason=reason, done=self._done))
                self._replanning = True
