"""Run state folded from events, including the chat transcript the model sees.

The transcript is a pure function of the events, so a resumed run rebuilds exactly
the prompt it had, and the prompt only ever grows at its end (system, tools, goal,
plan, then history): llama.cpp keeps its KV cache across steps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agentkit.decision import ToolSpec
from agentkit.events import (
    Answered,
    Event,
    MemoryItemRef,
    MemoryRetrieved,
    ModelCalled,
    ObservationMade,
    PlanMade,
    PlanStep,
    Replanned,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    ToolCalled,
)
from agentkit.llm.base import Message, Usage
from agentkit.plan import plan_json
from agentkit.prompts import AnswerExample, PlanExample, PromptRenderer

if TYPE_CHECKING:
    from agentkit.tool import ToolDefinition

__all__ = ["RunState", "call_key", "memory_ref", "observation_ref"]

PROMPT_OBSERVATION_CHARS = 700
QUOTE_CHARS = 300  # longer results stay as their [obs-N] reference in an answer
_QUOTE = re.compile(r"\[(obs-\d+)\]")  # how an answer quotes a result by its ref


def observation_ref(index: int) -> str:
    return f"obs-{index}"


def memory_ref(item_id: str) -> str:
    return f"mem-{item_id[:8]}"


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _append(messages: Sequence[Message], role: str, content: str) -> list[Message]:
    """A new list with `content` added; consecutive user turns merge so roles alternate."""
    out = list(messages)
    if role == "user" and out and out[-1].role == "user":
        out[-1] = Message(role="user", content=f"{out[-1].content}\n\n{content}")
    else:
        out.append(Message(role=role, content=content))  # type: ignore[arg-type]
    return out


def call_key(tool: str, arguments: dict[str, Any]) -> tuple[str, str]:
    """Identity of a tool call, for detecting identical repeats."""
    return tool, json.dumps(arguments, ensure_ascii=False, sort_keys=True)


def _signature(parameters: dict[str, Any]) -> str:
    props: dict[str, Any] = parameters.get("properties", {})
    required = set(parameters.get("required", []))
    parts = []
    for name, schema in props.items():
        kind = schema.get("type", "any") if isinstance(schema, dict) else "any"
        parts.append(f"{name}: {kind}" + ("" if name in required else "?"))
    return ", ".join(parts)


def _quotes_only(example: AnswerExample) -> bool:
    """Whether an answer example answers from tool results alone, by quoting them."""
    return bool(example.results) and not example.steps


class RunState:
    def __init__(
        self,
        goal: str,
        tools: Sequence[ToolDefinition],
        renderer: PromptRenderer,
        *,
        focused: bool = False,
        plan_lead: Sequence[Sequence[str] | None] = (),
    ) -> None:
        self.goal = goal
        self.renderer = renderer
        self.definitions: list[ToolSpec] = list(tools)
        self.tool_examples = {t.name: t.examples for t in tools}
        self.tool_names = [t.name for t in tools]
        self.events: list[Event] = []
        self.plan: list[PlanStep] = []
        self.finished: dict[int, str] = {}
        self.written: dict[int, str] = {}  # results the model wrote, by step id
        self.current: PlanStep | None = None
        self.observations: list[ObservationMade] = []
        self.memory: dict[str, MemoryItemRef] = {}
        self.goal_memory: list[MemoryItemRef] = []
        self.step_memory: list[MemoryItemRef] = []
        self.usage = Usage()
        self.decisions = 0
        self.replans = 0
        self.step_failures = 0
        self.repeats = 0
        self.last_call: tuple[str, str] | None = None
        self.pending_call: ToolCalled | None = None
        self.awaiting_plan = False
        self.plan_lead = list(plan_lead)  # tools of the first plan's first steps (routing)
        self.failed_tool: str | None = None  # its repeated failure forced the pending re-plan
        self.status: str = "running"
        self.answer: Answered | None = None
        system = renderer.render(
            "system",
            tools=[
                {
                    "name": t.name,
                    "signature": _signature(t.parameters),
                    "description": t.description,
                }
                for t in tools
            ],
        )
        self.messages: list[Message] = [Message(role="system", content=system)]
        self.focused = focused
        # Loaded now so that a broken examples file stops the run before any tool acts.
        self.answer_examples = renderer.answer_examples() if focused else []
        if focused and not tools:  # a stable part of the prefix, like the system prompt
            for example in renderer.plan_examples():
                self._worked_example(example)

    # -- transcript ---------------------------------------------------------------

    def _worked_example(self, example: PlanExample) -> None:
        """A whole tool-less run in the transcript: plan request, plan, and each step's
        request and written result, rendered by the same templates as the real run."""
        steps = [
            PlanStep(id=i, title=s.title, tool=None, depends_on=[i - 1] if i > 1 else [])
            for i, s in enumerate(example.steps, 1)
        ]
        plan = self.renderer.render(
            "plan", goal=example.goal, memory="", max_steps=6, tool_names=[]
        )
        self._say("user", plan)
        self._say("assistant", _compact(plan_json(steps)))
        for step, worked in zip(steps, example.steps, strict=True):
            request = self.renderer.render(
                "step", goal=example.goal, step=step, tool=None, memory=""
            )
            self._say("user", request)
            self._say("assistant", _compact({"action": "done", "result": worked.result}))

    def _say(self, role: str, content: str) -> None:
        self.messages = _append(self.messages, role, content)

    def _tool_hint(self, spec: ToolSpec | None) -> dict[str, Any] | None:
        """The step's tool with each argument's description, for the step prompt."""
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

    def _memory_block(self, items: Sequence[MemoryItemRef]) -> str:
        if not items:
            return ""
        rows = [{"ref": memory_ref(i.id), **i.model_dump()} for i in items]
        return self.renderer.render("memory", items=rows)

    def plan_request(self) -> list[Message]:
        if self.plan or self.awaiting_plan:
            return list(self.messages)
        return [*self.messages, Message(role="user", content=self._plan_prompt())]

    def _plan_prompt(self) -> str:
        return self.renderer.render(
            "plan",
            goal=self.goal,
            memory=self._memory_block(self.goal_memory),
            max_steps=6,
            tool_names=self.tool_names,
        )

    def _results(self) -> list[dict[str, Any]]:
        return [
            {"ref": observation_ref(o.index), "tool": o.tool, "text": o.text[:200]}
            for o in self.observations
            if o.ok
        ]

    def request_texts(self, step: PlanStep) -> list[str]:
        """What a step's verbatim arguments are copied from: the goal, the step's title and
        the short results so far."""
        return [self.goal, step.title, *self._short_results().values()]

    def replan_lead(self) -> list[list[str | None]]:
        """The first step of a re-plan forced by a tool's repeated failure uses another
        tool, or none: a small model otherwise plans the same call again."""
        if self.failed_tool is None:
            return []
        return [[*(name for name in self.tool_names if name != self.failed_tool), None]]

    def definition(self, name: str | None) -> ToolSpec | None:
        return next((t for t in self.definitions if t.name == name), None)

    def call_request(
        self, step: PlanStep, tool: ToolSpec, *, failed: ObservationMade | None = None
    ) -> list[Message]:
        """A short prompt for a step's call of `tool`: system, goal, results, step, and the
        error of the call that just failed, if any, after the tool's worked examples. A tiny
        model copies argument values far better without the whole transcript; the system
        prompt is still the cached prefix."""
        hint = self._tool_hint(tool)
        messages = [self.messages[0]]
        offered = set(tool.parameters.get("properties", {}))
        for example in self.tool_examples.get(tool.name, []):
            shown = self.renderer.render(
                "call",
                goal=example.goal,
                step={"id": 1, "title": example.goal},
                tool=hint,
                results=[],
                error="",
            )
            arguments = {k: v for k, v in example.arguments.items() if k in offered}
            reply = {"action": "call", "calls": [{"tool": tool.name, "arguments": arguments}]}
            messages += [
                Message(role="user", content=shown),
                Message(role="assistant", content=_compact(reply)),
            ]
        prompt = self.renderer.render(
            "call",
            goal=self.goal,
            step=step,
            tool=hint,
            results=self._results(),
            error=failed.text[:300] if failed is not None else "",
        )
        return [*messages, Message(role="user", content=prompt)]

    def _worked_steps(self) -> list[dict[str, Any]]:
        """Finished steps whose result the model wrote (tool steps show up as results)."""
        return [
            {"id": s.id, "title": s.title, "result": self.written[s.id]}
            for s in self.plan
            if s.id in self.written
        ]

    def answer_request(self, forced: str | None, *, quoting: bool = False) -> list[Message]:
        """The final-answer request: the whole transcript, or (focused) the system prompt,
        the worked examples from answer_examples.yaml and the step results alone. `quoting`:
        the answer is made of quoted results (see `quotable`)."""
        prompt = self.renderer.render(
            "answer",
            goal=self.goal,
            steps=self._worked_steps(),
            results=self._results(),
            forced=forced or "",
            quoting=quoting,
        )
        if not self.focused:
            return _append(self.messages, "user", prompt)
        messages = [self.messages[0]]
        # Only examples of the kind of answer asked for: quotes teach a free answer to
        # write "[destination]".
        same_kind = [e for e in self.answer_examples if _quotes_only(e) == quoting]
        for example in same_kind:
            results = [
                {"ref": observation_ref(i), "tool": r.tool, "text": r.text}
                for i, r in enumerate(example.results, 1)
            ]
            steps = [
                {"id": i, "title": step.title, "result": step.result}
                for i, step in enumerate(example.steps, 1)
            ]
            shown = self.renderer.render(
                "answer",
                goal=example.goal,
                steps=steps,
                results=results,
                forced="",
                quoting=quoting,
            )
            reply = {"answer": example.answer, "citations": example.citations}
            messages += [
                Message(role="user", content=shown),
                Message(role="assistant", content=_compact(reply)),
            ]
        return [*messages, Message(role="user", content=prompt)]

    def _short_results(self) -> dict[str, str]:
        """Successful results short enough to quote, by ref."""
        texts = {observation_ref(o.index): o.text.strip() for o in self.observations if o.ok}
        return {ref: text for ref, text in texts.items() if len(text) <= QUOTE_CHARS}

    def quoted_answer(self, draft: str) -> tuple[str, list[str]]:
        """The answer a quoting draft (see `quotable`) stands for: the texts of its `[obs-N]`
        joined by " and ", each text once; returns it and the refs used."""
        texts = self._short_results()
        used: dict[str, str] = {}
        for ref in _QUOTE.findall(draft):
            if ref in texts and texts[ref] not in used.values():
                used[ref] = texts[ref]
        return " and ".join(used.values()), list(used)

    def expand_quotes(self, answer: str) -> tuple[str, list[str]]:
        """Replace each `[obs-N]` in `answer` with that observation's exact text (when short
        enough to quote); returns the new text and the refs quoted. A small model copies an
        id far more reliably than a long number."""
        texts = self._short_results()
        quoted: list[str] = []

        def quote(match: re.Match[str]) -> str:
            ref = match.group(1)
            text = texts.get(ref)
            if text is None:
                return match.group(0)
            quoted.append(ref)
            return text

        return _QUOTE.sub(quote, answer), quoted

    def quotable(self) -> list[str]:
        """Refs a focused answer is made of: successful tool results short enough to quote.
        None when the evidence is not all tool results (the model wrote a step result, or
        memory was retrieved): the answer must then put it in words."""
        if not self.focused or self.written or self.memory:
            return []
        return list(self._short_results())

    def citable(self) -> list[str]:
        refs = [observation_ref(o.index) for o in self.observations if o.ok]
        return refs + [memory_ref(i) for i in self.memory]

    # -- folding ------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        self.events.append(event)
        match event:
            case RunStarted():
                self.status = "running"
            case MemoryRetrieved(step_id=None, items=items):
                self.goal_memory = list(items)
                self.memory.update({i.id: i for i in items})
            case MemoryRetrieved(items=items):
                self.step_memory = list(items)
                self.memory.update({i.id: i for i in items})
            case PlanMade(steps=steps):
                if not self.awaiting_plan:
                    self._say("user", self._plan_prompt())
                self._say("assistant", _compact(plan_json(steps)))
                done = [s for s in self.plan if s.id in self.finished]
                self.plan = done + list(steps)
                self.awaiting_plan = False
                self.failed_tool = None
                self.current = None
            case StepStarted(step_id=step_id):
                self.current = next(s for s in self.plan if s.id == step_id)
                self.step_failures = 0
                prompt = self.renderer.render(
                    "step",
                    goal=self.goal,
                    step=self.current,
                    tool=self._tool_hint(self.definition(self.current.tool)),
                    memory=self._memory_block(self.step_memory),
                )
                self.step_memory = []
                self._say("user", prompt)
            case ModelCalled(usage=usage, purpose=purpose):
                self.usage = self.usage + usage
                self.decisions += purpose == "decide"
            case ToolCalled(tool=tool, arguments=arguments):
                self._say(
                    "assistant",
                    _compact({"action": "call", "calls": [{"tool": tool, "arguments": arguments}]}),
                )
                self.pending_call = event
                key = call_key(tool, arguments)
                self.repeats = self.repeats + 1 if key == self.last_call else 0
                self.last_call = key
            case ObservationMade():
                self.pending_call = None
                self.observations.append(event)
                if not event.ok:
                    self.step_failures += 1
                text = event.text
                if len(text) > PROMPT_OBSERVATION_CHARS:
                    text = text[:PROMPT_OBSERVATION_CHARS] + f"…[{len(text)} chars, truncated]"
                prompt = self.renderer.render(
                    "observation",
                    ref=observation_ref(event.index),
                    tool=event.tool,
                    ok=event.ok,
                    text=text,
                    repeated=event.error == "repeated",
                )
                self._say("user", prompt)
            case StepFinished(step_id=step_id, result=result, auto=auto):
                self.finished[step_id] = result
                if not auto:
                    self.written[step_id] = result
                self.current = None
                self.last_call = None
                if not auto:
                    self._say("assistant", _compact({"action": "done", "result": result}))
            case Replanned(reason=reason, cause=cause):
                self.replans += 1
                if cause in ("failures", "loop") and self.observations:
                    self.failed_tool = self.observations[-1].tool
                self.last_call = None
                self.repeats = 0
                if cause == "model":
                    self._say("assistant", _compact({"action": "replan", "reason": reason}))
                done = [s for s in self.plan if s.id in self.finished]
                self._say("user", self.renderer.render("replan", reason=reason, done=done))
                self.awaiting_plan = True
                self.current = None
            case Answered():
                self.answer = event
            case RunFinished(status=status):
                self.status = status

    @property
    def next_seq(self) -> int:
        return self.events[-1].seq + 1 if self.events else 0

    @property
    def tool_calls(self) -> int:
        return len(self.observations)
