"""Where a run acts: tool calls, and the reconciliation of a call a crash interrupted.

A model-caused problem (bad arguments, a tool exception, a refusal) becomes an
observation for the model; an identical repeat of the call just made is not run again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from agentkit.errors import MemoryStoreError
from agentkit.events import Event, PlanStep, ToolCalled
from agentkit.run.recorder import Recorder
from agentkit.run.state import RunState, call_key

if TYPE_CHECKING:
    from agentkit.run.loop import Run
    from agentkit.tool import ToolContext

__all__ = ["call_tool", "reconcile_pending_call", "tool_context"]

log = logging.getLogger(__name__)

INTERRUPTED = (
    "This call was interrupted before it finished and may or may not have taken effect; "
    "check before repeating it."
)


def reconcile_pending_call(
    state: RunState, recorder: Recorder, run: Run | None = None
) -> Iterator[Event]:
    """On resume: a run killed mid-call left `state.pending_call` without an observation.
    It may or may not have acted; the model is told so instead of the call being rerun.
    (This is the one place a resumed run settles the interrupted call.)"""
    if state.pending_call is None:
        return
    if run is None:  # no toolset to consult: say so, as before checkpoints existed
        yield recorder.observed(state.pending_call, ok=False, error="interrupted", text=INTERRUPTED)
        return
    from agentkit.checkpoints.reconcile import reconcile_pending

    call = state.pending_call
    ctx = tool_context(run, call.index, call.step_id)
    yield recorder.emit(reconcile_pending(call, run.toolset, ctx))


def tool_context(run: Run, index: int, step_id: int | None) -> ToolContext:
    """The context of tool call #index, with the checkpointer that saves what it changes."""
    from agentkit.checkpoints import checkpointer
    from agentkit.tool import ToolContext

    return ToolContext.create(
        run.view.settings,
        run_id=run.run_id,
        memory=run.memory,
        approve=run.approve,
        checkpoints=checkpointer(run.recorder.journal, run.run_id, index, step_id),
    )


def call_tool(run: Run, step: PlanStep, tool: str, arguments: dict[str, Any]) -> Iterator[Event]:
    state, rec = run.view.state, run.recorder
    index = sum(isinstance(e, ToolCalled) for e in state.events) + 1
    repeated = state.last_call == call_key(tool, arguments)
    call = rec.tool_called(index, step.id, tool, arguments)
    yield call
    if repeated:  # identical to the call just made: do not run it again
        previous = state.observations[-1].text[:300]
        text = f"Not run again: identical to the previous call. Its result was: {previous}"
        yield rec.observed(call, ok=False, error="repeated", text=text)
        return
    obs = run.toolset.call(tool, arguments, tool_context(run, index, step.id))
    if obs.ok and run.memory is not None:
        try:
            run.memory.add_observation(run_id=run.run_id, tool=tool, text=obs.text)
        except MemoryStoreError as exc:
            log.warning("could not store observation in memory: %s", exc)
    yield rec.observed(call, ok=obs.ok, error=obs.error, text=obs.text, seconds=obs.seconds)
