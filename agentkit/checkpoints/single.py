"""One tool call outside any agent or workflow (`agentkit tools call`), journaled as a
run of its own, so what a write or execute call changed can be diffed and undone.

The run has kind "tool", the goal `tools call NAME ARGS`, and exactly one call: its
journal holds the same events an agent's call would (run started, tool called,
observation, run finished), and its checkpoint is taken by `Toolset.call` as in a run.
The goal quotes the arguments, so a file the call writes is named by it; nothing
untrusted enters the run before its only call, so the taint rule never applies.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from agentkit.checkpoints.recorder import checkpointer

if TYPE_CHECKING:
    from agentkit.config import Settings
    from agentkit.registry import Toolset
    from agentkit.tool import Observation

__all__ = ["KIND", "call_journaled"]

KIND = "tool"


def call_journaled(
    toolset: Toolset, name: str, arguments: dict[str, Any], settings: Settings, memory: Any
) -> tuple[Observation, str]:
    """Call `name` through `Toolset.call` inside a new journaled run; (observation, run id)."""
    from agentkit.events import RunFinished, RunStarted, RunStatus
    from agentkit.journal import Journal, new_run_id
    from agentkit.llm.base import Usage
    from agentkit.run.recorder import Recorder
    from agentkit.tool import ToolContext

    run_id = new_run_id()
    goal = f"tools call {name} {json.dumps(arguments, ensure_ascii=False, default=str)}"
    started = time.monotonic()
    with Journal.open(settings) as journal:
        journal.start_run(
            run_id=run_id,
            kind=KIND,
            goal=goal,
            model="none",
            settings=settings.model_dump(mode="json"),
        )
        recorder = Recorder(run_id, journal, seq=0)
        recorder.emit(RunStarted(run_id=run_id, goal=goal, model="none"))
        call = recorder.tool_called(1, None, name, arguments)
        ctx = ToolContext.create(
            settings,
            run_id=run_id,
            memory=memory,
            checkpoints=checkpointer(journal, run_id, 1, None),
        )

        def finished(status: RunStatus, answer: str | None, reason: str | None) -> None:
            wall = time.monotonic() - started
            done = RunFinished(
                run_id=run_id,
                status=status,
                answer=answer,
                usage=Usage(),
                wall_seconds=wall,
                reason=reason,
            )
            recorder.emit(done)

        try:
            obs = toolset.call(name, arguments, ctx)
        except KeyboardInterrupt:  # the checkpoint is complete (Toolset.call's finally)
            finished("interrupted", None, "interrupted by the user")
            raise
        recorder.observed(call, ok=obs.ok, error=obs.error, text=obs.text, seconds=obs.seconds)
        if obs.ok:
            finished("succeeded", obs.text, None)
        else:
            finished("failed", None, obs.text)
    return obs, run_id
