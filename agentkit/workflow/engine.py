"""Running a workflow: steps in order, yielding small progress records.

Each step's outcome lands in the template context as `steps.<id>` =
{output, ok, error, skipped}. A failed step stops the workflow unless it says
`on_error: continue`. Tool calls and model calls are journaled with the agent's own
event types, under one run of kind "workflow"; sub-agents journal their own runs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from agentkit.errors import AgentkitError, WorkflowError
from agentkit.events import (
    Event,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    ToolCalled,
)
from agentkit.llm.base import Message, Usage
from agentkit.run.recorder import Recorder
from agentkit.workflow.api import Session, tool_output
from agentkit.workflow.model import AgentStep, PromptStep, Step, ToolStep, Workflow
from agentkit.workflow.provenance import provenance
from agentkit.workflow.templates import evaluate, render

if TYPE_CHECKING:
    from agentkit.journal import Journal

__all__ = [
    "Engine",
    "Progress",
    "StepBegan",
    "StepEnded",
    "StepNote",
    "WorkflowResult",
    "resolve_inputs",
]

Status = Literal["succeeded", "failed", "interrupted"]


@dataclass(frozen=True)
class StepBegan:
    index: int  # 1-based
    total: int
    label: str
    items: int | None = None  # foreach length


@dataclass(frozen=True)
class StepNote:
    index: int
    text: str


@dataclass(frozen=True)
class StepEnded:
    index: int
    total: int
    label: str
    status: Literal["ok", "failed", "skipped"]
    seconds: float
    output: Any = None
    error: str | None = None


Progress = StepBegan | StepNote | StepEnded


class StepOutcome(BaseModel):
    output: Any = None
    ok: bool = True
    error: str | None = None
    skipped: bool = False


class WorkflowResult(BaseModel):
    run_id: str
    name: str
    status: Status
    outputs: dict[str, Any]
    steps: dict[str, StepOutcome]  # by id, or "#<n>" for steps without one
    error: str | None = None

    @property
    def exit_code(self) -> int:
        return {"succeeded": 0, "failed": 1, "interrupted": 130}[self.status]


class _StepFailed(Exception):
    def __init__(self, message: str, output: Any = None) -> None:
        super().__init__(message)
        self.output = output


_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _to_list(text: str) -> Any:
    if text.lstrip().startswith("["):
        return json.loads(text)
    return [part.strip() for part in text.split(",") if part.strip()]


_TYPES: dict[str, Callable[[str], Any]] = {
    "integer": int,
    "number": float,
    "boolean": lambda text: _BOOLS[text.lower()],
    "list": _to_list,
    "string": str,
}


def resolve_inputs(workflow: Workflow, given: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults overridden by `given`; strings (from --var) coerced to each input's type."""
    unknown = sorted(set(given) - set(workflow.inputs))
    if unknown:
        names = ", ".join(workflow.inputs) or "none"
        raise WorkflowError(
            f"unknown input {unknown[0]!r} for workflow {workflow.name}; inputs: {names}"
        )
    values: dict[str, Any] = {}
    for name, spec in workflow.inputs.items():
        value = given.get(name, spec.default)
        if value is None:
            raise WorkflowError(f"input {name!r} is required: pass --var {name}=...")
        if isinstance(value, str) and spec.type != "string":
            try:
                value = _TYPES[spec.type](value)
            except (ValueError, KeyError, json.JSONDecodeError):
                raise WorkflowError(
                    f"input {name!r} must be a {spec.type}, got {value!r}"
                ) from None
        values[name] = value
    return values


def _label(step: Step, index: int) -> str:
    if step.name or step.id:
        return str(step.name or step.id)
    match step:
        case ToolStep(tool=name):
            return f"tool {name}"
        case PromptStep():
            return "prompt"
        case _:
            return "agent"


class Engine:
    """Runs one workflow on a Session; `iter` yields progress and returns the result."""

    def __init__(self, workflow: Workflow, session: Session, *, journal: Journal | None = None):
        self.workflow = workflow
        self.session = session
        self.journal = journal if journal is not None else session.journal
        self._recorder = Recorder("", self.journal, seq=1)
        self._calls = 0
        self._usage = Usage()
        self._run_id = ""

    def preflight(self) -> None:
        """Every tool named by a step exists; checked before the first step runs."""
        tools = self.session.toolset
        for index, step in enumerate(self.workflow.steps, 1):
            names = [step.tool] if isinstance(step, ToolStep) else []
            names += (step.tools or []) if isinstance(step, AgentStep) else []
            for name in names:
                if name not in tools:
                    known = ", ".join(tools.names())
                    where = f"step {index} ({_label(step, index)})"
                    raise WorkflowError(f"{where}: no tool named {name!r}; available: {known}")

    def run(
        self, inputs: Mapping[str, Any], on_progress: Callable[[Progress], None] | None = None
    ) -> WorkflowResult:
        stream = self.iter(inputs)
        while True:
            try:
                item = next(stream)
            except StopIteration as stop:
                result: WorkflowResult = stop.value
                return result
            if on_progress is not None:
                on_progress(item)

    def iter(
        self, given: Mapping[str, Any], *, run_id: str | None = None
    ) -> Generator[Progress, None, WorkflowResult]:
        from agentkit.journal import new_run_id

        wf = self.workflow
        inputs = resolve_inputs(wf, given)
        self.preflight()
        self._run_id = run_id or new_run_id()
        self._recorder = Recorder(self._run_id, self.journal, seq=1)
        started = time.monotonic()
        goal = f"workflow {wf.name} {json.dumps(inputs, ensure_ascii=False, default=str)}"
        if self.journal is not None:
            self.journal.start_run(
                run_id=self._run_id,
                kind="workflow",
                goal=goal,
                model=self.session.model_name,
                settings=self.session.settings.model_dump(mode="json"),
            )
        self._emit(RunStarted(run_id=self._run_id, goal=goal, model=self.session.model_name))
        outcomes: dict[str, StepOutcome] = {}
        context: dict[str, Any] = {"inputs": inputs, "steps": {}}
        status: Status = "succeeded"
        error: str | None = None
        outputs: dict[str, Any] = {}
        try:
            for index, step in enumerate(wf.steps, 1):
                outcome = yield from self._step(index, step, context)
                outcomes[step.id or f"#{index}"] = outcome
                if step.id:
                    context["steps"][step.id] = outcome.model_dump()
                if not outcome.ok and step.on_error == "stop":
                    status, error = (
                        "failed",
                        f"step {index} ({_label(step, index)}) failed: {outcome.error}",
                    )
                    break
            if status == "succeeded":
                try:
                    outputs = {k: render(v, context) for k, v in wf.outputs.items()}
                except WorkflowError as exc:
                    status, error = "failed", f"outputs: {exc}"
        except KeyboardInterrupt:
            status, error = "interrupted", "interrupted by the user"
        answer = json.dumps(outputs, ensure_ascii=False, default=str)
        self._emit(
            RunFinished(
                run_id=self._run_id,
                status=status,
                answer=answer,
                usage=self._usage,
                wall_seconds=time.monotonic() - started,
                reason=error,
            )
        )
        return WorkflowResult(
            run_id=self._run_id,
            name=wf.name,
            status=status,
            outputs=outputs,
            steps=outcomes,
            error=error,
        )

    # -- one step ------------------------------------------------------------------------

    def _step(
        self, index: int, step: Step, context: dict[str, Any]
    ) -> Generator[Progress, None, StepOutcome]:
        total, label, started = len(self.workflow.steps), _label(step, index), time.monotonic()

        def ended(outcome: StepOutcome) -> StepOutcome:
            status = "skipped" if outcome.skipped else ("ok" if outcome.ok else "failed")
            result = f"{status}: {_preview(outcome.error or outcome.output)}"
            self._emit(StepFinished(run_id=self._run_id, step_id=index, result=result))
            return outcome

        try:
            if step.when is not None and not evaluate(step.when, context):
                yield StepEnded(index, total, label, "skipped", 0.0)
                return StepOutcome(skipped=True, output=None)
            items = None if step.foreach is None else evaluate(step.foreach, context)
        except WorkflowError as exc:
            yield StepEnded(index, total, label, "failed", 0.0, error=str(exc))
            return StepOutcome(ok=False, error=str(exc))
        if items is not None and not isinstance(items, list | tuple):
            message = f"foreach must give a list, got {type(items).__name__}"
            yield StepEnded(index, total, label, "failed", 0.0, error=message)
            return StepOutcome(ok=False, error=message)
        self._emit(StepStarted(run_id=self._run_id, step_id=index, title=label))
        yield StepBegan(index, total, label, None if items is None else len(items))
        if items is None:
            outcome = yield from self._attempt(index, step, context)
        else:
            outputs, errors = [], []
            for number, item in enumerate(items):
                one = yield from self._attempt(
                    index, step, {**context, "item": item, "index": number}
                )
                outputs.append(one.output)
                if not one.ok:
                    errors.append(f"item {number + 1}: {one.error}")
                    yield StepNote(index, f"item {number + 1}/{len(items)} failed: {one.error}")
                    if step.on_error == "stop":
                        break
            outcome = StepOutcome(output=outputs, ok=not errors, error="; ".join(errors) or None)
        seconds = time.monotonic() - started
        status: Literal["ok", "failed"] = "ok" if outcome.ok else "failed"
        yield StepEnded(index, total, label, status, seconds, outcome.output, outcome.error)
        return ended(outcome)

    def _attempt(
        self, index: int, step: Step, context: dict[str, Any]
    ) -> Generator[Progress, None, StepOutcome]:
        try:
            if isinstance(step, ToolStep):
                output = self._tool(index, step, context)
            elif isinstance(step, PromptStep):
                output = self._prompt(step, context)
            else:
                output = yield from self._agent(index, step, context)
        except _StepFailed as exc:
            return StepOutcome(ok=False, error=str(exc), output=exc.output)
        except AgentkitError as exc:  # templates, model errors, a refused tool list
            return StepOutcome(ok=False, error=str(exc))
        return StepOutcome(output=output)

    def _tool(self, index: int, step: ToolStep, context: dict[str, Any]) -> Any:
        from agentkit.checkpoints import checkpointer

        args = render(step.args, context)
        self._calls += 1
        call = self._recorder.tool_called(self._calls, index, step.tool, args)
        saver = checkpointer(
            self.journal,
            self._run_id,
            self._calls,
            index,
            provenance=provenance(step, args, context),
        )
        obs = self.session.tool(step.tool, args, run_id=self._run_id, checkpoints=saver)
        self._recorder.observed(
            call, ok=obs.ok, error=obs.error, text=obs.text, seconds=obs.seconds
        )
        if not obs.ok:
            raise _StepFailed(obs.text)
        return tool_output(obs.text)

    def _prompt(self, step: PromptStep, context: dict[str, Any]) -> Any:
        messages = (
            [Message(role="system", content=str(render(step.system, context)))]
            if step.system
            else []
        )
        messages.append(Message(role="user", content=str(render(step.prompt, context))))
        value, completion = self.session.generate(messages, step.output_schema, step.max_tokens)
        self._usage = self._usage + completion.usage
        self._recorder.completed("prompt", messages, completion)
        return value

    def _agent(
        self, index: int, step: AgentStep, context: dict[str, Any]
    ) -> Generator[Progress, None, Any]:
        from agentkit.result import RunResult

        goal = str(render(step.agent, context))
        agent = self.session.agent(
            tools=step.tools,
            max_steps=step.max_steps,
            max_time=step.max_time,
            max_tokens=step.max_tokens,
        )
        events: list[Event] = []
        stream: Iterator[Event] = agent.iter(goal)
        for event in stream:
            events.append(event)
            if isinstance(event, RunStarted):
                yield StepNote(index, f"agent run {event.run_id}")
            elif isinstance(event, ToolCalled):
                yield StepNote(index, f"-> {event.tool} {_preview(event.arguments)}")
        result = RunResult.from_events(events)
        self._usage = self._usage + Usage(
            prompt_tokens=result.usage.prompt_tokens,
            cached_prompt_tokens=result.usage.cached_prompt_tokens,
            completion_tokens=result.usage.completion_tokens,
            seconds=result.usage.llm_seconds,
            calls=result.usage.model_calls,
        )
        if result.status != "succeeded":
            raise _StepFailed(f"agent {result.status}: {result.reason}", output=result.answer)
        return result.answer

    def _emit(self, event: Event) -> None:
        self._recorder.emit(event)


def _preview(value: Any, limit: int = 100) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
