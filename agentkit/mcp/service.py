"""What `agentkit mcp serve` offers, independent of MCP: tools to list, calls, the agent.

Every rule of a local run still holds for a call that arrives over MCP:
- a write or execute tool is listed only when `--yes` or `allow_tools` approves it;
  a call to one that is not approved is refused by `Toolset.call`, as in a run;
- file and shell tools stay confined to the workspace (the tools enforce it);
- every call is journaled as its own run (kind "mcp"), so `agentkit runs` shows it.

Calls may arrive concurrently (HTTP clients, or one client's parallel requests). The
journal and memory are safe for that (SQLite transactions under a lock, memory
write locks); the model is not, so agent runs take turns.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agentkit.tool import Permission, ToolContext

if TYPE_CHECKING:
    from agentkit.config import Settings
    from agentkit.journal import Journal
    from agentkit.mcp.resources import MemoryResource
    from agentkit.registry import Toolset
    from agentkit.tool import Tool

__all__ = ["RUN_GOAL", "AgentkitService", "CallOutcome"]

RUN_GOAL = "run_goal"
RUN_GOAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "goal": {"type": "string", "maxLength": 2000, "description": "what the agent should do"}
    },
    "required": ["goal"],
    "additionalProperties": False,
}
_NEVER_SERVED = frozenset({"ask_user"})  # would read the server's stdin: the MCP wire


@dataclass(frozen=True)
class CallOutcome:
    ok: bool
    text: str
    run_id: str
    structured: dict[str, Any] | None = None


def _stderr(message: str) -> None:
    sys.stderr.write(f"agentkit: warning: {message}\n")


class AgentkitService:
    def __init__(self, settings: Settings, *, agent: bool = True) -> None:
        from agentkit.journal import Journal
        from agentkit.registry import load_toolset

        self.settings = settings
        self.toolset: Toolset = load_toolset(settings, warn=_stderr)
        self.journal: Journal = Journal.open(settings)
        self.agent_enabled = agent
        self._memory: Any = None
        self._memory_lock = threading.Lock()
        self._model: Any = None
        self._agent_lock = threading.Lock()  # one model, one run at a time

    def close(self) -> None:
        from agentkit.mcp.client import close_all

        close_all()
        self.journal.close()

    # --- what is offered -------------------------------------------------------------

    def approved(self, item: Tool) -> bool:
        s = self.settings
        return item.permission is Permission.READ or s.yes or item.name in s.allow_tools

    def offered(self) -> list[Tool]:
        tools = [t for t in self.toolset if t.name not in _NEVER_SERVED and self.approved(t)]
        if self.settings.no_memory:
            tools = [t for t in tools if t.name not in {"memory_search", "remember"}]
        return tools

    # --- calls -----------------------------------------------------------------------

    def memory(self) -> Any:
        if self.settings.no_memory:
            return None
        with self._memory_lock:
            if self._memory is None:
                from agentkit.memory import Memory

                self._memory = Memory.open(self.settings)
            return self._memory

    def _stored_memory(self) -> Any:
        """The memory, or None when it is off or was never written (not created here)."""
        s = self.settings
        if s.no_memory or (not s.chroma_url and not s.memory_path.exists()):
            return None
        return self.memory()

    def resources(self) -> list[MemoryResource]:
        """The memory's documents and items as resources; none without a memory."""
        from agentkit.mcp.resources import list_resources

        memory = self._stored_memory()
        return [] if memory is None else list_resources(memory)

    def read(self, uri: str) -> str | None:
        """The text of resource `uri`, or None when there is no such resource."""
        from agentkit.mcp.resources import read_resource

        memory = self._stored_memory()
        return None if memory is None else read_resource(memory, uri)

    def call(self, name: str, arguments: dict[str, Any]) -> CallOutcome:
        """One tool call, journaled as a run of its own."""
        from agentkit.events import ObservationMade, RunFinished, RunStarted, ToolCalled
        from agentkit.journal import new_run_id
        from agentkit.llm.base import Usage

        run_id = new_run_id()
        start = time.monotonic()
        goal = f"mcp call {name} {json.dumps(arguments, ensure_ascii=False, default=str)}"
        self.journal.start_run(run_id=run_id, kind="mcp", goal=goal[:500], model="-", settings={})
        self.journal.record(RunStarted(run_id=run_id, seq=0, goal=goal[:500], model="-"))
        self.journal.record(
            ToolCalled(run_id=run_id, seq=1, index=1, step_id=None, tool=name, arguments=arguments)
        )
        memory = self.memory() if name in {"memory_search", "remember"} else None
        from agentkit.checkpoints import checkpointer

        ctx = ToolContext.create(
            self.settings,
            run_id=run_id,
            memory=memory,
            approve=_refuse,
            interactive=False,
            checkpoints=checkpointer(self.journal, run_id, 1, None),  # `runs undo` restores
        )
        if name in _NEVER_SERVED:
            from agentkit.tool import Observation

            observation = Observation(
                tool=name, ok=False, text=f"{name} is not served over MCP", seconds=0.0
            )
        else:
            observation = self.toolset.call(name, arguments, ctx)
        self.journal.record(
            ObservationMade(
                run_id=run_id,
                seq=2,
                index=1,
                step_id=None,
                tool=name,
                arguments=arguments,
                ok=observation.ok,
                text=observation.text,
                error=observation.error,
                seconds=observation.seconds,
            )
        )
        self.journal.record(
            RunFinished(
                run_id=run_id,
                seq=3,
                status="succeeded" if observation.ok else "failed",
                answer=observation.text[:2000],
                usage=Usage(),
                wall_seconds=round(time.monotonic() - start, 3),
                reason=observation.error,
            )
        )
        return CallOutcome(ok=observation.ok, text=observation.text, run_id=run_id)

    def run_goal(self, goal: str) -> CallOutcome:
        """Run the agent on `goal`; the answer, its citations and the run id."""
        from agentkit.agent import Agent
        from agentkit.llm.factory import load_model

        with self._agent_lock:
            if self._model is None:
                self._model = load_model(self.settings)
            agent = Agent(
                self._model,
                self.toolset.subset(t.name for t in self.offered()),
                self.memory(),
                settings=self.settings,
                journal=self.journal,
                approve=_refuse,
            )
            result = agent.run(goal)
        payload = {
            "answer": result.answer,
            "citations": result.citations,
            "run_id": result.run_id,
            "status": result.status,
        }
        ok = result.status == "succeeded"
        return CallOutcome(
            ok=ok,
            text=json.dumps(payload, ensure_ascii=False),
            run_id=result.run_id,
            structured=payload,
        )


def _refuse(name: str, arguments: dict[str, Any]) -> bool:
    """Nobody can be asked over MCP: what --yes / allow_tools did not approve is refused."""
    return False
