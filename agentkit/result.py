"""The outcome of a run, rebuilt from its events (live or from the journal)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from agentkit.events import (
    Answered,
    Event,
    ModelCalled,
    ObservationMade,
    PlanMade,
    PlanStep,
    RunFinished,
    RunStarted,
    RunStatus,
    StepFinished,
)

__all__ = ["EXIT_CODES", "RunResult", "RunUsage", "StepRecord"]

EXIT_CODES: dict[str, int] = {
    "succeeded": 0,
    "failed": 1,
    "budget_exhausted": 3,
    "interrupted": 130,
    "running": 1,
}


class StepRecord(BaseModel):
    index: int
    step_id: int | None
    tool: str
    arguments: dict[str, Any]
    ok: bool
    observation: str
    error: str | None
    seconds: float


class RunUsage(BaseModel):
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    completion_tokens: int = 0
    sampled_tokens: int = 0  # of completion_tokens, chosen by the model
    forced_tokens: int = 0  # of completion_tokens, fixed by the grammar
    llm_seconds: float = 0.0
    wall_seconds: float = 0.0
    model_calls: int = 0


class RunResult(BaseModel):
    run_id: str
    status: RunStatus
    goal: str
    answer: str | None
    citations: list[str]
    uncited: bool
    forced: bool
    reason: str | None
    plan: list[PlanStep]
    steps: list[StepRecord]
    usage: RunUsage

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    @classmethod
    def from_events(cls, events: Sequence[Event]) -> RunResult:
        start = next(e for e in events if isinstance(e, RunStarted))
        plan: list[PlanStep] = []
        finished: set[int] = set()
        steps: list[StepRecord] = []
        usage = RunUsage()
        answer: Answered | None = None
        end: RunFinished | None = None
        for event in events:
            match event:
                case PlanMade(steps=new):
                    plan = [s for s in plan if s.id in finished] + list(new)
                case StepFinished(step_id=step_id):
                    finished.add(step_id)
                case ObservationMade():
                    steps.append(
                        StepRecord(
                            index=event.index,
                            step_id=event.step_id,
                            tool=event.tool,
                            arguments=event.arguments,
                            ok=event.ok,
                            observation=event.text,
                            error=event.error,
                            seconds=event.seconds,
                        )
                    )
                case ModelCalled(usage=u):
                    usage.prompt_tokens += u.prompt_tokens
                    usage.cached_prompt_tokens += u.cached_prompt_tokens
                    usage.completion_tokens += u.completion_tokens
                    usage.sampled_tokens += u.sampled_tokens
                    usage.forced_tokens += u.forced_tokens
                    usage.llm_seconds += u.seconds
                    usage.model_calls += 1
                case Answered():
                    answer = event
                case RunFinished(wall_seconds=wall):
                    usage.wall_seconds += wall
                    end = event
        return cls(
            run_id=start.run_id,
            status=end.status if end else "running",
            goal=start.goal,
            answer=answer.answer if answer else None,
            citations=answer.citations if answer else [],
            uncited=answer.uncited if answer else False,
            forced=answer.forced if answer else False,
            reason=end.reason if end else None,
            plan=plan,
            steps=steps,
            usage=usage,
        )
