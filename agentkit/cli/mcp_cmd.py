"""`agentkit mcp`: serve agentkit over MCP; and the `--mcp NAME=COMMAND` flag other commands take.

Nothing here imports the `mcp` SDK at import time (`agentkit --help` stays fast).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agentkit.cli.common import WorkspaceOpt, YesOpt, resolve
from agentkit.errors import ConfigError

if TYPE_CHECKING:
    from agentkit.config import Settings

__all__ = ["McpOpt", "app", "with_mcp_servers"]

app = typer.Typer(help="Serve agentkit's tools and agent over MCP.", no_args_is_help=True)

McpOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--mcp",
        help="MCP server as NAME=COMMAND (stdio) or NAME=URL (streamable HTTP); repeatable.",
    ),
]


def with_mcp_servers(settings: Settings, flags: list[str] | None) -> Settings:
    """`settings` plus the servers given by --mcp flags (a flag wins over a config entry)."""
    if not flags:
        return settings
    from agentkit.mcp.config import parse_server_flags

    servers = {**settings.mcp.servers, **parse_server_flags(flags)}
    return settings.model_copy(update={"mcp": settings.mcp.model_copy(update={"servers": servers})})


def _address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", value
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--http {value!r}: use HOST:PORT or PORT, e.g. --http 127.0.0.1:8765")
    return host or "127.0.0.1", int(port)


@app.command()
def serve(
    http: Annotated[
        str | None,
        typer.Option(
            "--http",
            help="Serve streamable HTTP on HOST:PORT (default host 127.0.0.1) instead of stdio.",
        ),
    ] = None,
    tools: Annotated[
        list[Path] | None,
        typer.Option("--tools", "-t", help="Extra tool plugin file or directory (repeatable)."),
    ] = None,
    mcp: McpOpt = None,
    yes: YesOpt = None,
    workspace: WorkspaceOpt = None,
    no_agent: Annotated[
        bool, typer.Option("--no-agent", help="Do not offer the run_goal tool.")
    ] = False,
) -> None:
    """Serve agentkit's tools (and a run_goal tool that runs the agent) over MCP."""
    try:
        import mcp as _sdk  # noqa: F401
    except ImportError:
        raise ConfigError(
            "agentkit mcp serve needs the mcp package: pip install 'agentkit[mcp]'"
        ) from None
    from agentkit.mcp.server import serve_http, serve_stdio

    settings = resolve(tools_path=tools or None, yes=yes, workspace=workspace).settings
    settings = with_mcp_servers(settings, mcp)
    if http is None:
        serve_stdio(settings, agent=not no_agent)
    else:
        host, port = _address(http)
        serve_http(settings, host, port, agent=not no_agent)
