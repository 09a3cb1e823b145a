"""The facts of a run, folded from its events: plan, progress, results, usage, counters.

`RunState.apply` is the only way the state changes, and it only reads the event, so a
resumed run rebuilds the same facts from its journal. Rendering what the model sees is
`agentkit.run.transcript`'s job, not this module's.
"""

from __future__ import annotations

import json
from typing import Any

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
from agentkit.llm.base import Usage

__all__ = ["RunState", "call_key", "memory_ref", "observation_ref"]


def observation_ref(index: int) -> str:
    return f"obs-{index}"


def memory_ref(item_id: str) -> str:
    return f"mem-{item_id[:8]}"


def call_key(tool: str, arguments: dict[str, Any]) -> tuple[str, str]:
    """Identity of a tool call, for detecting identical repeats."""
    return tool, json.dumps(arguments, ensure_ascii=False, sort_keys=True)


class RunState:
    """What has happened so far in one run; every field is a function of the events."""

    def __init__(self, goal: str) -> None:
        self.goal = goal
        self.marker = ""  # the run's untrusted-text marker (from RunStarted)
        self.events: list[Event] = []
        self.plan: list[PlanStep] = []
        self.finished: dict[int, str] = {}
        self.written: dict[int, str] = {}  # results the model wrote, by step id
        self.current: PlanStep | None = None
        self.observations: list[ObservationMade] = []
        self.memory: dict[str, MemoryItemRef] = {}
        self.goal_memory: list[MemoryItemRef] = []
        self.step_memory: list[MemoryItemRef] = []
        self.usage = Usage()
        self.decisions = 0
        self.replans = 0
        self.step_failures = 0
        self.repeats = 0
        self.last_call: tuple[str, str] | None = None
        self.pending_call: ToolCalled | None = None
        self.awaiting_plan = False
        self.status: str = "running"
        self.answer: Answered | None = None

    def apply(self, event: Event) -> None:
        self.events.append(event)
        match event:
            case RunStarted(marker=marker):
                self.status = "running"
                self.marker = self.marker or marker
            case MemoryRetrieved(step_id=None, items=items):
                self.goal_memory = list(items)
                self.memory.update({i.id: i for i in items})
            case MemoryRetrieved(items=items):
                self.step_memory = list(items)
                self.memory.update({i.id: i for i in items})
            case PlanMade(steps=steps):
                done = [s for s in self.plan if s.id in self.finished]
                self.plan = done + list(steps)
                self.awaiting_plan = False
                self.current = None
            case StepStarted(step_id=step_id):
                self.current = next(s for s in self.plan if s.id == step_id)
                self.step_failures = 0
            case ModelCalled(usage=usage, purpose=purpose):
                self.usage = self.usage + usage
                self.decisions += purpose == "decide"
            case ToolCalled(tool=tool, arguments=arguments):
                self.pending_call = event
                key = call_key(tool, arguments)
                self.repeats = self.repeats + 1 if key == self.last_call else 0
                self.last_call = key
            case ObservationMade():
                self.pending_call = None
                self.observations.append(event)
                if not event.ok:
                    self.step_failures += 1
            case StepFinished(step_id=step_id, result=result, auto=auto):
                self.finished[step_id] = result
                if not auto:
                    self.written[step_id] = result
                self.current = None
                self.last_call = None
            case Replanned():
                self.replans += 1
                self.last_call = None
                self.repeats = 0
                self.awaiting_plan = True
                self.current = None
            case Answered():
                self.answer = event
            case RunFinished(status=status):
                self.status = status

    @property
    def next_seq(self) -> int:
        return self.events[-1].seq + 1 if self.events else 0

    @property
    def tool_calls(self) -> int:
        return len(self.observations)

    @property
    def ok_results(self) -> list[ObservationMade]:
        return [o for o in self.observations if o.ok]

    def citable(self) -> list[str]:
        refs = [observation_ref(o.index) for o in self.ok_results]
        return refs + [memory_ref(i) for i in self.memory]
