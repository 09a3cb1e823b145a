"""The local pool: `--workers N` processes, each loading the model once, many goals each.

Processes are spawned (not forked: llama.cpp and onnxruntime threads do not survive a
fork). When a worker process dies, Python's pool breaks as a whole; the pool is then
rebuilt and the goals that were in flight run again, resumed from the journal.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from agentkit.batch.pools import MAX_ATTEMPTS, Report, Task, one_line
from agentkit.errors import AgentkitError

if TYPE_CHECKING:
    from agentkit.batch.runner import GoalRunner
    from agentkit.config import Settings

__all__ = ["LocalPool"]

_runner: GoalRunner | None = None  # one per worker process, made at its first goal
_settings_json = ""


def _init(settings_json: str) -> None:
    global _settings_json
    _settings_json = settings_json


def _run(goal: str, run_id: str, workspace: str | None) -> tuple[dict[str, Any] | None, str, str]:
    """In a worker: (payload, error, worker name); agentkit errors come back as text."""
    global _runner
    from agentkit.batch.runner import GoalRunner, worker_name

    try:
        if _runner is None:
            from agentkit.config import Settings

            _runner = GoalRunner(Settings.model_validate_json(_settings_json))
        return _runner.run(goal, run_id, workspace), "", _runner.name
    except AgentkitError as exc:
        return None, one_line(exc), worker_name()


class LocalPool:
    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings = settings
        self.workers = workers

    def _started(self, run_id: str) -> bool:
        from agentkit.errors import JournalError
        from agentkit.journal import Journal

        with Journal.open(self.settings) as journal:
            try:
                journal.get_run(run_id)
            except JournalError:
                return False
        return True

    def _executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init,
            initargs=(self.settings.model_dump_json(),),
        )

    def run(self, tasks: list[Task], report: Report) -> None:
        queue = list(tasks)
        while queue:
            queue = self._round(queue, report)

    def _round(self, queue: list[Task], report: Report) -> list[Task]:
        """Run `queue` until done or the pool breaks; return the tasks to run again."""
        again: list[Task] = []
        with self._executor() as pool:
            futures: dict[Future[Any], Task] = {
                pool.submit(_run, t.spec.goal, t.run_id, t.spec.workspace): t for t in queue
            }
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = futures[future]
                    try:
                        payload, error, worker = future.result()
                    except BrokenProcessPool:
                        if not self._started(task.run_id):
                            again.append(task)  # queued behind the dead worker, never began
                        elif task.attempt >= MAX_ATTEMPTS:
                            report(task, None, f"its worker died {task.attempt} times", "?")
                        else:
                            task.attempt += 1
                            again.append(task)
                        continue
                    report(task, payload, error or None, worker)
        return again
