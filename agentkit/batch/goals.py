"""goals.jsonl in, results.jsonl out: parsing goal lines, stable ids, finished ids.

One goal per line: `{"goal": "...", "id": "...", "workspace": "..."}`, `id` and
`workspace` optional. A goal without an id gets one from its text and workspace, so
rerunning the same file finds the same ids. A bad line becomes a `BadLine` that names
the line; the other goals still run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentkit.errors import ConfigError

__all__ = [
    "RERUN_STATUSES",
    "BadLine",
    "GoalSpec",
    "error_line",
    "finished_ids",
    "read_goals",
    "result_line",
    "write_line",
]

# Result statuses that do not count as finished: a rerun tries these goals again.
RERUN_STATUSES = frozenset({"error", "interrupted", "running"})


class GoalSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goal: str = Field(min_length=1)
    id: str | None = Field(None, min_length=1, max_length=200)
    workspace: str | None = None
    line: int = 0  # where it came from, for messages


class BadLine(BaseModel):
    line: int
    error: str


def _default_id(goal: str, workspace: str | None) -> str:
    return "g-" + hashlib.sha256(f"{goal}\x1f{workspace or ''}".encode()).hexdigest()[:12]


def read_goals(path: Path) -> list[GoalSpec | BadLine]:
    """Every line of `path` as a goal or a bad line; ConfigError if the file is unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read goals file {path}: {exc}; give a JSON Lines file") from exc
    items: list[GoalSpec | BadLine] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        items.append(_parse(path, number, raw, seen))
    return items


def _parse(path: Path, number: int, raw: str, seen: set[str]) -> GoalSpec | BadLine:
    where = f"{path.name} line {number}"
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return BadLine(line=number, error=f"{where}: not JSON ({exc.msg}, column {exc.colno})")
    if not isinstance(data, dict):
        return BadLine(line=number, error=f'{where}: expected an object like {{"goal": "..."}}')
    try:
        spec = GoalSpec.model_validate({**data, "line": number})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "line"
        return BadLine(line=number, error=f"{where}: {field}: {first['msg']}")
    if not spec.goal.strip():
        return BadLine(line=number, error=f"{where}: goal is empty")
    spec.id = spec.id or _default_id(spec.goal, spec.workspace)
    if spec.id in seen:
        return BadLine(line=number, error=f"{where}: id {spec.id!r} is used by an earlier line")
    seen.add(spec.id)
    return spec


def finished_ids(results: Path) -> set[str]:
    """Ids that already have a finished result in `results` (missing file: none)."""
    done: set[str] = set()
    try:
        lines = results.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return done
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read results file {results}: {exc}") from exc
    for raw in lines:
        try:
            row = json.loads(raw)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash: that goal runs again
        if isinstance(row, dict) and isinstance(row.get("id"), str):
            if row.get("status") in RERUN_STATUSES:
                done.discard(row["id"])
            else:
                done.add(row["id"])
    return done


def result_line(spec: GoalSpec, result: dict[str, Any], worker: str) -> dict[str, Any]:
    """The `run --json` fields plus the goal's id, workspace and the worker that ran it."""
    return {"id": spec.id, "workspace": spec.workspace, **result, "worker": worker}


def error_line(
    *, line: int, error: str, spec: GoalSpec | None = None, run_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": spec.id if spec else None,
        "workspace": spec.workspace if spec else None,
        "goal": spec.goal if spec else None,
        "run_id": run_id,
        "status": "error",
        "line": line,
        "error": error,
    }


def write_line(handle: Any, row: dict[str, Any]) -> None:
    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    handle.flush()
