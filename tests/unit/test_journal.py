"""The run journal: recording events, reading them back, ids, deletion, durability."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from agentkit.config import Settings
from agentkit.errors import JournalError
from agentkit.events import (
    Answered,
    Event,
    ModelCalled,
    ObservationMade,
    PlanMade,
    PlanStep,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    ToolCalled,
)
from agentkit.journal import Journal, new_run_id
from agentkit.llm.base import Usage

PROMPT = "system: you are a planner\nuser: add 2 and 3\n" * 20


def run_events(run_id: str, *, finished: bool = True, at: float | None = None) -> list[Event]:
    at = time.time() if at is None else at
    usage = Usage(prompt_tokens=100, cached_prompt_tokens=60, completion_tokens=20, calls=2)
    events: list[Event] = [
        RunStarted(
            run_id=run_id, seq=0, at=at, goal="add 2 and 3", model="smol", settings={"a": 1}
        ),
        PlanMade(run_id=run_id, seq=1, steps=[PlanStep(id=1, title="add", tool="calc")]),
        StepStarted(run_id=run_id, seq=2, step_id=1, title="add"),
        ModelCalled(
            run_id=run_id,
            seq=3,
            purpose="decide",
            prompt_hash="h1",
            prompt=PROMPT,
            output='{"action":"call"}',
            usage=usage,
        ),
        ToolCalled(run_id=run_id, seq=4, index=1, step_id=1, tool="calc", arguments={"x": "2+3"}),
        ObservationMade(
            run_id=run_id,
            seq=5,
            index=1,
            step_id=1,
            tool="calc",
            arguments={"x": "2+3"},
            ok=True,
            text="5",
            seconds=0.01,
        ),
        ModelCalled(
            run_id=run_id,
            seq=6,
            purpose="decide",
            prompt_hash="h1",
            prompt=PROMPT,
            output='{"action":"done"}',
            usage=usage,
        ),
        StepFinished(run_id=run_id, seq=7, step_id=1, result="5"),
        Answered(run_id=run_id, seq=8, answer="5 [obs-1]", citations=["obs-1"]),
    ]
    if finished:
        events.append(
            RunFinished(
                run_id=run_id,
                seq=9,
                status="succeeded",
                answer="5 [obs-1]",
                usage=usage,
                wall_seconds=1.5,
            )
        )
    return events


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal(tmp_path / "journal.db") as j:
        yield j


def record_all(journal: Journal, events: list[Event]) -> None:
    for event in events:
        journal.record(event)


def test_round_trip_preserves_every_event(journal: Journal) -> None:
    events = run_events("r1")
    record_all(journal, events)
    assert journal.events("r1") == events


def test_run_row_follows_start_and_finish(journal: Journal) -> None:
    record_all(journal, run_events("r1", finished=False))
    run = journal.get_run("r1")
    assert (run.kind, run.goal, run.model, run.status) == (
        "agent",
        "add 2 and 3",
        "smol",
        "running",
    )
    assert run.settings == {"a": 1} and run.finished_at is None and run.answer is None
    journal.record(run_events("r1")[-1])
    run = journal.get_run("r1")
    assert run.status == "succeeded" and run.answer == "5 [obs-1]"
    assert run.usage is not None and run.usage["prompt_tokens"] == 100
    assert run.finished_at is not None


def test_resumed_run_goes_back_to_running(journal: Journal) -> None:
    record_all(journal, run_events("r1"))
    journal.record(RunStarted(run_id="r1", seq=10, goal="ignored", model="smol", resumed=True))
    run = journal.get_run("r1")
    assert run.status == "running" and run.finished_at is None and run.goal == "add 2 and 3"


def test_prompts_are_stored_once(journal: Journal) -> None:
    record_all(journal, run_events("r1"))
    record_all(journal, run_events("r2"))
    conn = sqlite3.connect(journal.path)
    assert conn.execute("SELECT count(*) FROM prompts").fetchone() == (1,)
    data = conn.execute("SELECT data FROM events WHERE type = 'model_called'").fetchall()
    assert len(data) == 4 and all("system: you are" not in row[0] for row in data)


def test_workflow_runs_use_start_and_finish(journal: Journal) -> None:
    journal.start_run(run_id="w1", kind="workflow", goal="wf.yaml", model="smol", settings={})
    journal.finish_run("w1", status="failed", answer=None, usage={"calls": 0})
    run = journal.get_run("w1")
    assert (run.kind, run.status, run.usage) == ("workflow", "failed", {"calls": 0})
    assert journal.events("w1") == []


def test_list_runs_newest_first_with_filters(journal: Journal) -> None:
    now = time.time()
    record_all(journal, run_events("old", at=now - 100))
    record_all(journal, run_events("mid", at=now - 50, finished=False))
    record_all(journal, run_events("new", at=now))
    assert [r.run_id for r in journal.list_runs()] == ["new", "mid", "old"]
    assert [r.run_id for r in journal.list_runs(status="running")] == ["mid"]
    assert [r.run_id for r in journal.list_runs(limit=1)] == ["new"]


def test_resolve_id_by_unique_prefix(journal: Journal) -> None:
    for run_id in ("20260101-000000-aaaa", "20260101-000000-aabb", "20260202-000000-cccc"):
        journal.start_run(run_id=run_id, kind="agent", goal="g", model="m", settings={})
    assert journal.resolve_id("20260202") == "20260202-000000-cccc"
    assert journal.resolve_id("20260101-000000-aaaa") == "20260101-000000-aaaa"
    with pytest.raises(JournalError, match="several runs"):
        journal.resolve_id("20260101-000000-aa")
    with pytest.raises(JournalError, match="no run matches"):
        journal.resolve_id("1999")
    with pytest.raises(JournalError, match="no run matches"):
        journal.resolve_id("2026010_")  # LIKE wildcards are literal


def test_unknown_run_is_a_journal_error(journal: Journal) -> None:
    with pytest.raises(JournalError, match="no run 'nope'"):
        journal.get_run("nope")
    with pytest.raises(JournalError, match="unknown run"):
        journal.record(StepStarted(run_id="nope", step_id=1, title="x"))
    with pytest.raises(JournalError, match="never started"):
        journal.finish_run("nope", status="failed", answer=None, usage=None)


def test_executed_tool_calls(journal: Journal) -> None:
    record_all(journal, run_events("r1"))
    calls = journal.executed_tool_calls("r1")
    assert [(c.index, c.tool, c.text) for c in calls] == [(1, "calc", "5")]


def test_delete_removes_events_and_orphan_prompts(journal: Journal) -> None:
    record_all(journal, run_events("r1"))
    record_all(journal, run_events("r2"))
    journal.delete("r1")
    conn = sqlite3.connect(journal.path)
    assert conn.execute("SELECT count(*) FROM events WHERE run_id='r1'").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM prompts").fetchone() == (1,)
    journal.delete("r2")
    assert conn.execute("SELECT count(*) FROM prompts").fetchone() == (0,)
    with pytest.raises(JournalError):
        journal.delete("r2")


def test_prune_removes_only_old_runs(journal: Journal) -> None:
    now = time.time()
    record_all(journal, run_events("old", at=now - 10 * 86400))
    record_all(journal, run_events("new", at=now - 3600))
    assert journal.prune(timedelta(days=7)) == 1
    assert [r.run_id for r in journal.list_runs()] == ["new"]
    assert journal.prune(timedelta(days=7)) == 0


def test_new_run_ids_sort_by_time_and_are_unique() -> None:
    first = new_run_id()
    assert len(first) == len("20261129-071502-3f9a") and first[8] == "-"
    assert len({new_run_id() for _ in range(50)}) > 40
    assert first[:15] <= new_run_id()[:15]


def test_check_reports_ok(journal: Journal) -> None:
    assert journal.check() == "ok"


def test_open_uses_settings_journal_path(tmp_path: Path) -> None:
    with Journal.open(Settings.model_validate({"home": tmp_path / "home"})) as j:
        assert j.path == tmp_path / "home" / "journal.db"
        assert j.schema_version >= 2
    assert (tmp_path / "home" / "journal.db").is_file()


def test_wal_mode_and_data_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with Journal(path) as j:
        record_all(j, run_events("r1"))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    with Journal(path) as j:
        assert j.get_run("r1").status == "succeeded"


def test_unwritable_location_is_a_journal_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(JournalError, match="AGENTKIT_HOME"):
        Journal(blocker / "journal.db")


def test_corrupt_file_is_a_journal_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(JournalError, match=r"corrupt.*mv "):
        Journal(path)


def test_locked_database_is_retried(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    Journal(path).close()
    journal = Journal(path, timeout=0.05)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    timer = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    timer.start()
    try:
        journal.start_run(run_id="r1", kind="agent", goal="g", model="m", settings={})
    finally:
        timer.join()
    assert journal.get_run("r1").status == "running"


def test_lock_that_never_clears_is_a_journal_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    Journal(path).close()
    journal = Journal(path, timeout=0.01)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    with pytest.raises(JournalError, match="locked"):
        journal.start_run(run_id="r1", kind="agent", goal="g", model="m", settings={})
    other.execute("ROLLBACK")


def _write_run(path: str, run_id: str) -> int:
    with Journal(Path(path)) as journal:
        record_all(journal, run_events(run_id))
        return len(journal.events(run_id))


def test_two_processes_write_one_journal(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.db")
    Journal(Path(path)).close()
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        counts = pool.starmap(_write_run, [(path, f"p{i}") for i in range(4)])
    assert counts == [10, 10, 10, 10]
    with Journal(Path(path)) as journal:
        assert len(journal.list_runs()) == 4 and journal.check() == "ok"
