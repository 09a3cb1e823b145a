"""`Agent`, the public facade: a goal-driven planner over a model, tools and memory.

`Agent.iter` yields typed events (agentkit.events); `Agent.run` returns a RunResult;
`Agent.resume` continues a journaled run. The loop itself is agentkit.run.loop (mechanism
only); what each model request looks like is the run's policy (agentkit.policy).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentkit.config import Settings, load_settings
from agentkit.errors import JournalError
from agentkit.events import Answered, Event, RunFinished, RunStarted
from agentkit.policy.base import Offer, Policy, RunView
from agentkit.prompts import PromptRenderer
from agentkit.result import RunResult
from agentkit.run.loop import Run, drive
from agentkit.run.memory import Memory
from agentkit.run.recorder import Recorder
from agentkit.run.state import RunState
from agentkit.run.transcript import Transcript
from agentkit.run.untrusted import new_marker

if TYPE_CHECKING:
    from agentkit.journal import Journal
    from agentkit.llm.base import Model
    from agentkit.policy.aids.routing import TextEmbedder
    from agentkit.registry import Toolset
    from agentkit.tool import Approver, Tool

__all__ = ["Agent"]

MEMORY_TOOLS = frozenset({"memory_search", "remember"})
INTERACTIVE_TOOLS = frozenset({"ask_user"})

# Agent.override's (model, tools), applied to every Agent constructed inside its block.
_OVERRIDE: ContextVar[tuple[Model | None, Toolset | Iterable[Tool] | None]] = ContextVar(
    "agentkit_agent_override", default=(None, None)
)


class Agent:
    """A goal-driven planner over a model, a toolset and an optional vector memory."""

    def __init__(
        self,
        model: Model | None = None,
        tools: Toolset | Iterable[Tool] | None = None,
        memory: Memory | None = None,
        *,
        settings: Settings | None = None,
        journal: Journal | None = None,
        prompts_dir: Path | None = None,
        approve: Approver | None = None,
        policy: Policy | None = None,
    ) -> None:
        from agentkit.registry import Toolset, load_toolset

        forced_model, forced_tools = _OVERRIDE.get()  # Agent.override, for tests
        model = forced_model if forced_model is not None else model
        tools = forced_tools if forced_tools is not None else tools
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
        self._own_embedder: TextEmbedder | None = None
        self._policy = policy
        self.offered = self._usable_tools()

    def _usable_tools(self) -> Toolset:
        """Tools this run can actually use: a write/execute tool that would only be refused
        (no --yes, not allowed in config, nobody to ask) is not offered to the model."""
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

    def _embedder(self) -> TextEmbedder:
        """The memory's embedder, or the configured one loaded once for this agent."""
        embedder: Any = getattr(self.memory, "embedder", None)
        if embedder is None:
            if self._own_embedder is None:
                from agentkit.memory.embedders import make_embedder

                self._own_embedder = make_embedder(self.settings.embedder)
            embedder = self._own_embedder
        return embedder  # type: ignore[no-any-return]

    @property
    def model(self) -> Model:
        if self._model is None:
            from agentkit.llm.factory import load_model

            self._model = load_model(self.settings)
        return self._model

    @property
    def policy(self) -> Policy:
        """The decision policy (settings `policy`; auto follows the model's size)."""
        if self._policy is None:
            from agentkit.policy.select import choose_policy

            self._policy = choose_policy(
                self.settings, lambda: self.model, self.renderer, self._embedder
            )
        return self._policy

    # -- public API -------------------------------------------------------------

    @classmethod
    @contextmanager
    def override(
        cls, *, model: Model | None = None, tools: Toolset | Iterable[Tool] | None = None
    ) -> Iterator[None]:
        """Inside the block, every Agent constructed uses `model` and/or `tools` instead of
        what its caller passed: for tests of code that builds its agents internally."""
        outer_model, outer_tools = _OVERRIDE.get()
        token = _OVERRIDE.set(
            (
                model if model is not None else outer_model,
                tools if tools is not None else outer_tools,
            )
        )
        try:
            yield
        finally:
            _OVERRIDE.reset(token)

    def offer(self, goal: str) -> Offer:
        """The tools (and transcript preamble) a run of `goal` would be offered."""
        return self.policy.offer(goal, self.offered.definitions())

    def run(self, goal: str) -> RunResult:
        return RunResult.from_events(list(self.iter(goal)))

    def iter(self, goal: str, *, run_id: str | None = None) -> Iterator[Event]:
        from agentkit.journal import new_run_id

        return drive(self._run(goal, run_id or new_run_id(), []), resumed=False)

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
        return drive(self._run(start.goal, run_id, prior), resumed=True)

    def _run(self, goal: str, run_id: str, prior: list[Event]) -> Run:
        """A run's parts; a resumed run folds its journaled events (but its old ending) first,
        with the marker it had, so its transcript is the one it had."""
        began = time.monotonic()
        offer = self.offer(goal)
        started = next((e for e in prior if isinstance(e, RunStarted)), None)
        marker = (started.marker if started else "") or new_marker(goal)
        state = RunState(goal)
        transcript = Transcript(goal, offer.tools, self.renderer, marker, offer.preamble)
        for event in prior:
            if not isinstance(event, RunFinished | Answered):
                state.apply(event)
                transcript.apply(event)
        state.events = list(prior)  # keep seq numbering monotonic after the old end
        recorder = Recorder(
            run_id, self.journal, [state.apply, transcript.apply], seq=state.next_seq
        )
        view = RunView(goal, self.settings, self.renderer, state, transcript, offer.tools)
        return Run(
            run_id,
            view,
            self.policy,
            recorder,
            self.model,
            self.tools,
            self.memory,
            self.approve,
            began,
        )
