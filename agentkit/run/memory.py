"""The memory a run reads and writes, as a protocol (agentkit.memory.Memory satisfies it),
and the two places the loop touches it: retrieval for the goal or a step, and the episode
stored when the run ends. Memory trouble is logged and never stops a run."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Protocol

from agentkit.errors import MemoryStoreError
from agentkit.events import Event, MemoryItemRef, MemoryRetrieved
from agentkit.run.recorder import Recorder
from agentkit.run.state import RunState

__all__ = ["Memory", "MemoryHit", "remember_episode", "retrieve"]

log = logging.getLogger(__name__)


class MemoryHit(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def run_id(self) -> str | None: ...


class Memory(Protocol):
    def search(self, query: str, *, k: int = ...) -> Sequence[MemoryHit]: ...

    def add_observation(self, *, run_id: str, tool: str, text: str) -> str: ...

    def add_episode(
        self, *, run_id: str, goal: str, plan: list[str], status: str, answer: str
    ) -> str: ...


def retrieve(
    memory: Memory | None,
    recorder: Recorder,
    state: RunState,
    query: str,
    step_id: int | None,
) -> Iterator[Event]:
    if memory is None:
        return
    try:
        found = memory.search(query, k=3 if step_id is None else 2)
    except MemoryStoreError as exc:
        log.warning("memory search failed, continuing without it: %s", exc)
        return
    items = [
        MemoryItemRef(id=i.id, text=i.text[:300], source=i.source, kind=i.kind, score=i.score)
        for i in found
        if i.run_id != recorder.run_id and i.id not in state.memory
    ]
    if items:
        event = MemoryRetrieved(run_id=recorder.run_id, query=query, step_id=step_id, items=items)
        yield recorder.emit(event)


def remember_episode(
    memory: Memory | None, state: RunState, run_id: str, status: str, answer: str
) -> None:
    if memory is None:
        return
    try:
        memory.add_episode(
            run_id=run_id,
            goal=state.goal,
            plan=[s.title for s in state.plan],
            status=status,
            answer=answer,
        )
    except MemoryStoreError as exc:
        log.warning("could not store the episode in memory: %s", exc)
