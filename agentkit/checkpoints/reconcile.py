"""On resume, find out what a call that was interrupted mid-way really did, before the
model decides anything, so no side effect runs twice and no read is lost.

- a read tool has no side effects: it simply runs again, and its real result is used;
- a call with no checkpoint never got past approval, so it never ran: it runs now (and
  is approved, or not, as any call is);
- a file tool's checkpoint tells: the file now holds the intended content (from the
  tool's `writes`), or differs from the saved state, so the call took effect and is not
  run again; or it is unchanged, so it did not, and it runs now;
- anything else (shell, python, an execute tool, a write tool without `paths`) cannot be
  told apart from "it ran": it is not run again, and an identical call later needs
  explicit approval on a terminal (`--yes` is not enough).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from agentkit.checkpoints.recorder import declared_writes
from agentkit.checkpoints.undo import changes
from agentkit.events import ObservationMade, ToolCalled
from agentkit.run.recorder import observation
from agentkit.tool import Permission

if TYPE_CHECKING:
    from agentkit.checkpoints.recorder import Checkpointer
    from agentkit.checkpoints.snapshot import Snapshot
    from agentkit.checkpoints.store import Checkpoint
    from agentkit.registry import Toolset
    from agentkit.tool import Observation, Tool, ToolContext

__all__ = ["INTERRUPTED", "reconcile_pending"]

INTERRUPTED = "This call was interrupted before it finished"


def _observed(call: ToolCalled, obs: Observation, note: str) -> ObservationMade:
    return observation(
        call, ok=obs.ok, error=obs.error, text=f"{obs.text}\n({note})", seconds=obs.seconds
    )


def reconcile_pending(call: ToolCalled, tools: Toolset, ctx: ToolContext) -> ObservationMade:
    """The observation for `call`, journaled but without a result when the run stopped."""
    rerun = "run again on resume: the interrupted call had not taken effect"
    if call.tool not in tools:
        return observation(call, ok=False, error="not_found", text=f"unknown tool {call.tool!r}")
    tool = tools.get(call.tool)
    if tool.permission is Permission.READ:
        obs = tools.call(call.tool, call.arguments, ctx)
        return _observed(call, obs, "run again on resume; it has no side effects")
    recorder = ctx.checkpoints
    if recorder is None:  # no journal to tell: say so and let the model check
        text = f"{INTERRUPTED} and may or may not have taken effect; check before repeating it."
        return observation(call, ok=False, error="interrupted", text=text)
    rows = recorder.store.for_call(call.run_id, call.index)
    if not rows:  # interrupted before it was approved and started
        return _observed(call, tools.call(call.tool, call.arguments, ctx), rerun)
    row = rows[-1]
    if row.after is not None:  # it returned; only its observation was lost
        found = changes([row], row.workspace)
        what = ", ".join(f"{c.kind} {c.path}" for c in found) or "no file changed"
        text = f"Finished before the interruption ({what}); not run again on resume."
        return observation(call, ok=True, error=None, text=text)
    if row.before.scope == "files":
        return _reconcile_file(call, tools, ctx, recorder, row)
    now = recorder.scan(tool, tool.validate(call.arguments), ctx)
    recorder.store.finish(row.id, now, "unknown")
    found = changes(recorder.store.for_call(call.run_id, call.index)[-1:], row.workspace)
    what = ", ".join(f"{c.kind} {c.path}" for c in found[:10]) or "no file changed"
    text = (
        f"{INTERRUPTED}; whether it ran is unknown (since its checkpoint: {what}). "
        "It was not run again on resume: an identical call now needs explicit approval. "
        "`agentkit runs undo` can restore the workspace."
    )
    return observation(call, ok=False, error="interrupted", text=text)


def _reconcile_file(
    call: ToolCalled, tools: Toolset, ctx: ToolContext, recorder: Checkpointer, row: Checkpoint
) -> ObservationMade:
    """A file tool's checkpoint shows whether it took effect."""
    tool = tools.get(call.tool)
    kwargs = tool.validate(call.arguments)
    now = recorder.rescan(row.before, tool, kwargs, ctx)
    changed = [p for p in row.before.entries if _hash(row.before, p) != _hash(now, p)]
    if not changed:  # nothing happened (or it rewrote the same bytes): running it is safe
        recorder.store.finish(row.id, now, "reconciled")
        rerun = "run again on resume: the interrupted call had not taken effect"
        return _observed(call, tools.call(call.tool, call.arguments, ctx), rerun)
    wrong = [p for p in changed if not _as_intended(recorder, tool, kwargs, row, now, p)]
    if wrong:
        recorder.store.finish(row.id, now, "unknown")
        text = (
            f"{INTERRUPTED}; {', '.join(wrong)} changed but does not hold what it would have "
            "written (a partial write, or another change). It was not run again on resume; "
            "`agentkit runs undo` can restore the file."
        )
        return observation(call, ok=False, error="interrupted", text=text)
    recorder.store.finish(row.id, now, "reconciled")
    text = (
        "Took effect before the interruption (confirmed from its checkpoint: "
        f"{', '.join(changed)} changed); not run again on resume."
    )
    return observation(call, ok=True, error=None, text=text)


def _as_intended(
    recorder: Checkpointer,
    tool: Tool,
    kwargs: dict[str, Any],
    row: Checkpoint,
    now: Snapshot,
    path: str,
) -> bool:
    """`path` now holds what the tool's `writes` says it leaves (True without `writes`)."""
    writes = declared_writes(tool)
    if writes is None:
        return True
    old = row.before.state(path)
    if old is not None and (old.kind != "file" or not old.stored or not old.hash):
        return True  # the old content was not saved; the change itself is the evidence
    current = recorder.store.blob(old.hash) if old is not None and old.hash else None
    intended = hashlib.sha256(writes(kwargs, current)).hexdigest()
    return _hash(now, path) == intended


def _hash(snap: Snapshot, path: str) -> str | None:
    entry = snap.state(path)
    return None if entry is None else (entry.hash or entry.target or entry.kind)
