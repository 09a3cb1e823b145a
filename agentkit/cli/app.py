"""The root `agentkit` command.

Commands are imported only when invoked: `agentkit --help` lists them from the table
below, and `agentkit tools list` imports the tools command alone. So neither pays for
pydantic models, chromadb, llama_cpp, onnxruntime or numpy
(tests/unit/test_cli_startup.py keeps it so; bench/cli_startup.py measures it).

To add a command: one `COMMANDS` row, "module:attribute" of a `typer.Typer` (a
command group) or of a function (a single command), and its one-line help.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

import typer

from agentkit import __version__
from agentkit.cli.errors import AgentkitGroup, enable_debug

__all__ = ["COMMANDS", "app", "main"]

# name -> (where it is defined, the line `agentkit --help` shows)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": (
        "agentkit.cli.run:run",
        "Run the agent on GOAL: plan, call tools, answer with cited sources.",
    ),
    "models": (
        "agentkit.cli.models:models",
        "Show the active model: path, size, quantisation, context length, chat template, GPU.",
    ),
    "doctor": (
        "agentkit.cli.doctor:doctor",
        "Check the model, grammar support, threads, memory, embedder, GPU and journal.",
    ),
    "tools": ("agentkit.cli.tools_cmd:app", "List, inspect and call tools."),
    "memory": ("agentkit.cli.memory_cmd:app", "Vector memory: add, ingest, search, forget."),
    "runs": ("agentkit.cli.runs_cmd:app", "The run journal: list, show, resume, prune."),
    "config": ("agentkit.cli.config_cmd:app", "Show effective settings and their sources."),
    "workflow": ("agentkit.cli.workflow_cmd:app", "Validate and list workflow files."),
    "eval": ("agentkit.cli.eval_cmd:app", "Evaluate tool calling on benchmark data."),
    "batch": (
        "agentkit.cli.batch_cmd:batch",
        "Run every goal in GOALS; finished ids in --out are skipped unless --rerun.",
    ),
    "mcp": ("agentkit.cli.mcp_cmd:app", "Serve agentkit's tools and agent over MCP."),
}


def _plain(sub: typer.Typer) -> typer.Typer:
    """Plain click help everywhere: rich's help renderer costs more than typer itself."""
    sub.rich_markup_mode = None
    for group in sub.registered_groups:
        if group.typer_instance is not None:
            _plain(group.typer_instance)
    return sub


def _load(name: str) -> Any:
    """The click command for `name`, built from its module on first use."""
    target, short_help = COMMANDS[name]
    module, attribute = target.split(":")
    obj = getattr(importlib.import_module(module), attribute)
    command: Any
    if isinstance(obj, typer.Typer):
        command = typer.main.get_group(_plain(obj))
        command.help = command.help or short_help
    else:
        single = typer.Typer(rich_markup_mode=None)
        single.command(name=name)(obj)
        command = typer.main.get_command(single)
    command.name = name
    command.short_help = short_help
    return command


class _LazyGroup(AgentkitGroup):
    """The root group; its commands come from `COMMANDS`, imported when first needed."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *(n for n in super().list_commands(ctx) if n not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            self.commands[cmd_name] = _load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list from the table, importing nothing."""
        eager = {n: c.get_short_help_str(limit=80) for n, c in self.commands.items()}
        rows = [(n, eager.get(n) or COMMANDS[n][1]) for n in COMMANDS]
        rows += [(n, h) for n, h in eager.items() if n not in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    cls=_LazyGroup,
    name="agentkit",
    help="Local-first agentic task runner: a llama.cpp model, your tools, a Chroma memory.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
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


def main() -> None:
    app(prog_name="agentkit")
