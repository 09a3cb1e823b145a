"""Typed events the planner loop yields. The CLI, the journal and tests consume them.

Every event carries the run id and a per-run sequence number `seq`, so a journal can
store them append-only and a resumed run can rebuild its state from them.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

from agentkit.llm.base import Usage

__all__ = [
    "Answered",
    "Event",
    "MemoryItemRef",
    "MemoryRetrieved",
    "ModelCalled",
    "ObservationMade",
    "PlanMade",
    "PlanStep",
    "Replanned",
    "RunFinished",
    "RunStarted",
    "RunStatus",
    "StepFinished",
    "StepStarted",
    "ToolCalled",
    "event_adapter",
]

RunStatus = Literal["running", "succeeded", "failed", "budget_exhausted", "interrupted"]


class PlanStep(BaseModel):
    """One step of a plan; `tool` is a suggestion, `depends_on` lists earlier step ids."""

    id: int
    title: str
    tool: str | None = None
    depends_on: list[int] = Field(default_factory=list)


class _Event(BaseModel):
    run_id: str
    seq: int = 0
    at: float = Field(default_factory=time.time)


class RunStarted(_Event):
    type: Literal["run_started"] = "run_started"
    goal: str
    model: str
    settings: dict[str, Any] = Field(default_factory=dict)
    resumed: bool = False
    # Random per run: untrusted text is fenced between markers carrying it, so hostile
    # text cannot close its own fence (it cannot know the marker).
    marker: str = ""
    policy: str = ""


class PlanMade(_Event):
    type: Literal["plan_made"] = "plan_made"
    steps: list[PlanStep]


class StepStarted(_Event):
    type: Literal["step_started"] = "step_started"
    step_id: int
    title: str


class ModelCalled(_Event):
    """One model call: what it was for, the prompt's hash and text, and the raw output."""

    type: Literal["model_called"] = "model_called"
    purpose: Literal["plan", "decide", "answer", "prompt"]
    prompt_hash: str
    prompt: str
    output: str
    usage: Usage


class ToolCalled(_Event):
    type: Literal["tool_called"] = "tool_called"
    index: int  # 1-based count of tool calls in this run
    step_id: int | None
    tool: str
    arguments: dict[str, Any]


class ObservationMade(_Event):
    type: Literal["observation"] = "observation"
    index: int  # matches ToolCalled.index; also the citation id "obs-<index>"
    step_id: int | None
    tool: str
    arguments: dict[str, Any]
    ok: bool
    text: str
    error: str | None = None
    seconds: float = 0.0


class StepFinished(_Event):
    type: Literal["step_finished"] = "step_finished"
    step_id: int
    result: str
    auto: bool = False  # finished because its suggested tool succeeded, not by a model decision


class MemoryItemRef(BaseModel):
    id: str
    text: str
    source: str
    kind: str
    score: float


class MemoryRetrieved(_Event):
    """Items retrieved from vector memory and shown to the model (for the goal or a step)."""

    type: Literal["memory_retrieved"] = "memory_retrieved"
    query: str
    step_id: int | None = None
    items: list[MemoryItemRef]


class Replanned(_Event):
    type: Literal["replanned"] = "replanned"
    reason: str
    cause: Literal["model", "failures", "loop", "stalled"] = "model"


class Answered(_Event):
    type: Literal["answered"] = "answered"
    answer: str
    citations: list[str] = Field(default_factory=list)  # "obs-3", "mem-<id>"
    uncited: bool = False  # observations existed but the answer cites none
    forced: bool = False  # produced after a budget ran out or the loop gave up


class RunFinished(_Event):
    type: Literal["run_finished"] = "run_finished"
    status: RunStatus
    answer: str | None
    usage: Usage
    wall_seconds: float
    reason: str | None = None


Event = Annotated[
    RunStarted
    | PlanMade
    | StepStarted
    | ModelCalled
    | ToolCalled
    | ObservationMade
    | StepFinished
    | MemoryRetrieved
    | Replanned
    | Answered
    | RunFinished,
    Field(discriminator="type"),
]

event_adapter: TypeAdapter[Event] = TypeAdapter(Event)
