"""Append-only schema migrations: an old journal upgrades in place and keeps its data."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from agentkit.errors import JournalError
from agentkit.events import ModelCalled, RunStarted
from agentkit.journal import MIGRATIONS, Journal
from agentkit.journal.schema import migrate
from agentkit.llm.base import Usage


def make_v1(path: Path) -> None:
    """A journal as the first release wrote it: schema v1, prompts inline in the event JSON."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    started = RunStarted(run_id="old-run", goal="legacy goal", model="smol", at=1_700_000_000.0)
    called = ModelCalled(
        run_id="old-run",
        seq=1,
        purpose="plan",
        prompt_hash="abc",
        prompt="the full prompt",
        output="{}",
        usage=Usage(calls=1),
    )
    conn.execute(
        "INSERT INTO runs (run_id, kind, goal, model, settings, status, started_at, usage) "
        "VALUES ('old-run', 'agent', 'legacy goal', 'smol', '{}', 'succeeded', ?, ?)",
        (started.at, json.dumps({"calls": 1})),
    )
    for event in (started, called):
        conn.execute(
            "INSERT INTO events (run_id, seq, type, at, data) VALUES (?, ?, ?, ?, ?)",
            (event.run_id, event.seq, event.type, event.at, event.model_dump_json()),
        )
    conn.close()


def test_v1_journal_migrates_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    make_v1(path)
    with Journal(path) as journal:
        assert journal.schema_version == len(MIGRATIONS)
        run = journal.get_run("old-run")
        assert (run.goal, run.status, run.usage) == ("legacy goal", "succeeded", {"calls": 1})
        events = journal.events("old-run")
        assert [e.type for e in events] == ["run_started", "model_called"]
        assert isinstance(events[1], ModelCalled) and events[1].prompt == "the full prompt"
        # and the migrated journal takes new-style writes
        journal.record(RunStarted(run_id="new-run", goal="g", model="smol"))
        assert [r.run_id for r in journal.list_runs()] == ["new-run", "old-run"]


def test_migrations_are_applied_once(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    Journal(path).close()
    Journal(path).close()  # a second open must not re-run CREATE TABLE
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)


def test_concurrent_first_opens_do_not_collide(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    errors: list[Exception] = []

    def open_once() -> None:
        try:
            Journal(path).close()
        except (JournalError, sqlite3.Error) as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    Journal(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(JournalError, match="upgrade agentkit"):
        Journal(path)


def test_failed_migration_rolls_back(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "j.db", isolation_level=None)
    conn.execute("CREATE TABLE runs (x)")  # clashes with migration 1
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, "j.db")
    assert conn.execute("PRAGMA user_version").fetchone() == (0,)
    assert not conn.in_transaction
