"""The planner loop: mechanism only. Plan, run each ready step, answer; budgets, loop
detection, events, the journal (through the recorder) and resume. Every model request
is shaped by the run's `Policy`; nothing here knows what model it talks to.

Control flow of a run that cannot go on (a budget, giving up) is `StopRun`, private to
this package.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agentkit.decision import CallTools, FinalAnswer, Replan, StepDone, parse_decision
from agentkit.errors import InvalidOutputError, ModelError, SchemaError
from agentkit.events import (
    Event,
    RunFinished,
    RunStarted,
    StepStarted,
)
from agentkit.plan import next_ready
from agentkit.run.acting import call_tool, reconcile_pending_call
from agentkit.run.memory import Memory, remember_episode, retrieve
from agentkit.run.phases import (
    MAX_STEP_FAILURES,
    StopRun,
    answer,
    check_budget,
    finished,
    plan,
    replan,
)

if TYPE_CHECKING:
    from agentkit.llm.base import Model
    from agentkit.policy.base import Policy, RunView
    from agentkit.registry import Toolset
    from agentkit.run.recorder import Recorder
    from agentkit.tool import Approver

__all__ = ["Run", "drive"]

log = logging.getLogger(__name__)


@dataclass
class Run:
    """Everything one run needs: what it sees (view), who decides (policy), what acts."""

    run_id: str
    view: RunView
    policy: Policy
    recorder: Recorder
    model: Model
    toolset: Toolset
    memory: Memory | None
    approve: Approver | None
    started: float  # time.monotonic() before the policy's offer, which is part of the run


def drive(run: Run, *, resumed: bool) -> Iterator[Event]:
    state, rec, policy, s = run.view.state, run.recorder, run.policy, run.view.settings
    started = run.started
    base = (state.decisions, state.usage.total_tokens)  # budgets count from this invocation
    status, reason, forced = "succeeded", None, None
    yield rec.emit(
        RunStarted(
            run_id=run.run_id,
            goal=state.goal,
            model=getattr(run.model, "name", "model"),
            settings=s.model_dump(mode="json"),
            resumed=resumed,
            marker=run.view.transcript.marker,
            policy=policy.name,
        )
    )
    try:
        yield from reconcile_pending_call(state, rec, run)
        if not state.plan:
            yield from retrieve(run.memory, rec, state, state.goal, None)
            yield from plan(run)
        while True:
            check_budget(run, started, base)
            if state.awaiting_plan:
                yield from plan(run)
            step = state.current or next_ready(state.plan, set(state.finished))
            if step is None:
                break
            if state.current is None:
                yield from retrieve(run.memory, rec, state, step.title, step.id)
                yield rec.emit(StepStarted(run_id=run.run_id, step_id=step.id, title=step.title))
            raw = yield from rec.model_call(run.model, policy.decision_request(run.view, step))
            match parse_decision(raw):
                case CallTools(calls=calls):
                    for call in calls:
                        yield from call_tool(run, step, call.tool, call.arguments)
                    last = state.observations[-1]
                    if state.repeats >= 2:
                        yield from replan(
                            run, "the same call was made three times in a row", "loop"
                        )
                    elif last.ok and policy.observe(run.view, step, last):
                        yield rec.emit(finished(run, step, last.text[:200], auto=True))
                    elif state.step_failures >= MAX_STEP_FAILURES:
                        yield from replan(run, f"step {step.id} failed twice", "failures")
                case StepDone(result=result):
                    yield rec.emit(finished(run, step, result))
                case Replan(reason=why):
                    yield from replan(run, why, "model")
                case FinalAnswer(answer=draft):
                    yield rec.emit(finished(run, step, draft))
                    break
    except StopRun as stop:
        status, reason, forced = stop.status, str(stop), str(stop)
    except InvalidOutputError as exc:
        status, reason, forced = "failed", str(exc), "the model failed"
    except SchemaError:
        raise  # a schema that cannot be compiled is a bug in agentkit or a tool, not the model
    except ModelError as exc:
        status, reason, forced = "failed", str(exc), "the model failed"
    except KeyboardInterrupt:
        status, reason = "interrupted", "interrupted by the user"
    if status != "interrupted":
        answered = yield from answer(run, forced)
        remember_episode(run.memory, state, run.run_id, status, answered.answer)
    yield rec.emit(
        RunFinished(
            run_id=run.run_id,
            status=status,  # type: ignore[arg-type]
            answer=state.answer.answer if state.answer else None,
            usage=state.usage,
            wall_seconds=time.monotonic() - started,
            reason=reason,
        )
    )
