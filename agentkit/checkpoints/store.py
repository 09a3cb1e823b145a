"""Checkpoints and their blobs, kept in the run journal's SQLite file (schema v3).

A checkpoint row is written just before a write or execute call runs (`began_at`) with
the state the call may change (`before`), and completed when the call returns (`after`,
`outcome`). A row without `after` belongs to a call the process did not live to finish.
Blobs are zlib-compressed file contents named by the sha256 of the raw bytes, so an
unchanged file costs nothing in later snapshots.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from agentkit.checkpoints.snapshot import Scope, Snapshot
from agentkit.errors import JournalError

if TYPE_CHECKING:
    from agentkit.journal import Journal

__all__ = ["Checkpoint", "CheckpointStore", "Outcome"]

# done: the call returned; reconciled: a resume found out what it did; unknown: a resume
# could not tell whether it ran (its identical retry needs explicit approval).
Outcome = Literal["done", "reconciled", "unknown"]


@dataclass
class Checkpoint:
    id: int
    run_id: str
    call_index: int
    step_id: int | None
    tool: str
    arguments: dict[str, Any]
    workspace: Path
    before: Snapshot
    after: Snapshot | None
    began_at: float
    outcome: str | None
    undone_at: float | None


class CheckpointStore:
    """Reads and writes checkpoints through a `Journal` (its connection and its locking)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    # --- blobs -----------------------------------------------------------------------

    def has_blob(self, digest: str) -> bool:
        return bool(self.journal.query("SELECT 1 FROM blobs WHERE hash = ?", (digest,)))

    def put_blob(self, digest: str, data: bytes) -> None:
        packed = zlib.compress(data, 1)
        self._write(
            "INSERT OR IGNORE INTO blobs (hash, size, data) VALUES (?, ?, ?)",
            [(digest, len(data), packed)],
        )

    def _write(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """One statement over `rows` in a write transaction; nothing comes back (a cursor
        would not cross to a Ray worker's journal)."""

        def write(c: sqlite3.Connection) -> None:
            c.executemany(sql, rows)

        self.journal.transaction(write)

    def blob(self, digest: str) -> bytes:
        rows = self.journal.query("SELECT data FROM blobs WHERE hash = ?", (digest,))
        if not rows:
            raise JournalError(
                f"checkpoint blob {digest[:12]} is missing from {self.journal.path}; "
                "that content cannot be restored"
            )
        return zlib.decompress(rows[0]["data"])

    # --- checkpoints -----------------------------------------------------------------

    def add(
        self,
        *,
        run_id: str,
        call_index: int,
        step_id: int | None,
        tool: str,
        arguments: dict[str, Any],
        workspace: Path,
        before: Snapshot,
    ) -> int:
        def write(c: sqlite3.Connection) -> int:
            cursor = c.execute(
                "INSERT INTO checkpoints (run_id, call_index, step_id, tool, arguments, "
                "workspace, scope, before, truncated, began_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    call_index,
                    step_id,
                    tool,
                    json.dumps(arguments, default=str),
                    str(workspace),
                    before.scope,
                    json.dumps(before.to_json()),
                    int(before.truncated),
                    time.time(),
                ),
            )
            return int(cursor.lastrowid or 0)

        return self.journal.transaction(write)

    def finish(self, checkpoint_id: int, after: Snapshot, outcome: Outcome) -> None:
        self._write(
            "UPDATE checkpoints SET after = ?, ended_at = ?, outcome = ? WHERE id = ?",
            [(json.dumps(after.to_json()), time.time(), outcome, checkpoint_id)],
        )

    def mark_undone(self, ids: list[int]) -> None:
        at = time.time()
        self._write("UPDATE checkpoints SET undone_at = ? WHERE id = ?", [(at, i) for i in ids])

    def for_run(self, run_id: str, *, include_undone: bool = False) -> list[Checkpoint]:
        """The run's checkpoints in the order they were taken."""
        where = "" if include_undone else " AND undone_at IS NULL"
        rows = self.journal.query(
            f"SELECT * FROM checkpoints WHERE run_id = ?{where} ORDER BY id", (run_id,)
        )
        return [self._checkpoint(row) for row in rows]

    def for_call(self, run_id: str, call_index: int) -> list[Checkpoint]:
        return [c for c in self.for_run(run_id, include_undone=True) if c.call_index == call_index]

    @staticmethod
    def _checkpoint(row: Mapping[str, Any]) -> Checkpoint:
        scope: Scope = "tree" if row["scope"] == "tree" else "files"
        truncated = bool(row["truncated"])
        after = row["after"]
        return Checkpoint(
            id=row["id"],
            run_id=row["run_id"],
            call_index=row["call_index"],
            step_id=row["step_id"],
            tool=row["tool"],
            arguments=json.loads(row["arguments"]),
            workspace=Path(row["workspace"]),
            before=Snapshot.from_json(scope, json.loads(row["before"]), truncated),
            after=Snapshot.from_json(scope, json.loads(after), truncated) if after else None,
            began_at=row["began_at"],
            outcome=row["outcome"],
            undone_at=row["undone_at"],
        )
