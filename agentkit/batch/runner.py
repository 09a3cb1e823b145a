"""`GoalRunner`: one worker's model, tools and memory, loaded once, running many goals.

A goal runs under a run id the driver chose. When the journal already holds that run
(a worker died mid-goal and the goal came back), it is resumed from its journal, so a
tool call that finished is never run again.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentkit.errors import AgentkitError, JournalError

if TYPE_CHECKING:
    from agentkit.agent import Agent
    from agentkit.config import Settings
    from agentkit.journal import Journal

__all__ = ["GoalRunner", "result_payload", "worker_name"]

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def result_payload(result: Any) -> dict[str, Any]:
    """A RunResult as `agentkit run --json` prints it."""
    payload: dict[str, Any] = result.model_dump(mode="json")
    payload["usage"] = result.usage.model_dump(mode="json")
    return payload


class GoalRunner:
    """Runs goals one after another on a model loaded once (`loads` counts the loads)."""

    loads = 0

    def __init__(self, settings: Settings, journal: Journal | Any | None = None) -> None:
        from agentkit.journal import Journal
        from agentkit.llm.factory import load_model
        from agentkit.memory import open_memory
        from agentkit.registry import load_toolset

        self.settings = settings
        self.model = load_model(settings)
        GoalRunner.loads += 1
        self.toolset = load_toolset(settings, warn=lambda message: log.warning("%s", message))
        try:
            self.memory = open_memory(settings)
        except AgentkitError as exc:  # as in a run: a memory that fails is left out, loudly
            log.warning("running without memory: %s", exc)
            self.memory = None
        self.journal = journal if journal is not None else Journal.open(settings)
        self._agents: dict[str, Agent] = {}
        self.name = worker_name()

    def _agent(self, workspace: str | None) -> Agent:
        from agentkit.agent import Agent

        key = workspace or ""
        if key not in self._agents:
            settings = self.settings
            if workspace:
                settings = settings.model_copy(update={"workspace": Path(workspace).expanduser()})
            self._agents[key] = Agent(
                self.model, self.toolset, self.memory, settings=settings, journal=self.journal
            )
        return self._agents[key]

    def run(self, goal: str, run_id: str, workspace: str | None = None) -> dict[str, Any]:
        """Run (or resume) `goal` as `run_id` to its end; the `run --json` payload."""
        from agentkit.result import RunResult

        agent = self._agent(workspace)
        if self._journaled(run_id):
            try:
                stream = agent.resume(run_id)
            except JournalError as exc:
                if "already succeeded" not in str(exc):
                    raise
                stream = iter(())  # it finished before its worker died: nothing to redo
        else:
            stream = agent.iter(goal, run_id=run_id)
        for _event in stream:
            pass
        return result_payload(RunResult.from_events(self.journal.events(run_id)))

    def _journaled(self, run_id: str) -> bool:
        try:
            self.journal.get_run(run_id)
        except JournalError:
            return False
        return True

    def close(self) -> None:
        if self.settings.mcp.enabled():
            from agentkit.mcp.client import close_all

            close_all()  # at exit it would happen anyway; a Ray actor is killed instead
        close = getattr(self.model, "close", None)
        if callable(close):
            close()
        self.journal.close()
