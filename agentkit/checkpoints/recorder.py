"""`Checkpointer`: what `Toolset.call` uses to save state around one write or execute call.

    pending = ctx.checkpoints.prepare(tool, kwargs, ctx)   # before approval: scan, preview
    ctx.checkpoints.begin(pending)                         # approved: the row is written
    ...the tool runs...
    ctx.checkpoints.finish(pending)                        # the state after it

A file tool (one that declares `paths`) saves just those files; any other write tool
and every execute tool saves the whole workspace tree, up to the configured caps.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentkit.checkpoints.snapshot import Sink, Snapshot, scan_files, scan_tree
from agentkit.checkpoints.store import CheckpointStore, Outcome
from agentkit.errors import ToolError

if TYPE_CHECKING:
    from agentkit.journal import Journal
    from agentkit.tool import Tool, ToolContext, WritesFn

__all__ = [
    "Checkpointer",
    "PendingCheckpoint",
    "Provenance",
    "checkpointer",
    "declared_paths",
    "declared_writes",
]

DIFF_LINES = 40  # lines of diff shown when asking for approval


@dataclass
class PendingCheckpoint:
    """A scan taken before a call, waiting for the call to be approved and run."""

    tool: Tool
    arguments: dict[str, Any]
    workspace: Path
    before: Snapshot
    preview: str  # the diff to be applied, or what the snapshot covers
    overwrites: list[str] = field(default_factory=list)  # existing files the run did not create
    uncertain: bool = False  # the identical call was interrupted and may have run
    unnamed: list[str] = field(default_factory=list)  # targets the goal does not name
    tainted: bool = False  # tool results or memory items entered the run before this call
    id: int | None = None


@dataclass(frozen=True)
class Provenance:
    """Who shaped a call: the user's words that may name its targets, and whether
    untrusted text (a tool result, a memory item, a step's output) went into it."""

    named_by: str
    tainted: bool
    # The user chose the tool itself (a workflow file's tool step, not a model): a write
    # tool's whole-workspace effect is then theirs to ask for, even fed a step's output.
    # A command or code to run (execute) stays unnamed: untrusted text must not become one.
    user_chose_tool: bool = False


def checkpointer(
    journal: Journal | None,
    run_id: str,
    call_index: int,
    step_id: int | None,
    *,
    provenance: Provenance | None = None,
) -> Checkpointer | None:
    """The checkpointer for one call of a journaled run (None without a journal)."""
    if journal is None:
        return None
    return Checkpointer(journal, run_id, call_index, step_id, provenance=provenance)


class Checkpointer:
    def __init__(
        self,
        journal: Journal,
        run_id: str,
        call_index: int,
        step_id: int | None,
        *,
        provenance: Provenance | None = None,
    ) -> None:
        """`provenance` is given by a caller that knows it better than the journal can
        (a workflow's tool step, whose tool and arguments the workflow file chose);
        without it, the run's goal names the targets and any observation or memory
        item already in the run taints the call."""
        self.store = CheckpointStore(journal)
        self.run_id = run_id
        self.call_index = call_index
        self.step_id = step_id
        self.provenance = provenance

    def target_paths(self, tool: Tool, kwargs: dict[str, Any], workspace: Path) -> list[str]:
        """The workspace-relative paths named by the tool's `paths` arguments; paths that
        leave the workspace are skipped (the tool itself refuses them)."""
        from agentkit.sandbox import resolve_in_workspace

        found = []
        for name in declared_paths(tool):
            value = kwargs.get(name)
            if not isinstance(value, str):
                continue
            try:
                real = resolve_in_workspace(workspace, value)
            except ToolError:
                continue
            if real != workspace:
                found.append(real.relative_to(workspace).as_posix())
        return found

    def _sink(self, ctx: ToolContext) -> Sink:
        """Saves blobs until this scan's new bytes reach checkpoint_max_total_bytes."""
        left = [ctx.settings.checkpoint_max_total_bytes]

        def put(digest: str, data: bytes) -> bool:
            if len(data) > left[0]:
                return False
            left[0] -= len(data)
            self.store.put_blob(digest, data)
            return True

        return put

    def scan(self, tool: Tool, kwargs: dict[str, Any], ctx: ToolContext) -> Snapshot:
        s = ctx.settings
        known, sink = self.store.has_blob, self._sink(ctx)
        if declared_paths(tool):
            paths = self.target_paths(tool, kwargs, ctx.workspace)
            return scan_files(
                ctx.workspace, paths, max_bytes=s.checkpoint_max_file_bytes, sink=sink, known=known
            )
        return scan_tree(
            ctx.workspace,
            max_bytes=s.checkpoint_max_file_bytes,
            max_files=s.checkpoint_max_files,
            sink=sink,
            known=known,
            exclude=[s.data_home],
        )

    def rescan(
        self, before: Snapshot, tool: Tool, kwargs: dict[str, Any], ctx: ToolContext
    ) -> Snapshot:
        """The same scope as `before`, now."""
        if before.scope == "files":
            s = ctx.settings
            return scan_files(
                ctx.workspace,
                list(before.entries),
                max_bytes=s.checkpoint_max_file_bytes,
                sink=self._sink(ctx),
                known=self.store.has_blob,
            )
        return self.scan(tool, kwargs, ctx)

    def prepare(self, tool: Tool, kwargs: dict[str, Any], ctx: ToolContext) -> PendingCheckpoint:
        before = self.scan(tool, kwargs, ctx)
        earlier = self.store.for_run(self.run_id)
        created = {
            path
            for c in earlier
            for path in (c.after.entries if c.after else {})
            if c.before.covers(path) and c.before.state(path) is None
        }
        overwrites = (
            [
                p
                for p, e in before.entries.items()
                if e is not None and e.kind == "file" and p not in created
            ]
            if before.scope == "files"
            else []
        )
        same = [c for c in earlier if c.tool == tool.name and c.arguments == _jsonable(kwargs)]
        goal, tainted = self._provenance()
        if before.scope == "files":
            unnamed = [p for p in before.entries if not _named(goal, p)]
        elif (
            self.provenance is not None
            and self.provenance.user_chose_tool
            and tool.permission != "execute"
        ):
            unnamed = []
        else:  # a command or code: its target is the whole workspace, which no goal names
            unnamed = ["the workspace"]
        return PendingCheckpoint(
            tool=tool,
            arguments=kwargs,
            workspace=ctx.workspace,
            before=before,
            preview=self._preview(tool, kwargs, before),
            overwrites=overwrites,
            uncertain=any(c.outcome == "unknown" for c in same),
            unnamed=unnamed,
            tainted=tainted,
        )

    def _provenance(self) -> tuple[str, bool]:
        """The run's goal, and whether untrusted text (a tool result, a memory item) has
        entered the run yet."""
        if self.provenance is not None:
            return self.provenance.named_by, self.provenance.tainted
        journal = self.store.journal
        rows = journal.query("SELECT goal FROM runs WHERE run_id = ?", (self.run_id,))
        seen = journal.query(
            "SELECT 1 FROM events WHERE run_id = ? AND type IN ('observation', "
            "'memory_retrieved') LIMIT 1",
            (self.run_id,),
        )
        return (str(rows[0]["goal"]) if rows else "", bool(seen))

    def begin(self, pending: PendingCheckpoint) -> None:
        pending.id = self.store.add(
            run_id=self.run_id,
            call_index=self.call_index,
            step_id=self.step_id,
            tool=pending.tool.name,
            arguments=_jsonable(pending.arguments),
            workspace=pending.workspace,
            before=pending.before,
        )

    def finish(
        self, pending: PendingCheckpoint, ctx: ToolContext, outcome: Outcome = "done"
    ) -> Snapshot:
        after = self.rescan(pending.before, pending.tool, pending.arguments, ctx)
        if pending.id is not None:
            self.store.finish(pending.id, after, outcome)
        return after

    # --- what the approval prompt shows ------------------------------------------------

    def _preview(self, tool: Tool, kwargs: dict[str, Any], before: Snapshot) -> str:
        lines: list[str] = []
        if before.scope == "tree":
            files = [e for e in before.entries.values() if e is not None and e.kind == "file"]
            total = sum(e.size for e in files)
            lines.append(
                f"checkpoint: the workspace ({len(files)} files, {total:,} bytes) is saved "
                "first; `agentkit runs undo` restores it"
            )
            if before.truncated:
                lines.append(
                    f"checkpoint: PARTIAL, only the first {len(before.entries)} entries "
                    "(checkpoint_max_files); the rest cannot be restored"
                )
        else:
            for path, entry in before.entries.items():
                lines += self._file_preview(tool, kwargs, path, entry)
        for path in before.unrestorable():
            lines.append(
                f"checkpoint: {path} is over checkpoint_max_file_bytes (or the snapshot "
                "over checkpoint_max_total_bytes); it is recorded by hash only and CANNOT "
                "be restored"
            )
        return "\n".join(lines)

    def _file_preview(self, tool: Tool, kwargs: dict[str, Any], path: str, entry: Any) -> list[str]:
        old = (
            self.store.blob(entry.hash)
            if entry is not None and entry.stored and entry.hash
            else None
        )
        if entry is not None and entry.kind != "file":
            return [f"{tool.name} changes {path} (a {entry.kind})"]
        writes = declared_writes(tool)
        if writes is None:
            verb = "changes" if entry is not None else "creates"
            return [f"{tool.name} {verb} {path}; it is saved first"]
        new = writes(kwargs, old if entry is not None else None)
        if entry is not None and old is None:
            return [f"{tool.name} overwrites {path} ({entry.size:,} bytes)"]
        return diff_lines(path, old, new, limit=DIFF_LINES)


def declared_paths(tool: Tool) -> tuple[str, ...]:
    """The tool's path arguments. A Tool subclass that builds itself without
    `Tool.__init__` (an MCP tool) may lack the attribute: it declares none, so its
    checkpoint covers the whole workspace."""
    return tuple(getattr(tool, "paths", ()))


def declared_writes(tool: Tool) -> WritesFn | None:
    """The tool's `writes` (what it leaves in its file), or None, as for `declared_paths`."""
    writes: WritesFn | None = getattr(tool, "writes", None)
    return writes


def diff_lines(
    path: str, old: bytes | None, new: bytes | None, *, limit: int | None = None
) -> list[str]:
    """A unified diff of one file's text (or a one-line note for binary content)."""

    def text(data: bytes | None) -> list[str] | None:
        if data is None:
            return []
        if b"\x00" in data[:8192]:
            return None
        return data.decode("utf-8", errors="replace").splitlines(keepends=True)

    a, b = text(old), text(new)
    if a is None or b is None:
        sizes = f"{len(old or b''):,} -> {len(new or b''):,} bytes"
        return [f"Binary file {path} changed ({sizes})"]
    src = "/dev/null" if old is None else f"a/{path}"
    dst = "/dev/null" if new is None else f"b/{path}"
    out = [line.rstrip("\n") for line in difflib.unified_diff(a, b, src, dst)]
    if not out and old is not None and new is not None:
        out = [f"{path}: no change"]
    if limit is not None and len(out) > limit:
        out = [*out[:limit], f"… {len(out) - limit} more diff lines"]
    return out


def _named(goal: str, path: str) -> bool:
    """The goal names `path` (or its file name) as a word of its own."""
    import re

    for name in dict.fromkeys([path, path.rsplit("/", 1)[-1]]):
        if re.search(rf"(?<![\w./-]){re.escape(name)}(?![\w/-])", goal):
            return True
    return False


def _jsonable(kwargs: dict[str, Any]) -> dict[str, Any]:
    import json

    return dict(json.loads(json.dumps(kwargs, default=str)))
