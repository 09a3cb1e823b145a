"""The phases of a run the loop calls: budget checks, planning, re-planning, answering."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

from agentkit.errors import InvalidOutputError, ModelError, SchemaError
from agentkit.events import Answered, Event, PlanMade, PlanStep, Replanned, StepFinished
from agentkit.plan import ModelPlan, normalize_plan

if TYPE_CHECKING:
    from agentkit.run.loop import Run

__all__ = [
    "MAX_REPLANS",
    "MAX_STEP_FAILURES",
    "StopRun",
    "answer",
    "check_budget",
    "finished",
    "plan",
    "replan",
]

log = logging.getLogger(__name__)

MAX_REPLANS = 2
MAX_STEP_FAILURES = 2


class StopRun(Exception):
    """The run cannot go on (a budget ran out, or it gave up): end it with `status`."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def finished(run: Run, step: PlanStep, result: str, *, auto: bool = False) -> StepFinished:
    return StepFinished(run_id=run.run_id, step_id=step.id, result=result, auto=auto)


def check_budget(run: Run, started: float, base: tuple[int, int]) -> None:
    s, state = run.view.settings, run.view.state
    if state.decisions - base[0] >= s.max_steps:
        raise StopRun(
            "budget_exhausted", f"step budget used up ({s.max_steps} steps; raise --max-steps)"
        )
    if state.usage.total_tokens - base[1] >= s.max_tokens:
        raise StopRun(
            "budget_exhausted", f"token budget used up ({s.max_tokens} tokens; raise --max-tokens)"
        )
    if time.monotonic() - started >= s.max_time:
        raise StopRun(
            "budget_exhausted", f"time budget used up ({s.max_time:.0f} s; raise --max-time)"
        )


def plan(run: Run) -> Iterator[Event]:
    state = run.view.state
    if state.replans > MAX_REPLANS:
        raise StopRun("failed", f"no progress after {MAX_REPLANS} re-plans")
    raw = yield from run.recorder.model_call(run.model, run.policy.plan_request(run.view))
    first = max((step.id for step in state.plan), default=0) + 1
    names = [t.name for t in run.view.tools]
    steps, notes = normalize_plan(ModelPlan.model_validate(raw), names, first_id=first)
    for note in notes:
        log.info("plan repaired: %s", note)
    yield run.recorder.emit(PlanMade(run_id=run.run_id, steps=steps))


def replan(run: Run, reason: str, cause: str) -> Iterator[Event]:
    if run.view.state.replans >= MAX_REPLANS:
        raise StopRun("failed", f"gave up after {MAX_REPLANS} re-plans; last reason: {reason}")
    event = Replanned(run_id=run.run_id, reason=reason[:300], cause=cause)  # type: ignore[arg-type]
    yield run.recorder.emit(event)


def answer(run: Run, forced: str | None) -> Generator[Event, None, Answered]:
    state = run.view.state
    try:
        raw: Any = yield from run.recorder.model_call(
            run.model, run.policy.answer_request(run.view, forced)
        )
        text, citations = run.policy.finish_answer(run.view, raw)
    except ModelError as exc:  # e.g. a full context: answer from the observations alone
        if isinstance(exc, SchemaError) and not isinstance(exc, InvalidOutputError):
            raise
        log.warning("final answer call failed: %s", exc)
        last = state.ok_results[-3:]
        results = "; ".join(f"obs-{o.index} ({o.tool}): {o.text[:200]}" for o in last)
        text = f"No model answer ({exc}). Last results: {results or 'none'}"
        citations = [f"obs-{o.index}" for o in last]
        forced = forced or str(exc)
    observed = bool(state.ok_results)
    event = Answered(
        run_id=run.run_id,
        answer=text,
        citations=citations,
        uncited=observed and not any(c.startswith("obs-") for c in citations),
        forced=forced is not None,
    )
    yield run.recorder.emit(event)
    return event
