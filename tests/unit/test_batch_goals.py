"""goals.jsonl parsing, stable ids, finished ids, and the batch driver on an in-process pool."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agentkit.batch.driver import run_batch, worker_settings
from agentkit.batch.goals import BadLine, GoalSpec, finished_ids, read_goals
from agentkit.batch.pools import Report, Task
from agentkit.config import Settings


def test_lines_become_goals_or_bad_lines_that_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "goals.jsonl"
    path.write_text(
        '{"goal": "a", "id": "first"}\n\n{"goal": "b"}\n[1, 2]\n{"goal": "c", "colour": 1}\n'
        '{"goal": "d", "id": "first"}\n{"goal": "   "}\n{oops\n'
    )
    items = read_goals(path)
    goals = [i for i in items if isinstance(i, GoalSpec)]
    bad = {i.line: i.error for i in items if isinstance(i, BadLine)}
    assert [(g.goal, g.line) for g in goals] == [("a", 1), ("b", 3)]
    assert goals[0].id == "first" and goals[1].id is not None and goals[1].id.startswith("g-")
    assert set(bad) == {4, 5, 6, 7, 8}
    assert bad[4].startswith("goals.jsonl line 4: expected an object")
    assert "colour" in bad[5] and "earlier line" in bad[6] and "empty" in bad[7]
    assert "not JSON" in bad[8]


def test_default_ids_are_stable_across_reads(tmp_path: Path) -> None:
    path = tmp_path / "goals.jsonl"
    path.write_text('{"goal": "x", "workspace": "/w"}\n{"goal": "x"}\n')
    first, second = read_goals(path), read_goals(path)
    assert [g.id for g in first if isinstance(g, GoalSpec)] == [
        g.id for g in second if isinstance(g, GoalSpec)
    ]
    assert len({g.id for g in first if isinstance(g, GoalSpec)}) == 2  # the workspace counts


def test_finished_ids_take_the_last_word_and_skip_errors(tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    rows: list[Any] = [
        {"id": "a", "status": "succeeded"},
        {"id": "b", "status": "error"},
        {"id": "c", "status": "failed"},
        {"id": "d", "status": "succeeded"},
        {"id": "d", "status": "interrupted"},
    ]
    out.write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"id": "e", "sta')
    assert finished_ids(out) == {"a", "c"}
    assert finished_ids(tmp_path / "missing.jsonl") == set()


class InProcessPool:
    """Runs nothing: answers each task as a run would, to test the driver's bookkeeping."""

    workers = 1

    def __init__(self) -> None:
        self.seen: list[str] = []

    def run(self, tasks: list[Task], report: Report) -> None:
        for task in tasks:
            self.seen.append(task.spec.goal)
            status = "failed" if "fail" in task.spec.goal else "succeeded"
            report(task, {"run_id": task.run_id, "status": status, "goal": task.spec.goal},
                   None, "here")  # fmt: skip


def test_the_driver_writes_one_line_per_goal_and_skips_finished(tmp_path: Path) -> None:
    goals = tmp_path / "goals.jsonl"
    goals.write_text('{"goal": "one"}\n{"goal": "please fail"}\nnope\n')
    out = tmp_path / "out.jsonl"
    pool = InProcessPool()
    warnings: list[str] = []
    summary = run_batch(goals, out, pool, quiet=True, warn=warnings.append)
    assert (summary.succeeded, summary.failed, summary.malformed) == (1, 2, 1)
    assert warnings == ["goals.jsonl line 3: not JSON (Expecting value, column 1)"]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3 and len({r["run_id"] for r in rows if r["run_id"]}) == 2
    again = InProcessPool()
    summary = run_batch(goals, out, again, quiet=True)
    assert again.seen == [] and summary.skipped == 2


def test_workers_share_the_cores_unless_threads_are_set() -> None:
    assert worker_settings(Settings(), 64).threads == 1
    assert worker_settings(Settings(threads=3), 2).threads == 3
