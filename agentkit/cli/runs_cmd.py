"""`agentkit runs`: list, show, export, resume, diff, undo, delete and prune journaled runs."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentkit.cli import terminal
from agentkit.cli.common import JsonOpt, ModelOpt, ThreadsOpt, YesOpt, resolve
from agentkit.errors import ConfigError, JournalError

if TYPE_CHECKING:
    from agentkit.journal import Journal

__all__ = ["app", "parse_duration"]

app = typer.Typer(
    help="The run journal: list, show, resume, diff, undo, prune.", no_args_is_help=True
)

IdArg = Annotated[str, typer.Argument(help="Run id, or any unique prefix of it.")]
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """'90s', '15m', '12h', '7d', '2w' → timedelta."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", text.lower())
    if not match:
        raise ConfigError(f"invalid duration {text!r}; use a number and a unit: 30m, 12h, 7d, 2w")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def _journal() -> Journal:
    from agentkit.journal import Journal

    return Journal.open(resolve().settings)


def _full_record(journal: Journal, run_id: str) -> dict[str, Any]:
    return {
        "run": journal.get_run(run_id).model_dump(mode="json"),
        "events": [event.model_dump(mode="json") for event in journal.events(run_id)],
    }


@app.command("list")
def list_runs(
    as_json: JsonOpt = False,
    status: Annotated[
        str | None, typer.Option("--status", help="Only runs with this status, e.g. failed.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N runs.")] = 20,
) -> None:
    """List runs, newest first."""
    with _journal() as journal:
        runs = journal.list_runs(status=status, limit=limit)
        if as_json:
            typer.echo(json.dumps([run.model_dump(mode="json") for run in runs], indent=2))
            return
        if not runs:
            typer.echo(f"no runs in {journal.path}", err=True)
            return
    typer.echo(f"{'ID':<20}  {'STATUS':<16}  {'STARTED (UTC)':<16}  {'KIND':<8}  GOAL")
    for run in runs:
        goal = " ".join(run.goal.split())
        goal = goal if len(goal) <= 60 else goal[:59] + "…"
        started = f"{run.started_at:%Y-%m-%d %H:%M}"
        terminal.echo(f"{run.run_id:<20}  {run.status:<16}  {started:<16}  {run.kind:<8}  {goal}")


@app.command()
def show(run_id: IdArg, as_json: JsonOpt = False) -> None:
    """Show a run as a timeline: plan, steps, tool calls, observations, answer, usage."""
    from agentkit.journal.timeline import render_timeline

    with _journal() as journal:
        full_id = journal.resolve_id(run_id)
        if as_json:
            typer.echo(json.dumps(_full_record(journal, full_id), indent=2))
            return
        lines = render_timeline(journal.get_run(full_id), journal.events(full_id))
    terminal.echo("\n".join(lines))


@app.command()
def export(run_id: IdArg) -> None:
    """Print the full run (record and every event, prompts included) as JSON on stdout."""
    with _journal() as journal:
        typer.echo(json.dumps(_full_record(journal, journal.resolve_id(run_id)), indent=2))


@app.command()
def delete(run_id: IdArg) -> None:
    """Delete one run and its events."""
    with _journal() as journal:
        full_id = journal.resolve_id(run_id)
        journal.delete(full_id)
    typer.echo(f"deleted {full_id}")


@app.command()
def prune(
    older_than: Annotated[
        str, typer.Option("--older-than", help="Age like 30m, 12h, 7d or 2w.", show_default=False)
    ],
) -> None:
    """Delete every run started longer ago than --older-than."""
    age = parse_duration(older_than)
    with _journal() as journal:
        count = journal.prune(age)
    typer.echo(f"pruned {count} run{'s' if count != 1 else ''} older than {older_than}")


@app.command()
def resume(
    run_id: IdArg,
    yes: YesOpt = None,
    model: ModelOpt = None,
    threads: ThreadsOpt = None,
    max_steps: Annotated[int | None, typer.Option(help="Most model decisions now.")] = None,
    max_time: Annotated[float | None, typer.Option(help="Most wall-clock seconds now.")] = None,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Continue a stopped run from its first unfinished step; finished tool calls never rerun."""
    from agentkit.cli.run import execute, print_result
    from agentkit.config import Settings
    from agentkit.events import RunStarted

    with _journal() as journal:
        full_id = journal.resolve_id(run_id)
        kind = journal.get_run(full_id).kind
        if kind != "agent":
            again = {
                "workflow": "run the workflow again with agentkit run --file",
                "tool": "call the tool again with agentkit tools call",
            }.get(kind, "start it again")
            raise JournalError(f"run {full_id} is a {kind} run; only agent runs resume, so {again}")
        start = next(e for e in journal.events(full_id) if isinstance(e, RunStarted))
    given = resolve(yes=yes, model=model, threads=threads, max_steps=max_steps, max_time=max_time)
    # The run continues with the settings it started with; flags given now win.
    explicit = {
        key: getattr(given.settings, key) for key, src in given.sources.items() if src == "cli"
    }
    settings = Settings.model_validate({**start.settings, **explicit})
    result = execute(settings, lambda agent: agent.resume(full_id), quiet=quiet)
    print_result(result, as_json=as_json)
    raise typer.Exit(result.exit_code)


@app.command()
def keep(run_id: IdArg) -> None:
    """Keep a good run as a worked demonstration that later runs of similar goals see."""
    from agentkit.policy.keep import keep_run

    settings = resolve().settings
    with _journal() as journal:
        full_id = journal.resolve_id(run_id)
        path = keep_run(journal.events(full_id), settings.data_home)
    typer.echo(f"kept run {full_id} as a demonstration in {path}")


StepOpt = Annotated[
    int | None, typer.Option("--step", help="Only plan step N (as numbered in `runs show`).")
]
CallOpt = Annotated[int | None, typer.Option("--call", help="Only tool call #N.")]


@app.command()
def diff(run_id: IdArg, step: StepOpt = None, call: CallOpt = None) -> None:
    """Show what a run (or one step) changed: added, modified, deleted files and diffs."""
    from agentkit.checkpoints import CheckpointStore
    from agentkit.checkpoints.undo import changes, render_diff, select

    with _journal() as journal:
        full_id = journal.resolve_id(run_id)
        store = CheckpointStore(journal)
        chosen = select(store.for_run(full_id), step=step, call=call, onward=False)
        if not chosen:
            typer.echo(f"run {full_id} changed nothing that was checkpointed", err=True)
            return
        workspace = chosen[0].workspace
        found = changes(chosen, workspace)
        if not found:
            typer.echo(f"no changes in {workspace}", err=True)
            return
        lines = render_diff(store, found, workspace)
    typer.echo("\n".join(lines))


@app.command()
def undo(
    run_id: IdArg,
    step: StepOpt = None,
    call: CallOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Restore even files changed since by something else.")
    ] = False,
) -> None:
    """Put the workspace back as it was before the run (or before step N and all after it)."""
    from agentkit.checkpoints import CheckpointStore
    from agentkit.checkpoints.undo import apply_undo, plan_undo, select

    with _journal() as journal:
        full_id = journal.resolve_id(run_id)
        store = CheckpointStore(journal)
        chosen = select(store.for_run(full_id), step=step, call=call, onward=True)
        if not chosen:
            typer.echo(f"run {full_id} has nothing to undo", err=True)
            return
        plan = plan_undo(chosen, chosen[0].workspace)
        if plan.conflicts and not force:
            raise JournalError(
                f"not undone: {_names(plan.conflicts)} changed since the run changed them; "
                "rerun with --force to restore them anyway"
            )
        if plan.unrestorable and not force:
            raise JournalError(
                f"not undone: {_names(plan.unrestorable)} were over the checkpoint size caps "
                "and cannot be restored; rerun with --force to restore everything else"
            )
        restored = apply_undo(store, plan)
    for path in plan.unrestorable:
        typer.echo(f"warning: {path} could not be restored (over the size cap)", err=True)
    where = f"step {step}" if step is not None else f"call #{call}" if call else "the run"
    typer.echo(
        f"restored {len(restored)} path{'s' if len(restored) != 1 else ''} in "
        f"{plan.workspace} to before {where}"
    )


def _names(paths: list[str]) -> str:
    return ", ".join(paths[:10]) + (f" and {len(paths) - 10} more" if len(paths) > 10 else "")
