"""`Journal`: every run and every event it yields, in one SQLite file.

WAL mode lets `agentkit runs` read while a run writes; each event is its own
committed transaction, so a crash loses at most the event being written and a run
can resume from what is on disk. Two processes may write at once: SQLite's busy
timeout waits for the lock and tenacity retries when that is not enough.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from pydantic import BaseModel, ValidationError
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from agentkit.errors import JournalError
from agentkit.events import Event, ModelCalled, ObservationMade, RunFinished, RunStarted
from agentkit.events import event_adapter as _events
from agentkit.journal.schema import drop_orphans, migrate, schema_version

if TYPE_CHECKING:
    from agentkit.config import Settings

__all__ = ["Journal", "RunRecord", "new_run_id"]

T = TypeVar("T")


def new_run_id() -> str:
    """A run id that sorts by start time: UTC timestamp plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


class RunRecord(BaseModel):
    run_id: str
    kind: str
    goal: str
    model: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    settings: dict[str, Any]
    usage: dict[str, Any] | None
    answer: str | None


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc)
    )


# Applied to whole transactions: a retried one starts again from BEGIN.
_retry_locked = retry(
    retry=retry_if_exception(_is_locked),
    stop=stop_after_attempt(6),
    wait=wait_exponential(multiplier=0.05, max=1.0),
    reraise=True,
)


def _utc(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


class Journal:
    """The run journal at `path` (created, and migrated to the current schema, on open)."""

    def __init__(self, path: Path, *, timeout: float = 5.0) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE in _write).
            # Shared across threads (tools may run in workers) under self._lock.
            self._conn = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(
                f"cannot open the run journal at {self.path} ({exc}); "
                "set AGENTKIT_HOME to a writable directory"
            ) from exc
        try:
            self._setup()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise self._translate(exc) from exc
        except BaseException:
            self._conn.close()
            raise

    @classmethod
    def open(cls, settings: Settings) -> Journal:
        return cls(settings.journal_path)

    @_retry_locked
    def _setup(self) -> None:
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")  # a committed step survives power loss
        self._conn.execute("PRAGMA foreign_keys=ON")
        migrate(self._conn, self.path)

    def _translate(self, exc: sqlite3.Error) -> JournalError:
        if _is_locked(exc):
            return JournalError(
                f"the run journal {self.path} stayed locked by another process; "
                "wait for it to finish and retry"
            )
        if "readonly" in str(exc) or "unable to open" in str(exc):
            return JournalError(
                f"the run journal {self.path} is not writable ({exc}); fix its permissions "
                "or set AGENTKIT_HOME to a writable directory"
            )
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(
            exc, sqlite3.OperationalError | sqlite3.IntegrityError
        ):
            return JournalError(
                f"the run journal {self.path} is corrupt ({exc}); move it aside "
                f"(mv {self.path} {self.path}.bak) and agentkit starts a new one"
            )
        return JournalError(f"run journal {self.path}: {exc}; rerun with --debug for details")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- low level -------------------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` in one IMMEDIATE transaction (takes the write lock up front), retried."""

        @_retry_locked
        def attempt() -> T:
            with self._lock:
                return once()

        def once() -> T:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return result

        with self._errors():
            return attempt()

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        @_retry_locked
        def attempt() -> list[sqlite3.Row]:
            with self._lock:
                cursor = self._conn.execute(sql, params)
                cursor.row_factory = sqlite3.Row
                return cursor.fetchall()

        with self._errors():
            return attempt()

    def transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` in one write transaction (for modules that keep their own tables here,
        such as agentkit.checkpoints). What `fn` returns must pickle (see `query`): never
        a cursor."""
        return self._write(fn)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows of one read-only statement, as plain dicts: a Ray worker's journal is
        this one behind an actor, and what crosses to it must pickle."""
        return [dict(row) for row in self._read(sql, params)]

    # --- writing ---------------------------------------------------------------------

    def start_run(
        self, *, run_id: str, kind: str, goal: str, model: str, settings: dict[str, Any]
    ) -> None:
        """Insert the run row, or mark an existing (resumed) run as running again."""
        self._write(lambda c: self._start(c, run_id, kind, goal, model, settings, time.time()))

    @staticmethod
    def _start(
        c: sqlite3.Connection,
        run_id: str,
        kind: str,
        goal: str,
        model: str,
        settings: dict[str, Any],
        at: float,
    ) -> None:
        c.execute(
            "INSERT INTO runs (run_id, kind, goal, model, settings, status, started_at) "
            "VALUES (?, ?, ?, ?, ?, 'running', ?) "
            "ON CONFLICT(run_id) DO UPDATE SET status = 'running', finished_at = NULL",
            (run_id, kind, goal, model, json.dumps(settings), at),
        )

    def finish_run(
        self, run_id: str, *, status: str, answer: str | None, usage: dict[str, Any] | None
    ) -> None:
        self._write(lambda c: self._finish(c, run_id, status, answer, usage, time.time()))

    @staticmethod
    def _finish(
        c: sqlite3.Connection,
        run_id: str,
        status: str,
        answer: str | None,
        usage: dict[str, Any] | None,
        at: float,
    ) -> None:
        cursor = c.execute(
            "UPDATE runs SET status = ?, finished_at = ?, usage = ?, answer = ? WHERE run_id = ?",
            (status, at, _dump(usage), answer, run_id),
        )
        if cursor.rowcount == 0:
            raise JournalError(f"cannot finish run {run_id}: it was never started")

    def record(self, event: Event) -> None:
        """Append one event (committed before returning) and update its run row."""

        def write(c: sqlite3.Connection) -> None:
            if isinstance(event, RunStarted):
                self._start(
                    c, event.run_id, "agent", event.goal, event.model, event.settings, event.at
                )
            prompt_hash = None
            exclude: set[str] = set()
            if isinstance(event, ModelCalled):
                prompt_hash, exclude = event.prompt_hash, {"prompt"}
                c.execute(
                    "INSERT OR IGNORE INTO prompts (hash, text) VALUES (?, ?)",
                    (event.prompt_hash, event.prompt),
                )
            try:
                c.execute(
                    "INSERT INTO events (run_id, seq, type, at, data, prompt_hash) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        event.run_id,
                        event.seq,
                        event.type,
                        event.at,
                        event.model_dump_json(exclude=exclude),
                        prompt_hash,
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise JournalError(
                    f"event {event.type} for unknown run {event.run_id}; record RunStarted first"
                ) from exc
            if isinstance(event, RunFinished):
                usage = event.usage.model_dump()
                self._finish(c, event.run_id, event.status, event.answer, usage, event.at)

        self._write(write)

    # --- reading ---------------------------------------------------------------------

    def get_run(self, run_id: str) -> RunRecord:
        rows = self._read("SELECT * FROM runs WHERE run_id = ?", (run_id,))
        if not rows:
            raise JournalError(f"no run {run_id!r} in {self.path}; see `agentkit runs list`")
        return self._run(rows[0])

    @staticmethod
    def _run(row: sqlite3.Row) -> RunRecord:
        return RunRecord(
            run_id=row["run_id"],
            kind=row["kind"],
            goal=row["goal"],
            model=row["model"],
            status=row["status"],
            started_at=datetime.fromtimestamp(row["started_at"], UTC),
            finished_at=_utc(row["finished_at"]),
            settings=json.loads(row["settings"]),
            usage=json.loads(row["usage"]) if row["usage"] else None,
            answer=row["answer"],
        )

    def list_runs(self, *, status: str | None = None, limit: int = 20) -> list[RunRecord]:
        """Runs, newest first."""
        where, params = ("WHERE status = ?", (status,)) if status else ("", ())
        rows = self._read(
            f"SELECT * FROM runs {where} ORDER BY started_at DESC, run_id DESC LIMIT ?",
            (*params, limit),
        )
        return [self._run(row) for row in rows]

    def events(self, run_id: str) -> list[Event]:
        """The run's events in order, ModelCalled with its prompt text restored."""
        self.get_run(run_id)
        rows = self._read(
            "SELECT e.data, p.text FROM events e LEFT JOIN prompts p ON p.hash = e.prompt_hash "
            "WHERE e.run_id = ? ORDER BY e.seq, e.id",
            (run_id,),
        )
        return [self._event(row["data"], row["text"]) for row in rows]

    def _event(self, data: str, prompt: str | None) -> Event:
        payload = json.loads(data)
        if prompt is not None:
            payload["prompt"] = prompt
        try:
            return _events.validate_python(payload)
        except ValidationError as exc:
            raise JournalError(
                f"journal {self.path} holds a {payload.get('type')!r} event this agentkit "
                "cannot read; upgrade agentkit"
            ) from exc

    def executed_tool_calls(self, run_id: str) -> list[ObservationMade]:
        """Tool calls that finished (their observation was recorded), in order."""
        return [e for e in self.events(run_id) if isinstance(e, ObservationMade)]

    def resolve_id(self, prefix: str) -> str:
        """The one run id starting with `prefix` (an exact id always wins)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._read(
            "SELECT run_id FROM runs WHERE run_id = ? OR run_id LIKE ? ESCAPE '\\' "
            "ORDER BY run_id LIMIT 6",
            (prefix, escaped + "%"),
        )
        ids = [row["run_id"] for row in rows]
        if prefix in ids:
            return prefix
        if not ids or not prefix:
            raise JournalError(f"no run matches {prefix!r}; see `agentkit runs list`")
        if len(ids) > 1:
            shown = ", ".join(ids[:5]) + (", …" if len(ids) > 5 else "")
            raise JournalError(f"{prefix!r} matches several runs ({shown}); give more characters")
        return str(ids[0])

    def check(self) -> str:
        """SQLite's quick_check verdict: 'ok', or what is damaged."""
        rows = self._read("PRAGMA quick_check")
        return "; ".join(str(row[0]) for row in rows)

    @property
    def schema_version(self) -> int:
        with self._errors():
            return schema_version(self._conn)

    # --- removing --------------------------------------------------------------------

    def delete(self, run_id: str) -> None:
        def write(c: sqlite3.Connection) -> None:
            if c.execute("DELETE FROM runs WHERE run_id = ?", (run_id,)).rowcount == 0:
                raise JournalError(f"no run {run_id!r} to delete; see `agentkit runs list`")
            drop_orphans(c)

        self._write(write)

    def prune(self, older_than: timedelta) -> int:
        """Delete runs started more than `older_than` ago, whatever their status."""
        cutoff = time.time() - older_than.total_seconds()

        def write(c: sqlite3.Connection) -> int:
            count = c.execute("DELETE FROM runs WHERE started_at < ?", (cutoff,)).rowcount
            drop_orphans(c)
            return int(count)

        return self._write(write)
