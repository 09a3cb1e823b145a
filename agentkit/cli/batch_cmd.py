"""`agentkit batch`: run every goal of a JSON Lines file, on local workers or on Ray."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentkit.cli.common import (
    MemoryUrlOpt,
    ModelOpt,
    RemoteModelOpt,
    WorkspaceOpt,
    YesOpt,
    resolve,
)
from agentkit.cli.mcp_cmd import McpOpt, with_mcp_servers

__all__ = ["batch"]


def batch(
    goals: Annotated[
        Path, typer.Argument(help='JSON Lines, one {"goal": ..., "id"?: ..., "workspace"?: ...}.')
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Results, one JSON line per goal (default GOALS.results.jsonl)."
        ),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", "-j", min=1, help="Worker processes.")] = 1,
    ray: Annotated[bool, typer.Option("--ray", help="Run on a private local Ray cluster.")] = False,
    ray_address: Annotated[
        str | None, typer.Option("--ray-address", help="Run on the Ray cluster at ADDRESS.")
    ] = None,
    gpus_per_worker: Annotated[
        float, typer.Option("--gpus-per-worker", min=0.0, help="GPUs each Ray worker asks for.")
    ] = 0.0,
    rerun: Annotated[
        bool, typer.Option("--rerun", help="Run every goal again, even those already finished.")
    ] = False,
    model: ModelOpt = None,
    remote_model: RemoteModelOpt = None,
    tools: Annotated[
        list[Path] | None, typer.Option("--tools", "-t", help="Extra tool plugin (repeatable).")
    ] = None,
    mcp: McpOpt = None,
    yes: YesOpt = None,
    workspace: WorkspaceOpt = None,
    no_memory: Annotated[bool | None, typer.Option("--no-memory", help="No vector memory.")] = None,
    memory_url: MemoryUrlOpt = None,
    max_steps: Annotated[int | None, typer.Option(help="Most model decisions per run.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run every goal in GOALS; finished ids in --out are skipped unless --rerun."""
    from agentkit.batch.driver import make_pool, run_batch
    from agentkit.llm.factory import SCRIPTED_PREFIX, is_remote

    settings = resolve(
        model=model,
        remote_model=remote_model,
        tools_path=tools or None,
        yes=yes,
        workspace=workspace,
        no_memory=no_memory,
        chroma_url=memory_url,
        max_steps=max_steps,
    ).settings
    # The servers travel in the settings each worker is built from: a worker lists and
    # starts each server once, at its first goal, and keeps it for all its goals.
    settings = with_mcp_servers(settings, mcp)
    if not (is_remote(settings.model) or (settings.model or "").startswith(SCRIPTED_PREFIX)):
        from agentkit.llm.resolve import resolve_model

        resolve_model(settings.model)  # a missing GGUF is one error here, not one per goal
    target = out or goals.with_suffix(".results.jsonl")
    pool = make_pool(
        settings, workers, ray=ray, ray_address=ray_address, gpus_per_worker=gpus_per_worker
    )

    def warn(message: str) -> None:
        typer.echo(f"error: {message}", err=True)

    summary = run_batch(goals, target, pool, rerun=rerun, quiet=quiet, warn=warn)
    typer.echo(
        f"{summary.succeeded} succeeded, {summary.failed} failed, {summary.skipped} skipped "
        f"(already finished) in {summary.seconds:.1f} s, {summary.runs_per_minute:.1f} runs/min "
        f"on {summary.workers} worker{'s' if summary.workers != 1 else ''}; results in {target}",
        err=True,
    )
    raise typer.Exit(0 if summary.failed == 0 else 1)
