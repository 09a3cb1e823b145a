"""Turning a journaled run into a demonstration (what `agentkit runs keep ID` stores).

A kept run joins the library the `demonstrations` aid retrieves from: its goal and its
last plan, each step with the tool it used and, for a step the model wrote, its result.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from agentkit.errors import JournalError
from agentkit.events import Event, PlanMade, RunFinished, RunStarted, StepFinished
from agentkit.policy.aids.demonstrations import Demonstration, DemoStep, append_demonstration

__all__ = ["demonstration_of", "keep_run"]


def demonstration_of(events: Sequence[Event]) -> Demonstration:
    start = next((e for e in events if isinstance(e, RunStarted)), None)
    plans = [e for e in events if isinstance(e, PlanMade)]
    end = next((e for e in reversed(events) if isinstance(e, RunFinished)), None)
    if start is None or not plans:
        raise JournalError("this run has no goal and plan to keep")
    if end is None or end.status != "succeeded":
        raise JournalError("only a run that succeeded can be kept as a demonstration")
    written = {e.step_id: e.result for e in events if isinstance(e, StepFinished) and not e.auto}
    steps = [
        DemoStep(
            title=s.title[:80],
            tool=s.tool,
            result=written.get(s.id, "")[:300] or None if s.tool is None else None,
        )
        for s in plans[-1].steps[:6]
    ]
    return Demonstration(goal=start.goal, steps=steps)


def keep_run(events: Sequence[Event], data_home: Path) -> Path:
    """Add the run to the user's demonstrations; returns the library file."""
    return append_demonstration(data_home, demonstration_of(events))
