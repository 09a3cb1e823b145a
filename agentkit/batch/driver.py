"""`run_batch`: read goals, skip finished ids, run the rest on a pool, write one result
line per goal as it arrives (flushed, so a crashed driver loses nothing finished)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from agentkit.batch.goals import (
    BadLine,
    GoalSpec,
    error_line,
    finished_ids,
    read_goals,
    result_line,
    write_line,
)
from agentkit.batch.pools import Pool, Task

if TYPE_CHECKING:
    from agentkit.config import Settings

__all__ = ["BatchSummary", "make_pool", "run_batch", "worker_settings"]


class BatchSummary(BaseModel):
    total: int = 0
    skipped: int = 0
    succeeded: int = 0
    failed: int = 0  # runs that did not succeed, and goals that could not run
    malformed: int = 0
    seconds: float = 0.0
    workers: int = 1

    @property
    def runs_per_minute(self) -> float:
        ran = self.succeeded + self.failed - self.malformed
        return 60.0 * ran / self.seconds if self.seconds > 0 else 0.0


def worker_settings(settings: Settings, workers: int) -> Settings:
    """Workers share the CPU: without an explicit threads, each gets its share, since
    llama.cpp threads spin-wait and oversubscription makes every worker crawl."""
    if settings.threads is not None:
        return settings
    share = max(1, (os.cpu_count() or 1) // workers)
    return settings.model_copy(update={"threads": share})


def make_pool(
    settings: Settings,
    workers: int,
    *,
    ray: bool = False,
    ray_address: str | None = None,
    gpus_per_worker: float = 0.0,
) -> Pool:
    if ray or ray_address:
        from agentkit.batch.ray_pool import RayPool

        return RayPool(settings, workers, address=ray_address, gpus_per_worker=gpus_per_worker)
    from agentkit.batch.local import LocalPool

    return LocalPool(worker_settings(settings, workers), workers)


@contextmanager
def _bar(quiet: bool, total: int) -> Iterator[Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    progress = Progress(
        TextColumn("batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("done {task.fields[done]}  failed {task.fields[failed]}"),
        TextColumn("{task.fields[rate]:.1f} runs/min"),
        console=Console(stderr=True),
        disable=quiet,
        transient=False,
    )
    with progress:
        yield progress, progress.add_task("batch", total=total, done=0, failed=0, rate=0.0)


def run_batch(
    goals: Path,
    out: Path,
    pool: Pool,
    *,
    rerun: bool = False,
    quiet: bool = False,
    warn: Any = None,
) -> BatchSummary:
    from agentkit.journal import new_run_id

    items = read_goals(goals)
    done = set() if rerun else finished_ids(out)
    specs = [i for i in items if isinstance(i, GoalSpec)]
    todo = [s for s in specs if s.id not in done]
    bad = [i for i in items if isinstance(i, BadLine)]
    summary = BatchSummary(
        total=len(items), skipped=len(specs) - len(todo), malformed=len(bad), workers=pool.workers
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with (
        out.open("w" if rerun else "a", encoding="utf-8") as handle,
        _bar(quiet, len(todo) + len(bad)) as (progress, bar),
    ):

        def advance() -> None:
            summary.seconds = time.monotonic() - started
            progress.update(
                bar,
                advance=1,
                done=summary.succeeded,
                failed=summary.failed,
                rate=summary.runs_per_minute,
            )

        for line in bad:
            if warn is not None:
                warn(line.error)
            write_line(handle, error_line(line=line.line, error=line.error))
            summary.failed += 1
            advance()

        def report(task: Task, payload: dict[str, Any] | None, error: str | None, who: str) -> None:
            if payload is not None:
                write_line(handle, result_line(task.spec, payload, who))
                ok = payload.get("status") == "succeeded"
            else:
                message = f"goal {task.spec.id} (line {task.spec.line}): {error}"
                if warn is not None:
                    warn(message)
                write_line(
                    handle,
                    error_line(line=task.spec.line, error=message, spec=task.spec,
                               run_id=task.run_id),
                )  # fmt: skip
                ok = False
            summary.succeeded += ok
            summary.failed += not ok
            advance()

        run_ids: set[str] = set()
        for _ in todo:  # ids are timestamp + 16 random bits: make sure no two collide
            run_id = new_run_id()
            while run_id in run_ids:
                run_id = new_run_id()
            run_ids.add(run_id)
        pool.run([Task(spec, run_id) for spec, run_id in zip(todo, run_ids, strict=True)], report)
    summary.seconds = time.monotonic() - started
    return summary
