"""`agentkit memory` commands: add, ingest, search, stats, forget.

The memory package (and chromadb under it) is imported inside each command, so that
`agentkit --help` never pays for it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agentkit.cli import terminal
from agentkit.cli.common import JsonOpt, MemoryUrlOpt, resolve
from agentkit.errors import ConfigError, MemoryStoreError

if TYPE_CHECKING:
    from agentkit.memory import Memory

__all__ = ["app"]

app = typer.Typer(help="memory", no_args_is_help=True)

MemoryDirOpt = Annotated[
    Path | None,
    typer.Option("--memory-dir", help="Chroma directory (default: <data dir>/memory)."),
]


def _open(memory_dir: Path | None, memory_url: str | None = None) -> Memory:
    from agentkit.memory import Memory

    return Memory.open(resolve(memory_dir=memory_dir, chroma_url=memory_url).settings)


@app.command()
def add(
    text: Annotated[str, typer.Argument(help="The text to remember.")],
    source: Annotated[str, typer.Option("--source", "-s", help="Where it came from.")] = "user",
    memory_dir: MemoryDirOpt = None,
    memory_url: MemoryUrlOpt = None,
) -> None:
    """Remember TEXT as a note; prints its id."""
    with _open(memory_dir, memory_url) as memory:
        typer.echo(memory.add(text, source=source))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and directories to ingest.")],
    memory_dir: MemoryDirOpt = None,
    memory_url: MemoryUrlOpt = None,
) -> None:
    """Add .md .txt .rst .py .json .csv .html files (recursing into directories) as documents."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    with (
        _open(memory_dir, memory_url) as memory,
        Progress(
            TextColumn("ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("", total=None)

        def step(done: int, total: int, path: str) -> None:
            bar.update(task, completed=done, total=total, description=Path(path).name)

        report = memory.ingest(paths, progress=step)
    for line in report.skipped:
        typer.echo(f"skipped {line}", err=True)
    typer.echo(
        f"documents: {report.documents_added} added, {report.documents_unchanged} unchanged, "
        f"{report.documents_replaced} replaced; chunks: {report.chunks_added} added, "
        f"{report.chunks_removed} removed"
    )
    ingested = report.documents_added + report.documents_unchanged + report.documents_replaced
    if report.skipped and not ingested:
        raise typer.Exit(1)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=100, help="How many results.")] = 5,
    kind: Annotated[
        str | None,
        typer.Option(help="Only this kind: document, episode, observation or note."),
    ] = None,
    source: Annotated[str | None, typer.Option(help="Only items from this source.")] = None,
    min_score: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Relevance threshold (default 0.25).")
    ] = None,
    as_json: JsonOpt = False,
    memory_dir: MemoryDirOpt = None,
    memory_url: MemoryUrlOpt = None,
) -> None:
    """Show the stored items closest in meaning to QUERY, best first."""
    from agentkit.memory.models import KINDS

    if not query.strip():
        raise ConfigError('give something to look for, e.g. agentkit memory search "trip budget"')
    if kind is not None and kind not in KINDS:
        raise ConfigError(f"unknown --kind {kind!r}; use one of {', '.join(KINDS)}")
    with _open(memory_dir, memory_url) as memory:
        items = memory.search(query, k=k, kind=kind, source=source, min_score=min_score)
    if as_json:
        fields = {"id", "text", "score", "kind", "source"}
        typer.echo(json.dumps([item.model_dump(include=fields) for item in items], indent=2))
        return
    if not items:
        typer.echo("no matches", err=True)
    for item in items:
        snippet = " ".join(item.text.split())
        snippet = snippet if len(snippet) <= 160 else snippet[:160] + "…"
        terminal.echo(
            f"{item.score:.2f}  {item.kind:<11} {item.source}  [{item.id}]\n      {snippet}"
        )


@app.command()
def stats(
    as_json: JsonOpt = False, memory_dir: MemoryDirOpt = None, memory_url: MemoryUrlOpt = None
) -> None:
    """Counts by kind, number of sources, location and embedder."""
    with _open(memory_dir, memory_url) as memory:
        info = memory.stats()
        info["index"] = memory.index_problem() or "ok"
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    for key, value in info.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        typer.echo(f"{key:<11} {value}")


@app.command()
def rebuild(memory_dir: MemoryDirOpt = None) -> None:
    """Rebuild the vector index by re-embedding every stored item (after index damage)."""
    with _open(memory_dir) as memory:
        count = memory.rebuild()
        problem = memory.index_problem()
    if problem is not None:
        raise MemoryStoreError(f"rebuilt {count} items but the index still disagrees: {problem}")
    typer.echo(f"rebuilt the index of {count} item{'s' if count != 1 else ''}")


@app.command()
def forget(
    source: Annotated[str | None, typer.Option(help="Forget everything from this source.")] = None,
    run: Annotated[str | None, typer.Option("--run", help="Forget everything from run ID.")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Forget everything.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    memory_dir: MemoryDirOpt = None,
    memory_url: MemoryUrlOpt = None,
) -> None:
    """Delete items by --source, by --run, or --all."""
    if sum((source is not None, run is not None, everything)) != 1:
        raise ConfigError("give exactly one of --source S, --run ID or --all")
    what = "ALL memory" if everything else f"source {source}" if source else f"run {run}"
    if not yes:
        typer.confirm(f"Forget {what}?", abort=True)
    with _open(memory_dir, memory_url) as memory:
        count = memory.forget(source=source, run_id=run, everything=everything)
        if not count and source is not None and Path(source).exists():
            # Ingested files are stored under their absolute path.
            count = memory.forget(source=str(Path(source).resolve()))
    typer.echo(f"forgot {count} item{'s' if count != 1 else ''}")
