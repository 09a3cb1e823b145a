"""Whether a tool call may run: the one approval rule, applied by `Toolset.call`.

- read tools always run;
- write/execute tools run with `--yes`, when listed in `allow_tools`, or when the user
  approves them (on a terminal: with the diff or checkpoint summary shown);
- overwriting an existing file the run did not create needs `--yes` or an approval
  (`allow_tools` is not enough), and is always checkpointed first;
- taint: once untrusted text (a tool result, a memory item) has entered the run, a call
  that would change a file the goal does not name, or run a command or code, needs a
  fresh approval on a terminal (`taint_approval`, on by default);
- a call identical to one that was interrupted and may have run (a resume could not
  reconcile it) needs an explicit approval: `--yes` and `allow_tools` do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agentkit.tool import Permission, _ask_on_terminal

if TYPE_CHECKING:
    from agentkit.checkpoints.recorder import PendingCheckpoint
    from agentkit.tool import Tool, ToolContext

__all__ = ["Verdict", "decide"]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""  # why it was refused, for the model


def decide(
    tool: Tool, arguments: dict[str, Any], ctx: ToolContext, pending: PendingCheckpoint | None
) -> Verdict:
    if tool.permission is Permission.READ:
        return Verdict(True)
    s = ctx.settings
    if pending is not None and pending.uncertain:
        return _ask(
            tool,
            arguments,
            ctx,
            pending,
            "an identical call was interrupted earlier and may already have run; "
            "it needs explicit approval on a terminal",
        )
    if s.taint_approval and pending is not None and pending.tainted and pending.unnamed:
        return _ask(
            tool,
            arguments,
            ctx,
            pending,
            f"untrusted text (tool results or memory) is in this run and {tool.name} would "
            f"change {', '.join(pending.unnamed)}, which the goal does not name; that needs "
            "a fresh approval on a terminal (--yes is not enough)",
        )
    if s.yes:
        return Verdict(True)
    if pending is not None and pending.overwrites:
        return _ask(
            tool,
            arguments,
            ctx,
            pending,
            f"{tool.name} would overwrite {', '.join(pending.overwrites)}, which this run did "
            "not create; that needs approval or --yes",
        )
    if tool.name in s.allow_tools:
        return Verdict(True)
    return _ask(
        tool,
        arguments,
        ctx,
        pending,
        f"{tool.name} is a {tool.permission} tool and was not approved; "
        f"rerun with --yes or add {tool.name!r} to allow_tools in the config",
    )


def _ask(
    tool: Tool,
    arguments: dict[str, Any],
    ctx: ToolContext,
    pending: PendingCheckpoint | None,
    refusal: str,
) -> Verdict:
    detail = pending.preview if pending is not None else ""
    try:
        # The terminal prompt (possibly a partial carrying the settings) can show the detail.
        if getattr(ctx.approve, "func", ctx.approve) is _ask_on_terminal:
            ok = bool(ctx.approve(tool.name, arguments, detail))  # type: ignore[call-arg]
        else:
            ok = bool(ctx.approve(tool.name, arguments))
    except (EOFError, OSError, AttributeError):  # stdin closed or unreadable: treat as "no"
        ok = False
    return Verdict(True) if ok else Verdict(False, f"refused: {refusal}")
