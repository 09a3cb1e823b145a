"""The root `agentkit` command. Heavy modules are imported inside commands, never here."""

from __future__ import annotations

from typing import Annotated

import typer

from agentkit import __version__
from agentkit.cli import (
    config_cmd,
    eval_cmd,
    mcp_cmd,
    memory_cmd,
    runs_cmd,
    tools_cmd,
    workflow_cmd,
)
from agentkit.cli.batch_cmd import batch
from agentkit.cli.doctor import doctor
from agentkit.cli.errors import AgentkitGroup, enable_debug
from agentkit.cli.models import models
from agentkit.cli.run import run

__all__ = ["app", "main"]

app = typer.Typer(
    cls=AgentkitGroup,
    name="agentkit",
    help="Local-first agentic task runner: a llama.cpp model, your tools, a Chroma memory.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"agentkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks and log lines on errors.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    enable_debug(debug)


app.command()(run)
app.command()(models)
app.command()(doctor)
app.command()(batch)
app.add_typer(tools_cmd.app, name="tools", help="List, inspect and call tools.")
app.add_typer(memory_cmd.app, name="memory", help="Vector memory: add, ingest, search, forget.")
app.add_typer(runs_cmd.app, name="runs", help="The run journal: list, show, resume, prune.")
app.add_typer(config_cmd.app, name="config", help="Show effective settings and their sources.")
app.add_typer(workflow_cmd.app, name="workflow", help="Validate and list workflow files.")
app.add_typer(eval_cmd.app, name="eval", help="Evaluate tool calling on benchmark data.")
app.add_typer(mcp_cmd.app, name="mcp", help="Serve agentkit's tools and agent over MCP.")


def main() -> None:
    app(prog_name="agentkit")
