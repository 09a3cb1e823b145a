"""`agentkit run`: run the planner loop on a goal (or a workflow file) with live progress."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentkit.cli import terminal
from agentkit.cli.common import (
    GpuLayersOpt,
    JsonOpt,
    MemoryUrlOpt,
    ModelOpt,
    NCtxOpt,
    RemoteModelOpt,
    ThreadsOpt,
    WorkspaceOpt,
    YesOpt,
    resolve,
)
from agentkit.cli.mcp_cmd import McpOpt, with_mcp_servers
from agentkit.errors import ConfigError, MemoryStoreError

if TYPE_CHECKING:
    from agentkit.config import Settings
    from agentkit.events import Event
    from agentkit.result import RunResult

__all__ = ["execute", "open_memory", "print_result", "run"]

ToolsOpt = Annotated[
    list[Path] | None,
    typer.Option("--tools", "-t", help="Extra tool plugin file or directory (repeatable)."),
]
PromptsOpt = Annotated[
    Path | None, typer.Option("--prompts", help="Directory of templates overriding prompts/.")
]
NoMemoryOpt = Annotated[
    bool | None, typer.Option("--no-memory", help="Run without the vector memory.")
]
MemoryDirOpt = Annotated[Path | None, typer.Option("--memory-dir", help="Chroma memory directory.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]


def run(
    goal: Annotated[str | None, typer.Argument(help="What the agent should achieve.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Run a workflow YAML file instead.")
    ] = None,
    var: Annotated[
        list[str] | None, typer.Option("--var", help="Workflow input as key=value (repeatable).")
    ] = None,
    model: ModelOpt = None,
    remote_model: RemoteModelOpt = None,
    max_steps: Annotated[int | None, typer.Option(help="Most model decisions per run.")] = None,
    max_time: Annotated[float | None, typer.Option(help="Most wall-clock seconds.")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Most prompt+completion tokens.")] = None,
    tools: ToolsOpt = None,
    mcp: McpOpt = None,
    yes: YesOpt = None,
    workspace: WorkspaceOpt = None,
    prompts: PromptsOpt = None,
    no_memory: NoMemoryOpt = None,
    memory_dir: MemoryDirOpt = None,
    memory_url: MemoryUrlOpt = None,
    n_ctx: NCtxOpt = None,
    gpu_layers: GpuLayersOpt = None,
    threads: ThreadsOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    policy: Annotated[
        str | None,
        typer.Option("--policy", help="Decision policy: auto, plain or small (docs/policy.md)."),
    ] = None,
    disable_aid: Annotated[
        list[str] | None,
        typer.Option("--disable-aid", help="Turn off an aid of the small policy (repeatable)."),
    ] = None,
) -> None:
    """Run the agent on GOAL: plan, call tools, answer with cited sources."""
    settings = resolve(
        model=model,
        remote_model=remote_model,
        max_steps=max_steps,
        max_time=max_time,
        max_tokens=max_tokens,
        tools_path=tools or None,
        yes=yes,
        workspace=workspace,
        prompts_dir=prompts,
        no_memory=no_memory,
        memory_dir=memory_dir,
        chroma_url=memory_url,
        n_ctx=n_ctx,
        gpu_layers=gpu_layers,
        threads=threads,
        policy=policy,
        disable_aids=disable_aid or None,
    ).settings
    settings = with_mcp_servers(settings, mcp)
    if file is not None:
        from agentkit.workflow.cli import run_workflow_file

        raise typer.Exit(run_workflow_file(file, var or [], settings, as_json=as_json, quiet=quiet))
    if not goal or not goal.strip():
        raise ConfigError(
            'give a goal, e.g. agentkit run "What is 1234 * 5678?", or --file FLOW.yaml'
        )
    result = execute(settings, lambda agent: agent.iter(goal), quiet=quiet)
    print_result(result, as_json=as_json)
    raise typer.Exit(result.exit_code)


def open_memory(settings: Settings) -> Any:
    """The vector memory, or None with --no-memory; a broken store is an error otherwise."""
    if settings.no_memory:
        return None
    from agentkit.memory import Memory

    try:
        return Memory.open(settings)
    except MemoryStoreError as exc:
        if "--no-memory" in str(exc):
            raise
        raise MemoryStoreError(f"{exc} (or pass --no-memory to run without memory)") from exc


def _warn(message: str) -> None:
    typer.echo(f"warning: {message}", err=True)


def execute(settings: Settings, start: Any, *, quiet: bool) -> RunResult:
    """Build the agent, drive its events through the progress view, survive Ctrl-C/SIGTERM."""
    from agentkit.agent import Agent
    from agentkit.cli.progress import make_progress
    from agentkit.journal import Journal
    from agentkit.llm.factory import load_model
    from agentkit.registry import load_toolset
    from agentkit.result import RunResult

    toolset = load_toolset(settings, warn=_warn)
    memory = open_memory(settings)
    journal = Journal.open(settings)
    agent = Agent(load_model(settings), toolset, memory, settings=settings, journal=journal)
    events: list[Event] = []
    stream: Iterator[Event] = start(agent)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        with make_progress(quiet=quiet) as progress:
            try:
                for event in stream:
                    events.append(event)
                    progress.show(event)
            except KeyboardInterrupt:  # arrived outside the loop's own handler
                for event in _drain_after_interrupt(stream):
                    events.append(event)
                    progress.show(event)
        # The journal holds the whole run, including what came before a resume.
        return RunResult.from_events(journal.events(events[0].run_id) if events else events)
    finally:
        signal.signal(signal.SIGTERM, previous)
        journal.close()


def _drain_after_interrupt(stream: Iterator[Event]) -> Iterator[Event]:
    throw = getattr(stream, "throw", None)
    if throw is None:
        return
    try:
        yield throw(KeyboardInterrupt())
        yield from stream
    except (KeyboardInterrupt, StopIteration):
        return


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def print_result(result: RunResult, *, as_json: bool) -> None:
    if as_json:
        payload = result.model_dump(mode="json")
        payload["usage"] = result.usage.model_dump(mode="json")
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    if result.answer is not None:
        terminal.echo(result.answer)
    by_ref = {f"obs-{s.index}": s for s in result.steps}
    if result.citations:
        typer.echo("\nSources:")
        for ref in result.citations:
            step = by_ref.get(ref)
            detail = (
                f"{step.tool} {json.dumps(step.arguments)} -> {step.observation[:80]}"
                if step
                else "memory"
            )
            terminal.echo(f"  [{ref}] {detail}")
    if result.uncited:
        typer.echo("\n(note: this answer cites none of the tool results it had)", err=True)
    if result.status != "succeeded":
        terminal.echo(
            f"\nstatus: {result.status}" + (f" ({result.reason})" if result.reason else ""),
            err=True,
        )
    typer.echo(f"run id: {result.run_id}  (agentkit runs show {result.run_id})", err=True)
