"""The planner loop: plan, execute each ready step with grammar-constrained decisions, answer.

`Agent.iter` yields typed events (agentkit.events); `Agent.run` returns a RunResult.
Model-caused problems (bad arguments, tool errors, repeated calls) go back to the
model as observations; budgets end the run with a best-effort answer.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentkit.config import Settings, load_settings
from agentkit.decision import (
    Action,
    CallTools,
    Decision,
    FinalAnswer,
    Replan,
    StepDone,
    copied_from,
    decision_schema,
    parse_decision,
    required_only,
)
from agentkit.errors import (
    AgentkitError,
    BudgetExceeded,
    JournalError,
    MemoryStoreError,
    ModelError,
    SchemaError,
)
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
from agentkit.llm.base import Message, Model
from agentkit.llm.structured import generate
from agentkit.plan import ModelPlan, next_ready, normalize_plan, plan_schema
from agentkit.prompts import PromptRenderer
from agentkit.result import RunResult
from agentkit.routing import goal_parts, goal_queries, rank_tools, select_tools
from agentkit.state import RunState, call_key

if TYPE_CHECKING:
    from agentkit.journal import Journal
    from agentkit.registry import Toolset
    from agentkit.tool import Approver, Tool, ToolContext, ToolDefinition

__all__ = ["Agent"]

log = logging.getLogger(__name__)

MAX_PLAN_STEPS = 6
# A part of a goal fixes its plan step's tool to its best match, or to the few within this
# margin of it: "What weekday was X" scores today 0.45 and weekday 0.43.
PART_MARGIN = 0.03
MIN_TOOLLESS_STEPS = 2  # a goal worked out without tools is still broken down
MAX_REPLANS = 2
MAX_STEP_FAILURES = 2
RETRYABLE_ERRORS = frozenset({"invalid_arguments", "exception", "timeout"})
MEMORY_TOOLS = frozenset({"memory_search", "remember"})
INTERACTIVE_TOOLS = frozenset({"ask_user"})
ANSWER_LIMIT = 300  # characters; the answer call's 400 tokens always fit it
MAX_QUOTES = 3  # results one quoting answer may join


class _GiveUp(Exception):
    """The loop cannot make progress; end as failed with a best-effort answer."""


def _answer_schema(refs: list[str], quotes: list[str]) -> dict[str, Any]:
    """Answer text plus cited refs. With `quotes` the answer is one to MAX_QUOTES of those
    results, written `[obs-N]` and joined by " and ": the model picks which results answer
    the goal and agentkit substitutes their exact text, so no observed value is garbled."""
    # `const: []` rather than maxItems 0: llama.cpp's converter treats a 0 bound as none.
    citations: dict[str, Any] = (
        {"type": "array", "items": {"enum": refs}, "maxItems": 5} if refs else {"const": []}
    )
    answer: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": ANSWER_LIMIT}
    if quotes:
        one = "\\[(" + "|".join(quotes) + ")\\]"
        answer = {"type": "string", "pattern": f"^{one}( and {one}){{0,{MAX_QUOTES - 1}}}$"}
    props = {"answer": answer, "citations": citations}
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


class Agent:
    """A goal-driven planner over a model, a toolset and an optional vector memory."""

    def __init__(
        self,
        model: Model | None = None,
        tools: Toolset | Iterable[Tool] | None = None,
        memory: Any | None = None,
        *,
        settings: Settings | None = None,
        journal: Journal | None = None,
        prompts_dir: Path | None = None,
        approve: Approver | None = None,
    ) -> None:
        from agentkit.registry import Toolset, load_toolset

        self.settings = settings if settings is not None else load_settings().settings
        self._model = model
        if tools is None:
            self.tools = load_toolset(self.settings)
        elif isinstance(tools, Toolset):
            self.tools = tools
        else:
            self.tools = Toolset(tools)
        self.memory = memory
        self.journal = journal
        self.renderer = PromptRenderer(prompts_dir or self.settings.prompts_dir)
        self.approve = approve
        self._own_embedder: Any = None
        self.offered = self._usable_tools()

    def _usable_tools(self) -> Toolset:
        """Tools this run can actually use: a write/execute tool that would only be refused
        (no --yes, not allowed in config, nobody to ask) is not offered to the model."""
        import sys

        from agentkit.tool import Permission

        s = self.settings
        can_ask = self.approve is not None or sys.stdin.isatty()
        usable = [
            t.name
            for t in self.tools
            if t.permission is Permission.READ or s.yes or t.name in s.allow_tools or can_ask
        ]
        if self.memory is None:  # the memory tools could only report "memory is disabled"
            usable = [name for name in usable if name not in MEMORY_TOOLS]
        if not can_ask:  # nobody is there to answer
            usable = [name for name in usable if name not in INTERACTIVE_TOOLS]
        return self.tools.subset(usable)

    def _tools_for(self, goal: str) -> tuple[list[ToolDefinition], list[list[str] | None]]:
        """All offered tools when there are at most `max_tools`; otherwise those most
        relevant to `goal` or one of its clauses (see `select_tools`), best first. Then the
        tools the plan's first steps must use (`plan_schema`'s `lead`), only when the tools
        were chosen this way: any chosen tool for the first step or, for a goal in parts,
        one step per part with the tools that best fit it (`PART_MARGIN`; any tool when
        none fits)."""
        definitions = self.offered.definitions()
        s = self.settings
        if len(definitions) <= s.max_tools:
            return definitions, []
        queries, parts = goal_queries(goal), goal_parts(goal)
        try:
            ranked = rank_tools([*queries, *parts], definitions, self._embedder())
        except (AgentkitError, OSError, ImportError) as exc:
            log.warning(
                "tool ranking unavailable, offering the first %d tools: %s", s.max_tools, exc
            )
            return definitions[: s.max_tools], []
        log.debug("tool relevance for %r: %s", goal, ranked)
        chosen = select_tools(
            ranked[: len(queries)],
            limit=s.max_tools,
            min_score=s.tool_min_score,
            margin=s.tool_score_margin,
        )
        lead: list[list[str] | None] = [list(chosen)] if chosen else []
        if len(parts) > 1:
            lead = [
                select_tools([r], limit=s.max_tools, min_score=s.tool_min_score, margin=PART_MARGIN)
                or None
                for r in ranked[len(queries) :]
            ]
            fits = [name for tools in lead for name in tools or ()]
            chosen += [name for name in dict.fromkeys(fits) if name not in chosen]
        by_name = {d.name: d for d in definitions}
        return [by_name[name] for name in chosen], lead

    def _embedder(self) -> Any:
        """The memory's embedder, or the configured one loaded once for this agent."""
        embedder = getattr(self.memory, "embedder", None)
        if embedder is None:
            if self._own_embedder is None:
                from agentkit.memory.embedders import make_embedder

                self._own_embedder = make_embedder(self.settings.embedder)
            embedder = self._own_embedder
        return embedder

    @property
    def model(self) -> Model:
        if self._model is None:
            from agentkit.llm.factory import load_model

            self._model = load_model(self.settings)
        return self._model

    # -- public API -------------------------------------------------------------

    def run(self, goal: str) -> RunResult:
        return RunResult.from_events(list(self.iter(goal)))

    def iter(self, goal: str, *, run_id: str | None = None) -> Iterator[Event]:
        from agentkit.journal import new_run_id

        return self._loop(self._new_state(goal), run_id or new_run_id(), resumed=False)

    def resume(self, run_id: str) -> Iterator[Event]:
        """Continue a journaled run from its first unfinished step; finished calls never rerun."""
        if self.journal is None:
            raise JournalError("resuming needs a journal; pass journal=Journal.open(settings)")
        prior = self.journal.events(run_id)
        start = next((e for e in prior if isinstance(e, RunStarted)), None)
        if start is None:
            raise JournalError(f"run {run_id} has no recorded start; it cannot be resumed")
        if any(isinstance(e, RunFinished) and e.status == "succeeded" for e in prior[-1:]):
            raise JournalError(f"run {run_id} already succeeded; there is nothing to resume")
        state = self._new_state(start.goal)
        for event in prior:
            if not isinstance(event, RunFinished | Answered):
                state.apply(event)
        state.events = list(prior)  # keep seq numbering monotonic after the old end
        return self._loop(state, run_id, resumed=True)

    # -- the loop ---------------------------------------------------------------

    def _loop(self, state: RunState, run_id: str, *, resumed: bool) -> Iterator[Event]:
        s = self.settings
        started = time.monotonic()
        base = (state.decisions, state.usage.total_tokens)  # budgets count from this invocation
        status, reason, forced = "succeeded", None, None
        name = getattr(self.model, "name", "model")
        yield self._emit(
            state,
            RunStarted(
                run_id=run_id,
                goal=state.goal,
                model=name,
                settings=s.model_dump(mode="json"),
                resumed=resumed,
            ),
        )
        try:
            if state.pending_call is not None:  # killed mid-call: find out what it did
                from agentkit.checkpoints.reconcile import reconcile_pending

                ctx = self._tool_context(
                    run_id, state.pending_call.index, state.pending_call.step_id
                )
                yield self._emit(state, reconcile_pending(state.pending_call, self.tools, ctx))
            if not state.plan:
                yield from self._retrieve(state, run_id, state.goal, None)
                yield from self._plan(state, run_id)
            while True:
                self._check_budget(state, started, base)
                if state.awaiting_plan:
                    yield from self._plan(state, run_id)
                step = state.current or next_ready(state.plan, set(state.finished))
                if step is None:
                    break
                if state.current is None:
                    yield from self._retrieve(state, run_id, step.title, step.id)
                    yield self._emit(
                        state, StepStarted(run_id=run_id, step_id=step.id, title=step.title)
                    )
                decision = yield from self._decide(state, run_id, step)
                match decision:
                    case CallTools(calls=calls):
                        for call in calls:
                            yield from self._call_tool(
                                state, run_id, step, call.tool, call.arguments
                            )
                        last = state.observations[-1]
                        if state.repeats >= 2:
                            yield from self._replan(
                                state, run_id, "the same call was made three times in a row", "loop"
                            )
                        elif last.ok and last.tool == step.tool:
                            yield self._emit(
                                state,
                                StepFinished(
                                    run_id=run_id,
                                    step_id=step.id,
                                    result=last.text[:200],
                                    auto=True,
                                ),
                            )
                        elif state.step_failures >= MAX_STEP_FAILURES:
                            yield from self._replan(
                                state,
                                run_id,
                                f"step {step.id} failed twice: {last.text[:120]}",
                                "failures",
                            )
                    case StepDone(result=result):
                        yield self._emit(
                            state, StepFinished(run_id=run_id, step_id=step.id, result=result)
                        )
                    case Replan(reason=why):
                        yield from self._replan(state, run_id, why, "model")
                    case FinalAnswer(answer=draft):
                        yield self._emit(
                            state, StepFinished(run_id=run_id, step_id=step.id, result=draft)
                        )
                        break
        except BudgetExceeded as exc:
            status, reason, forced = "budget_exhausted", str(exc), str(exc)
        except _GiveUp as exc:
            status, reason, forced = "failed", str(exc), str(exc)
        except ModelError as exc:
            status, reason, forced = "failed", str(exc), "the model failed"
        except KeyboardInterrupt:
            status, reason = "interrupted", "interrupted by the user"
        if status != "interrupted":
            answered = yield from self._answer(state, run_id, forced)
            self._remember_episode(state, run_id, status, answered.answer)
        yield self._emit(
            state,
            RunFinished(
                run_id=run_id,
                status=status,  # type: ignore[arg-type]
                answer=state.answer.answer if state.answer else None,
                usage=state.usage,
                wall_seconds=time.monotonic() - started,
                reason=reason,
            ),
        )

    # -- pieces of the loop ---------------------------------------------------------

    def _emit(self, state: RunState, event: Event) -> Event:
        event.seq = state.next_seq
        state.apply(event)
        if self.journal is not None:
            self.journal.record(event)
        return event

    def _model_call(
        self,
        state: RunState,
        run_id: str,
        purpose: str,
        messages: list[Message],
        output: Any,
        max_tokens: int,
        *,
        copies: bool = False,
    ) -> Generator[Event, None, Any]:
        # A call copies numbers and names from the prompt into its arguments (`copies`):
        # no repeat penalty then. Free text keeps the configured one, against loops.
        penalty = 1.0 if copies else None
        value, completion = generate(
            self.model, messages, output, max_tokens=max_tokens, repeat_penalty=penalty
        )
        prompt = "\n".join(f"[{m.role}]\n{m.content}" for m in messages)
        digest = hashlib.sha256(prompt.encode()).hexdigest()
        yield self._emit(
            state,
            ModelCalled(
                run_id=run_id,
                purpose=purpose,  # type: ignore[arg-type]
                prompt_hash=digest,
                prompt=prompt,
                output=completion.text,
                usage=completion.usage,
            ),
        )
        return value

    def _check_budget(self, state: RunState, started: float, base: tuple[int, int]) -> None:
        s = self.settings
        if state.decisions - base[0] >= s.max_steps:
            raise BudgetExceeded(f"step budget used up ({s.max_steps} steps; raise --max-steps)")
        if state.usage.total_tokens - base[1] >= s.max_tokens:
            raise BudgetExceeded(
                f"token budget used up ({s.max_tokens} tokens; raise --max-tokens)"
            )
        if time.monotonic() - started >= s.max_time:
            raise BudgetExceeded(f"time budget used up ({s.max_time:.0f} s; raise --max-time)")

    def _retrieve(
        self, state: RunState, run_id: str, query: str, step_id: int | None
    ) -> Iterator[Event]:
        if self.memory is None:
            return
        try:
            found = self.memory.search(query, k=3 if step_id is None else 2)
        except MemoryStoreError as exc:
            log.warning("memory search failed, continuing without it: %s", exc)
            return
        items = [
            MemoryItemRef(id=i.id, text=i.text[:300], source=i.source, kind=i.kind, score=i.score)
            for i in found
            if i.run_id != run_id and i.id not in state.memory
        ]
        if items:
            yield self._emit(
                state, MemoryRetrieved(run_id=run_id, query=query, step_id=step_id, items=items)
            )

    def _plan(self, state: RunState, run_id: str) -> Iterator[Event]:
        if state.replans > MAX_REPLANS:
            raise _GiveUp(f"no progress after {MAX_REPLANS} re-plans")
        initial = not state.plan
        schema = plan_schema(
            state.tool_names,
            MAX_PLAN_STEPS,
            lead=state.plan_lead if initial else state.replan_lead(),
            min_steps=MIN_TOOLLESS_STEPS if initial and not state.tool_names else 1,
        )
        raw = yield from self._model_call(state, run_id, "plan", state.plan_request(), schema, 400)
        first = max((step.id for step in state.plan), default=0) + 1
        steps, notes = normalize_plan(
            ModelPlan.model_validate(raw), state.tool_names, first_id=first
        )
        for note in notes:
            log.info("plan repaired: %s", note)
        yield self._emit(state, PlanMade(run_id=run_id, steps=steps))

    def _decide(
        self, state: RunState, run_id: str, step: PlanStep
    ) -> Generator[Event, None, Decision]:
        definitions = list(state.definitions)
        actions: tuple[Action, ...] = ("call", "done", "replan", "final")
        messages = list(state.messages)
        suggested = state.definition(step.tool)
        first_try = state.step_failures == 0 and state.last_call is None
        last = state.observations[-1] if state.observations else None
        focused = self.settings.focused_prompts
        # The one retry after the planned tool failed (a second failure re-plans). Not
        # after a refusal or an interrupted call, which may have acted: the model decides.
        retry = (
            focused
            and state.step_failures == 1
            and last is not None
            and last.tool == step.tool
            and last.error in RETRYABLE_ERRORS
        )
        if suggested is not None and (first_try or retry):
            # A step planned around a tool starts by calling it: the model only fills in
            # the arguments, from a short prompt (with the error, on the retry) and, when
            # focused, only the required ones.
            definitions, actions = [suggested], ("call",)
            if focused:
                parameters = required_only(suggested.parameters)
                if first_try:  # after an error the model may need words the request lacks
                    parameters = copied_from(parameters, state.request_texts(step))
                required = _Spec(suggested.name, parameters)
                failed = None if first_try else last
                definitions = [required]
                messages = state.call_request(step, required, failed=failed)
        elif focused and step.tool is None and first_try:
            actions = ("done",)  # a step planned without a tool: the model writes its result
        elif not definitions:
            actions = actions[1:]
        schema = decision_schema(definitions, actions=actions)
        copies = "call" in actions
        try:
            raw = yield from self._model_call(
                state, run_id, "decide", messages, schema, 400, copies=copies
            )
        except SchemaError as exc:
            if not copies:
                raise
            # Without the repeat penalty a small model can loop inside a string until the
            # token budget cuts it off: ask once more with the penalty.
            log.info("decision unusable (%s); retrying with the repeat penalty", exc)
            raw = yield from self._model_call(state, run_id, "decide", messages, schema, 400)
        return parse_decision(raw)

    def _replan(self, state: RunState, run_id: str, reason: str, cause: str) -> Iterator[Event]:
        if state.replans >= MAX_REPLANS:
            raise _GiveUp(f"gave up after {MAX_REPLANS} re-plans; last reason: {reason}")
        yield self._emit(state, Replanned(run_id=run_id, reason=reason[:300], cause=cause))  # type: ignore[arg-type]

    def _call_tool(
        self, state: RunState, run_id: str, step: PlanStep, tool: str, arguments: dict[str, Any]
    ) -> Iterator[Event]:

        index = sum(isinstance(e, ToolCalled) for e in state.events) + 1
        repeated = state.last_call == call_key(tool, arguments)
        call = ToolCalled(
            run_id=run_id, index=index, step_id=step.id, tool=tool, arguments=arguments
        )
        yield self._emit(state, call)
        if repeated:  # identical to the call just made: do not run it again
            previous = state.observations[-1].text[:300]
            text = f"Not run again: identical to the previous call. Its result was: {previous}"
            yield self._emit(state, _observation(call, ok=False, error="repeated", text=text))
            return
        obs = self.tools.call(tool, arguments, self._tool_context(run_id, index, step.id))
        if obs.ok and self.memory is not None:
            try:
                self.memory.add_observation(run_id=run_id, tool=tool, text=obs.text)
            except MemoryStoreError as exc:
                log.warning("could not store observation in memory: %s", exc)
        yield self._emit(
            state,
            _observation(call, ok=obs.ok, error=obs.error, text=obs.text, seconds=obs.seconds),
        )

    def _tool_context(self, run_id: str, index: int, step_id: int | None) -> ToolContext:
        from agentkit.checkpoints import checkpointer
        from agentkit.tool import ToolContext

        return ToolContext.create(
            self.settings,
            run_id=run_id,
            memory=self.memory,
            approve=self.approve,
            checkpoints=checkpointer(self.journal, run_id, index, step_id),
        )

    def _answer(
        self, state: RunState, run_id: str, forced: str | None
    ) -> Generator[Event, None, Answered]:
        refs = state.citable()
        quotes = state.quotable()
        messages = state.answer_request(forced, quoting=bool(quotes))
        try:
            raw = yield from self._model_call(
                state, run_id, "answer", messages, _answer_schema(refs, quotes), 400
            )
            draft = str(raw["answer"]).strip()
            if quotes:
                text, quoted = state.quoted_answer(draft)
            else:
                text, quoted = state.expand_quotes(draft)
            citations = list(dict.fromkeys([*raw.get("citations", []), *quoted]))
        except ModelError as exc:  # e.g. a full context: answer from the observations alone
            log.warning("final answer call failed: %s", exc)
            last = [o for o in state.observations if o.ok][-3:]
            results = "; ".join(f"obs-{o.index} ({o.tool}): {o.text[:200]}" for o in last)
            text = f"No model answer ({exc}). Last results: {results or 'none'}"
            citations = [f"obs-{o.index}" for o in last]
            forced = forced or str(exc)
        observed = any(o.ok for o in state.observations)
        cites_observation = any(c.startswith("obs-") for c in citations)
        event = Answered(
            run_id=run_id,
            answer=text,
            citations=citations,
            uncited=observed and not cites_observation,
            forced=forced is not None,
        )
        yield self._emit(state, event)
        return event

    def _remember_episode(self, state: RunState, run_id: str, status: str, answer: str) -> None:
        if self.memory is None:
            return
        try:
            self.memory.add_episode(
                run_id=run_id,
                goal=state.goal,
                plan=[s.title for s in state.plan],
                status=status,
                answer=answer,
            )
        except MemoryStoreError as exc:
            log.warning("could not store the episode in memory: %s", exc)

    def _new_state(self, goal: str) -> RunState:
        definitions, lead = self._tools_for(goal)
        return RunState(
            goal,
            definitions,
            self.renderer,
            focused=self.settings.focused_prompts,
            plan_lead=lead,
        )


@dataclass(frozen=True)
class _Spec:
    """A tool as the decision grammar sees it: a name and an argument schema."""

    name: str
    parameters: dict[str, Any]


def _observation(
    call: ToolCalled, *, ok: bool, error: str | None, text: str, seconds: float = 0.0
) -> ObservationMade:
    return ObservationMade(
        run_id=call.run_id,
        index=call.index,
        step_id=call.step_id,
        tool=call.tool,
        arguments=call.arguments,
        ok=ok,
        error=error,
        text=text,
        seconds=seconds,
    )
