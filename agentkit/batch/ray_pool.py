"""The Ray pool (`--ray`, `--ray-address`): one actor per worker, each keeping its model
loaded; every goal's events go to the driver's journal through one journal actor
pinned to the driver's node, so `agentkit runs list` on the driver shows every run.

A worker that dies mid-goal is restarted by Ray; its goal goes to another worker,
which resumes it from the events already in the driver's journal. Ray is imported
only here, and only when a Ray batch starts (the optional extra `agentkit[ray]`).
"""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentkit.batch.pools import MAX_ATTEMPTS, Report, Task, one_line
from agentkit.errors import AgentkitError, ConfigError

if TYPE_CHECKING:
    from agentkit.config import Settings

__all__ = ["ForwardingJournal", "JournalSink", "RayGoalWorker", "RayPool"]

_CLOSE_WAIT = 30.0  # seconds for all workers to close their MCP servers


class JournalSink:
    """A Ray actor holding the driver's journal; workers call its methods by name."""

    def __init__(self, path: str) -> None:
        from agentkit.journal import Journal

        self.journal = Journal(Path(path))

    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return getattr(self.journal, name)(*args, **kwargs)


class ForwardingJournal:
    """Looks like a Journal to the agent; each call is made by the JournalSink actor and
    waited for, so an event is in the driver's journal before the run goes on."""

    def __init__(self, sink: Any) -> None:
        self._sink = sink

    def __getattr__(self, name: str) -> Any:
        import ray

        def call(*args: Any, **kwargs: Any) -> Any:
            return ray.get(self._sink.call.remote(name, args, kwargs))

        return call

    def close(self) -> None:
        """The journal belongs to the driver; nothing to close here."""


class RayGoalWorker:
    """A Ray actor: a GoalRunner whose journal is the driver's."""

    def __init__(self, settings_json: str, sink: Any) -> None:
        from agentkit.batch.runner import GoalRunner
        from agentkit.config import Settings

        journal = ForwardingJournal(sink)
        self.runner = GoalRunner(Settings.model_validate_json(settings_json), journal=journal)

    def run(
        self, goal: str, run_id: str, workspace: str | None
    ) -> tuple[dict[str, Any] | None, str, str]:
        try:
            return self.runner.run(goal, run_id, workspace), "", self.runner.name
        except AgentkitError as exc:
            return None, one_line(exc), self.runner.name

    def close(self) -> None:
        """Close what the runner holds open (its MCP servers); `ray.kill` could not."""
        self.runner.close()


class RayPool:
    def __init__(
        self,
        settings: Settings,
        workers: int,
        *,
        address: str | None = None,
        gpus_per_worker: float = 0.0,
    ) -> None:
        self.settings = settings
        self.workers = workers
        self.address = address
        self.gpus = gpus_per_worker

    def _start(self) -> bool:
        """Connect to (or start) Ray; True when this call started it, so it stops it."""
        try:
            import ray
        except ImportError:
            raise ConfigError(
                "--ray needs Ray: pip install 'agentkit[ray]' (or run without --ray)"
            ) from None
        if ray.is_initialized():
            return False
        options: dict[str, Any] = {"configure_logging": False, "log_to_driver": False}
        if self.address:
            try:
                ray.init(address=self.address, **options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ConfigError(
                    f"cannot connect to the Ray cluster at {self.address} ({one_line(exc)}); "
                    "start it with `ray start --head` or fix --ray-address"
                ) from exc
        else:
            # A private single-node cluster; the dashboard (an HTTP server) stays off. Ray
            # runs workers at niceness 15 to keep its own daemons responsive, but here the
            # workers are the batch: on a busy machine they would starve.
            os.environ.setdefault("RAY_worker_niceness", "0")
            ray.init(
                num_cpus=self.workers,
                num_gpus=None if self.gpus else 0,
                include_dashboard=False,
                _node_ip_address="127.0.0.1",
                **options,
            )
        return True

    def run(self, tasks: list[Task], report: Report) -> None:
        import ray

        started = self._start()
        try:
            self._run(tasks, report)
        finally:
            if started:
                ray.shutdown()

    def _run(self, tasks: list[Task], report: Report) -> None:
        import ray
        from ray.exceptions import RayActorError
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        here = ray.get_runtime_context().get_node_id()
        sink: Any = (
            ray.remote(JournalSink)
            .options(
                num_cpus=0,
                scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=here, soft=False),
            )
            .remote(str(self.settings.journal_path))
        )
        worker_class = ray.remote(RayGoalWorker).options(
            num_cpus=1, num_gpus=self.gpus, max_restarts=MAX_ATTEMPTS, max_task_retries=0
        )
        settings_json = self.settings.model_dump_json()
        actors: list[Any] = [worker_class.remote(settings_json, sink) for _ in range(self.workers)]
        idle: deque[Any] = deque(actors)
        queue: deque[Task] = deque(tasks)
        pending: dict[Any, tuple[Any, Task]] = {}
        try:
            while queue or pending:
                while queue and idle:
                    task, actor = queue.popleft(), idle.popleft()
                    ref = actor.run.remote(task.spec.goal, task.run_id, task.spec.workspace)
                    pending[ref] = (actor, task)
                (ready,), _ = ray.wait(list(pending), num_returns=1)
                actor, task = pending.pop(ready)
                try:
                    payload, error, worker = ray.get(ready)
                except RayActorError as exc:
                    idle.append(actor)  # Ray restarts it; others get the retried goal first
                    if task.attempt >= MAX_ATTEMPTS:
                        report(task, None, f"its worker died: {one_line(exc)}", "?")
                    else:
                        task.attempt += 1
                        queue.appendleft(task)
                    continue
                idle.appendleft(actor)
                report(task, payload, error or None, worker)
        finally:
            self._close(actors)
            for actor in actors:
                ray.kill(actor)
            ray.kill(sink)

    def _close(self, actors: list[Any]) -> None:
        """Let each worker close its MCP servers before it is killed; a dead or stuck
        worker's servers see their stdin close with it and exit on their own."""
        if not self.settings.mcp.enabled():
            return
        import ray
        from ray.exceptions import RayError

        try:
            ray.get([actor.close.remote() for actor in actors], timeout=_CLOSE_WAIT)
        except RayError:
            return
