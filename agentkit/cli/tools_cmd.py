"""`agentkit tools`: list, show and call tools, exactly as a run would see and call them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentkit.cli import terminal
from agentkit.cli.common import JsonOpt, WorkspaceOpt, YesOpt, parse_json_object, resolve
from agentkit.cli.mcp_cmd import McpOpt, with_mcp_servers

if TYPE_CHECKING:
    from agentkit.config import Settings
    from agentkit.registry import Toolset
    from agentkit.tool import Tool

__all__ = ["app", "example_arguments"]

app = typer.Typer(help="List, inspect and call tools.", no_args_is_help=True)

ToolsOpt = Annotated[
    list[Path] | None,
    typer.Option("--tools", "-t", help="Extra tool plugin file or directory (repeatable)."),
]


def _warn(message: str) -> None:
    typer.echo(f"warning: {message}", err=True)


def _load(
    tools: list[Path] | None, mcp: list[str] | None = None, refresh: bool = False, **cli: Any
) -> tuple[Settings, Toolset]:
    from agentkit.registry import load_toolset

    settings = with_mcp_servers(resolve(tools_path=tools or None, **cli).settings, mcp)
    if refresh:
        from agentkit.mcp.cache import clear

        clear(settings.data_home)
    return settings, load_toolset(settings, warn=_warn)


def _describe(item: Tool) -> dict[str, Any]:
    return {**item.definition.model_dump(mode="json"), "source": item.source}


def _signature(schema: dict[str, Any]) -> str:
    required = set(schema.get("required", []))
    parts = []
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type") or "|".join(str(s.get("type", "?")) for s in prop.get("anyOf", []))
        if "enum" in prop:
            kind = "|".join(str(v) for v in prop["enum"])
        default = "" if name in required else f"={json.dumps(prop.get('default'))}"
        parts.append(f"{name}: {kind}{default}")
    return ", ".join(parts)


def example_arguments(schema: dict[str, Any]) -> Any:
    """A plausible value for `schema`: its example, default or first choice, else a placeholder."""
    for key in ("examples", "enum"):
        if schema.get(key):
            return schema[key][0]
    if "default" in schema or "const" in schema:
        return schema.get("const", schema.get("default"))
    if "anyOf" in schema:
        return example_arguments(schema["anyOf"][0])
    kind = schema.get("type")
    if kind == "object":
        wanted = set(schema.get("required", []))
        props = schema.get("properties", {})
        return {k: example_arguments(v) for k, v in props.items() if k in wanted}
    if kind == "array":
        return [example_arguments(schema.get("items", {}))]
    placeholders = {"string": "text", "integer": schema.get("minimum", 1), "number": 1.5}
    return placeholders.get(str(kind), False if kind == "boolean" else None)


@app.command("list")
def list_tools(
    tools: ToolsOpt = None,
    mcp: McpOpt = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ask MCP servers again instead of the cache.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List every tool: name, permission, source, description and arguments."""
    _, toolset = _load(tools, mcp, refresh)
    if as_json:
        typer.echo(json.dumps([_describe(t) for t in toolset], indent=2))
        return
    width = max((len(n) for n in toolset.names()), default=4)
    for item in toolset:
        typer.echo(f"{item.name:<{width}}  {item.permission:<7}  {item.source}")
        typer.echo(f"{'':<{width}}  {item.definition.description}")
        typer.echo(f"{'':<{width}}  args: {_signature(item.definition.parameters) or '(none)'}")


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="Tool name.")],
    tools: ToolsOpt = None,
    mcp: McpOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one tool's full schema and an example call."""
    settings, toolset = _load(tools, mcp)
    item = toolset.get(name)
    worked = item.definition.examples
    example = worked[0].arguments if worked else example_arguments(item.definition.parameters)
    from agentkit.sandbox import CONFINED_TOOLS, describe

    runs_in = describe(settings.sandbox) if item.name in CONFINED_TOOLS else None
    if as_json:
        extra = {"example": example, **({"sandbox": runs_in} if runs_in else {})}
        typer.echo(json.dumps({**_describe(item), **extra}, indent=2))
        return
    timeout = "default" if item.timeout is None else f"{item.timeout:g}s"
    typer.echo(f"{item.name} ({item.permission}, timeout {timeout}) from {item.source}")
    typer.echo(item.definition.description)
    if runs_in:
        typer.echo(f"runs in: {runs_in}")
    typer.echo(json.dumps(item.definition.parameters, indent=2))
    typer.echo(f"\nexample:\n  agentkit tools call {item.name} '{json.dumps(example)}'")
    if worked:
        typer.echo("\nworked examples shown to the model before its first call:")
        for case in worked:
            typer.echo(f"  {case.goal} -> {json.dumps(case.arguments)}")


class _LazyMemory:
    """Opens the vector memory on first use, so calling other tools stays fast."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._memory: Any = None

    def __getattr__(self, attr: str) -> Any:
        if self._memory is None:
            from agentkit.memory import open_memory

            self._memory = open_memory(self._settings)
        return getattr(self._memory, attr)


@app.command()
def call(
    name: Annotated[str, typer.Argument(help="Tool name.")],
    arguments: Annotated[str, typer.Argument(help="Arguments as a JSON object.")] = "{}",
    workspace: WorkspaceOpt = None,
    yes: YesOpt = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Seconds before the call is stopped.")
    ] = None,
    tools: ToolsOpt = None,
    mcp: McpOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Call one tool with the same validation, permissions and timeout as in a run.

    A write or execute call is journaled as a run of its own (kind "tool"), with a
    checkpoint of what it may change, so `agentkit runs undo ID` can put it back."""
    parsed = parse_json_object(arguments, "ARGS", '{"expression": "2+2"}')
    settings, toolset = _load(tools, mcp, workspace=workspace, yes=yes, tool_timeout=timeout)
    memory = None if settings.no_memory else _LazyMemory(settings)
    if _changes_things(toolset, name, settings):
        from agentkit.checkpoints.single import call_journaled

        observation, run_id = call_journaled(toolset, name, parsed, settings, memory)
    else:
        from agentkit.tool import ToolContext

        ctx = ToolContext.create(settings, run_id="adhoc", memory=memory)
        observation, run_id = toolset.call(name, parsed, ctx), None
    if as_json:
        typer.echo(observation.model_dump_json(indent=2))
    elif observation.ok:
        terminal.echo(observation.text)
    else:
        terminal.echo(f"error: {observation.text}", err=True)
    if run_id is not None:
        typer.echo(f"run id: {run_id}  (agentkit runs undo {run_id})", err=True)
    if not observation.ok:
        raise typer.Exit(1)


def _changes_things(toolset: Toolset, name: str, settings: Settings) -> bool:
    """A write or execute tool that exists (anything else is answered without a run)."""
    from agentkit.tool import Permission

    if name not in toolset or name in settings.deny_tools:
        return False
    return toolset.get(name).permission is not Permission.READ
