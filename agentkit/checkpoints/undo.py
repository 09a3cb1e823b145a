"""What a run changed in its workspace, and putting it back (`agentkit runs diff/undo`).

For a selection of checkpoints (a step, a call, or the whole run): a path's state before
is its state in the earliest checkpoint covering it, and its state after is the one in
the latest (or the disk now, when that call never finished). Undo restores every changed
path to its state before, but first checks the disk still holds the state after: a file
changed since by something else is a conflict, and undo refuses unless forced.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from agentkit.checkpoints.recorder import diff_lines
from agentkit.checkpoints.snapshot import Entry, entry_for
from agentkit.checkpoints.store import Checkpoint, CheckpointStore
from agentkit.errors import AgentkitError

__all__ = ["Change", "UndoPlan", "apply_undo", "changes", "plan_undo", "render_diff", "select"]


@dataclass(frozen=True)
class Change:
    path: str
    kind: Literal["added", "modified", "deleted"]
    before: Entry | None
    after: Entry | None


def select(
    checkpoints: list[Checkpoint], *, step: int | None, call: int | None, onward: bool
) -> list[Checkpoint]:
    """The checkpoints of step `step` (or call `call`), or all of them; with `onward`,
    also every later one (undoing a step undoes what came after it)."""
    if step is None and call is None:
        return checkpoints
    hits = [
        i
        for i, c in enumerate(checkpoints)
        if (step is not None and c.step_id == step) or (call is not None and c.call_index == call)
    ]
    what = f"step {step}" if step is not None else f"call #{call}"
    if not hits:
        raise AgentkitError(
            f"{what} changed nothing that was checkpointed; see `agentkit runs diff ID`"
        )
    return checkpoints[hits[0] :] if onward else [checkpoints[i] for i in hits]


def _never(_: str) -> bool:
    return True  # scans for comparison only: save no blobs


def _discard(_digest: str, _data: bytes) -> bool:
    return True


def _now(workspace: Path, path: str) -> Entry | None:
    return entry_for(workspace / path, 1 << 62, _discard, _never)


def _span(selected: list[Checkpoint]) -> dict[str, tuple[Entry | None, Entry | None, bool]]:
    """path -> (state before, state after, after known) over the selected checkpoints."""
    seen: dict[str, tuple[Entry | None, Entry | None, bool]] = {}
    for c in selected:
        paths = set(c.before.entries) | set(c.after.entries if c.after else ())
        for path in sorted(paths):
            if not c.before.covers(path):
                continue
            before = seen[path][0] if path in seen else c.before.state(path)
            if c.after is None:
                seen[path] = (before, None, False)
            else:
                seen[path] = (before, c.after.state(path), True)
    return seen


def _same(a: Entry | None, b: Entry | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.kind == "dir" == b.kind or a.same(b)


def changes(selected: list[Checkpoint], workspace: Path) -> list[Change]:
    out = []
    for path, (before, after, known) in sorted(_span(selected).items()):
        if not known:
            after = _now(workspace, path)
        if _same(before, after):
            continue
        kind: Literal["added", "modified", "deleted"] = (
            "added" if before is None else "deleted" if after is None else "modified"
        )
        out.append(Change(path, kind, before, after))
    return out


def _content(
    store: CheckpointStore, workspace: Path, path: str, entry: Entry | None
) -> bytes | None:
    if entry is None or entry.kind != "file":
        return None
    if entry.stored and entry.hash:
        return store.blob(entry.hash)
    current = workspace / path
    if entry.hash and _same(_now(workspace, path), entry) and current.is_file():
        return current.read_bytes()
    return None


def render_diff(store: CheckpointStore, found: list[Change], workspace: Path) -> list[str]:
    lines = [f"{c.kind:<9} {c.path}" for c in found]
    for c in found:
        if (c.before and c.before.kind != "file") or (c.after and c.after.kind != "file"):
            continue  # directories and links: the summary line says it all
        lines.append("")
        if (c.before and not c.before.stored) or (c.after and not c.after.stored):
            lines.append(f"{c.path}: over the checkpoint size caps, recorded by hash only")
            continue
        old = _content(store, workspace, c.path, c.before)
        new = _content(store, workspace, c.path, c.after)
        lines += diff_lines(c.path, old, new)
    return lines


@dataclass
class UndoPlan:
    workspace: Path
    targets: dict[str, Entry | None] = field(default_factory=dict)  # path -> state to restore
    conflicts: list[str] = field(default_factory=list)  # changed since by something else
    unrestorable: list[str] = field(default_factory=list)  # content over the size cap
    checkpoint_ids: list[int] = field(default_factory=list)


def plan_undo(selected: list[Checkpoint], workspace: Path) -> UndoPlan:
    plan = UndoPlan(workspace, checkpoint_ids=[c.id for c in selected])
    for path, (before, after, known) in sorted(_span(selected).items()):
        now = _now(workspace, path)
        if _same(before, now):
            continue  # already as it was
        if known and not _same(after, now):
            plan.conflicts.append(path)
        if before is not None and before.kind == "file" and not before.stored:
            plan.unrestorable.append(path)
            continue
        plan.targets[path] = before
    # A folder the run created holds something the run did not put there: a conflict too.
    for path, target in plan.targets.items():
        if target is None and (workspace / path).is_dir() and not (workspace / path).is_symlink():
            for child in (workspace / path).rglob("*"):
                rel = child.relative_to(workspace).as_posix()
                if plan.targets.get(rel, "keep") is not None:
                    plan.conflicts.append(rel)
    plan.conflicts = sorted(set(plan.conflicts))
    return plan


def _inside(workspace: Path, path: Path) -> bool:
    """The parent really lies in the workspace (no symlinked folder redirects a restore)."""
    real = path.parent.resolve()
    return real == workspace or real.is_relative_to(workspace)


def _remove(target: Path) -> None:
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)


def apply_undo(store: CheckpointStore, plan: UndoPlan) -> list[str]:
    """Restore every target; returns the paths restored. Deepest removals first, then
    folders from the top down, then links and files (written atomically)."""
    ws = plan.workspace.resolve()
    done: list[str] = []
    removals = sorted((p for p, e in plan.targets.items() if e is None), key=len, reverse=True)
    for path in removals:
        target = ws / path
        if _inside(ws, target) and (target.exists() or target.is_symlink()):
            _remove(target)
        done.append(path)
    creations = sorted(
        ((p, e) for p, e in plan.targets.items() if e is not None), key=lambda x: x[0].count("/")
    )
    for path, entry in creations:
        target = ws / path
        for parent in reversed(Path(path).parents[:-1]):  # folders the run removed
            (ws / parent).mkdir(exist_ok=True)
        if not _inside(ws, target):
            continue
        current = _now(ws, path)
        if current is not None and not (entry.kind == "dir" == current.kind):
            _remove(target)
        if entry.kind == "dir":
            target.mkdir(exist_ok=True)
            with contextlib.suppress(OSError):
                target.chmod(entry.mode)
        elif entry.kind == "link":
            target.symlink_to(entry.target or "")
        else:
            tmp = target.with_name(f".{target.name}.agentkit-undo")
            tmp.write_bytes(store.blob(entry.hash or ""))
            tmp.chmod(entry.mode)
            tmp.replace(target)
        done.append(path)
    store.mark_undone(plan.checkpoint_ids)
    return done
