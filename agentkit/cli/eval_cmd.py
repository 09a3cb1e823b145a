"""`agentkit eval` commands: BFCL through agentkit's own grammar-constrained decision path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agentkit.cli.common import JsonOpt, ModelOpt, NCtxOpt, RemoteModelOpt, ThreadsOpt, resolve

if TYPE_CHECKING:
    from agentkit.eval.runner import EvalReport, ItemResult

__all__ = ["app"]

app = typer.Typer(help="Evaluate tool calling on benchmark data.", no_args_is_help=True)


def _table(report: EvalReport) -> str:
    label = (
        "baseline (plain text prompt, no grammar)"
        if report.mode == "baseline"
        else ("constrained (agentkit decision grammar)")
    )
    lines = [
        f"BFCL, {label}, model {report.model}",
        f"{'category':<20}{'n':>5}{'correct':>9}{'accuracy':>10}{'invalid':>9}",
    ]
    for s in [*report.categories]:
        lines.append(f"{s.category:<20}{s.total:>5}{s.correct:>9}{s.accuracy:>10.1%}{s.invalid:>9}")
    lines.append(
        f"{'overall':<20}{report.total:>5}{report.correct:>9}{report.accuracy:>10.1%}"
        f"{report.invalid:>9}"
    )
    lines.append(
        f"macro accuracy {report.macro_accuracy:.1%}; {report.tokens_per_second:.1f} tok/s "
        f"({report.usage.completion_tokens} tokens in {report.usage.seconds:.1f} s); "
        f"invalid outputs {report.invalid}"
    )
    return "\n".join(lines)


@app.command()
def bfcl(
    data: Annotated[
        Path, typer.Option("--data", help="BFCL v4 data directory (with possible_answer/).")
    ],
    category: Annotated[
        list[str] | None,
        typer.Option(
            "--category",
            "-c",
            help="simple_python, multiple, parallel, parallel_multiple, irrelevance "
            "(repeatable; default: all).",
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", min=1, help="First N items per category.")
    ] = None,
    skip: Annotated[
        int,
        typer.Option(
            "--skip", min=0, help="Leave out the first N items per category (a held-out slice)."
        ),
    ] = 0,
    model: ModelOpt = None,
    remote_model: RemoteModelOpt = None,
    n_ctx: NCtxOpt = None,
    threads: ThreadsOpt = None,
    json_out: JsonOpt = False,
    baseline_prompt: Annotated[
        bool,
        typer.Option(
            "--baseline-prompt",
            help="Plain BFCL text prompt, no grammar: the baseline to compare against.",
        ),
    ] = False,
    no_relevance: Annotated[
        bool,
        typer.Option(
            "--no-relevance", help="Offer every function, even when none fits the request."
        ),
    ] = False,
    no_grounding: Annotated[
        bool,
        typer.Option(
            "--no-grounding",
            help="Keep every call of a decision, even further ones with made-up values.",
        ),
    ] = False,
) -> None:
    """Score tool calls on Berkeley Function Calling Leaderboard data (AST checker rules)."""
    from agentkit.eval.bfcl import CATEGORIES, load_items
    from agentkit.eval.runner import Mode, run_eval
    from agentkit.llm.factory import load_model

    items = load_items(data, category or CATEGORIES, limit=limit, skip=skip)
    settings = resolve(
        model=model, remote_model=remote_model, n_ctx=n_ctx, threads=threads
    ).settings
    llm = load_model(settings)  # a GGUF, an openai:URL server, or `scripted:FILE` in tests

    def progress(index: int, result: ItemResult) -> None:
        mark = "ok" if result.correct else "invalid" if result.invalid else "wrong"
        typer.echo(f"[{index + 1}/{len(items)}] {result.id}: {mark}", err=True)

    embedder = None
    if not (baseline_prompt or no_relevance):
        from agentkit.memory.embedders import make_embedder

        embedder = make_embedder(settings.embedder)
    mode: Mode = "baseline" if baseline_prompt else "constrained"
    report = run_eval(
        llm, items, mode=mode, progress=progress, embedder=embedder, grounding=not no_grounding
    )
    if json_out:
        typer.echo(json.dumps(report.model_dump(mode="json"), indent=2))
    else:
        typer.echo(_table(report))
