"""What every batch pool shares: a task (a goal under a fixed run id) and how a pool
reports back. A pool runs tasks on its workers and calls `report` once per task, with
the `run --json` payload or a one-line error. A task whose worker died is run again,
resumed from its journal, at most MAX_ATTEMPTS times."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from agentkit.batch.goals import GoalSpec

__all__ = ["MAX_ATTEMPTS", "Pool", "Report", "Task", "one_line"]

MAX_ATTEMPTS = 3


@dataclass
class Task:
    spec: GoalSpec
    run_id: str
    attempt: int = 1


# report(task, payload, error, worker): exactly one of payload and error is None.
Report = Callable[[Task, dict[str, Any] | None, str | None, str], None]


class Pool(Protocol):
    workers: int

    def run(self, tasks: list[Task], report: Report) -> None: ...


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "…"
