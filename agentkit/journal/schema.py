"""The journal's SQLite schema, grown by an append-only list of migrations.

`PRAGMA user_version` records how many migrations a database has had. Never edit
or reorder an entry of `MIGRATIONS`: append a new one, so every old journal
upgrades in place on first open.
"""

from __future__ import annotations

import sqlite3

from agentkit.errors import JournalError

__all__ = ["MIGRATIONS", "drop_orphans", "migrate", "schema_version"]

MIGRATIONS: list[str] = [
    # 1: runs and their events; each event is its full pydantic JSON.
    """
    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        goal TEXT NOT NULL,
        model TEXT NOT NULL,
        settings TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL,
        started_at REAL NOT NULL,
        finished_at REAL,
        usage TEXT,
        answer TEXT
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        at REAL NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX events_run_seq ON events(run_id, seq);
    """,
    # 2: prompts are long and repeat their prefix across calls: store each text once.
    """
    CREATE TABLE prompts (hash TEXT PRIMARY KEY, text TEXT NOT NULL);
    ALTER TABLE events ADD COLUMN prompt_hash TEXT REFERENCES prompts(hash);
    CREATE INDEX runs_started ON runs(started_at);
    """,
    # 3: checkpoints. Before a write or execute call runs, the state it may change (its
    # target files, or the whole workspace tree) is saved as a manifest of entries whose
    # contents are content-addressed blobs; the state after the call is saved the same way.
    """
    CREATE TABLE blobs (hash TEXT PRIMARY KEY, size INTEGER NOT NULL, data BLOB NOT NULL);
    CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
        call_index INTEGER NOT NULL,
        step_id INTEGER,
        tool TEXT NOT NULL,
        arguments TEXT NOT NULL,
        workspace TEXT NOT NULL,
        scope TEXT NOT NULL,
        before TEXT NOT NULL,
        after TEXT,
        truncated INTEGER NOT NULL DEFAULT 0,
        began_at REAL NOT NULL,
        ended_at REAL,
        outcome TEXT,
        undone_at REAL
    );
    CREATE INDEX checkpoints_run ON checkpoints(run_id, call_index);
    """,
]


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit mid-transaction)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def migrate(conn: sqlite3.Connection, path: object) -> None:
    """Apply pending migrations, one transaction each.

    The version is re-read under the write lock, so two processes opening a fresh
    journal at once cannot both apply the same migration.
    """
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = schema_version(conn)
            if version > len(MIGRATIONS):
                raise JournalError(
                    f"journal {path} has schema v{version}, newer than this agentkit knows "
                    f"(v{len(MIGRATIONS)}); upgrade agentkit"
                )
            if version == len(MIGRATIONS):
                conn.execute("COMMIT")
                return
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def drop_orphans(c: sqlite3.Connection) -> None:
    """After runs are deleted: the prompts no event names, and the blobs no checkpoint
    manifest names (blobs are named by the hashes in the manifests)."""
    c.execute(
        "DELETE FROM prompts WHERE hash NOT IN "
        "(SELECT prompt_hash FROM events WHERE prompt_hash IS NOT NULL)"
    )
    c.execute(
        "DELETE FROM blobs WHERE hash NOT IN (SELECT h FROM ("
        "SELECT json_extract(m.value, '$.hash') AS h FROM checkpoints k, json_each(k.before) m "
        "UNION SELECT json_extract(m.value, '$.hash') FROM checkpoints k, "
        "json_each(coalesce(k.after, '{}')) m) WHERE h IS NOT NULL)"
    )
