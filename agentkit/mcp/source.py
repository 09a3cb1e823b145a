"""MCP servers as a tool source: each listed tool becomes an ordinary agentkit `Tool`.

`mcp_tools` is called by `agentkit.plugins.discover`, after the other sources, so MCP
tools enter `Toolset.add` by the same path as built-ins and plugins. A name already
taken is namespaced with the server's name and reported; a tool whose schema cannot
be made grammar-safe is skipped with one warning naming it; a server that cannot be
listed is skipped with one warning. Nothing here starts a server when the cache has
its tool list: the server starts on the first call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, create_model, model_validator

from agentkit.errors import PluginError, ToolError
from agentkit.mcp import cache
from agentkit.mcp.convert import (
    agentkit_name,
    argument_schema,
    describe,
    permission_of,
    result_text,
)
from agentkit.tool import Tool, ToolContext, ToolDefinition

if TYPE_CHECKING:
    from agentkit.config import Settings
    from agentkit.mcp.client import McpConnection

__all__ = ["McpTool", "mcp_tools"]

Warn = Callable[[str], None]


class McpTool(Tool):
    """A tool that lives on an MCP server. The arguments model checks the JSON schema."""

    def __init__(
        self,
        *,
        definition: ToolDefinition,
        remote: str,
        server: McpConnection,
        timeout: float,
        on_version: Callable[[McpConnection], None],
    ) -> None:
        # Tool.__init__ reads a Python signature; here the schema is the source of truth.
        self.definition = definition
        self.remote = remote
        self.server = server
        self.timeout = timeout
        self._budget = timeout
        self.source = f"mcp:{server.name}"
        self.is_async = False
        self.context_param = None
        self.paths = ()  # no declared workspace paths: a checkpoint saves the whole tree
        self.writes = None
        self.fn = self._call
        self.args_model = _arguments_model(definition.name, definition.parameters)
        self._on_version = on_version

    def validate(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        parsed = self.args_model.model_validate(dict(arguments))
        return dict(getattr(parsed, "values"))  # noqa: B009 - a dynamic model's field

    def invoke(self, kwargs: dict[str, Any], ctx: ToolContext) -> Any:
        return self._call(kwargs, ctx.timeout if ctx.timeout is not None else self._budget)

    def _call(self, arguments: dict[str, Any], timeout: float) -> str:
        result = self.server.call(self.remote, arguments, timeout)
        self._on_version(self.server)
        ok, text = result_text(result)
        if not ok:
            raise ToolError(text)
        return text

    def __repr__(self) -> str:
        return f"<McpTool {self.name} ({self.permission}) from {self.source}>"


def _arguments_model(name: str, schema: dict[str, Any]) -> type[BaseModel]:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    validator = Draft202012Validator(schema)

    def check(cls: type[BaseModel], data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("arguments must be a JSON object")
        error = best_match(validator.iter_errors(data))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path)
            raise ValueError(f"{where}: {error.message}" if where else error.message)
        return {"values": data}

    return create_model(
        f"{name}_arguments",
        __config__=ConfigDict(extra="forbid"),
        __validators__={"check": model_validator(mode="before")(check)},  # type: ignore[dict-item]
        values=(dict[str, Any], ...),
    )


def _convert(raw: dict[str, Any], server: str, settings: Settings) -> cache.CachedTool:
    remote = str(raw.get("name", ""))
    annotations = raw.get("annotations") or {}
    entry = cache.CachedTool(
        remote=remote,
        description=describe(remote, raw.get("description"), raw.get("title")),
        annotations={k: v for k, v in annotations.items() if k.endswith("Hint")},
    )
    try:
        entry.parameters = argument_schema(
            raw.get("inputSchema") or {"type": "object"},
            max_length=settings.mcp.max_string_length,
            max_items=settings.mcp.max_items,
            where=f"MCP tool {server}/{remote}",
        )
    except PluginError as exc:
        entry.skipped = str(exc)
    return entry


def _bounds(settings: Settings) -> tuple[int, int]:
    return settings.mcp.max_string_length, settings.mcp.max_items


def _fetch(conn: McpConnection, settings: Settings) -> cache.CachedTools:
    entry = cache.CachedTools(
        server_version=None,
        tools=[_convert(raw, conn.name, settings) for raw in conn.tools()],
    )
    entry.server_version = conn.server_version
    cache.save(settings.data_home, conn.config, _bounds(settings), entry)
    return entry


def _version_watch(settings: Settings, cached: str | None) -> Callable[[McpConnection], None]:
    """After a call: if the running server's version differs from the cached listing's,
    refresh the cache once, so the next listing shows the new server's tools."""
    done = threading.Event()

    def check(conn: McpConnection) -> None:
        if done.is_set() or conn.server_version == cached:
            return
        done.set()
        try:
            _fetch(conn, settings)
        except (ToolError, TimeoutError):
            return

    return check


def mcp_tools(settings: Settings, *, taken: set[str], warn: Warn) -> list[Tool]:
    """Tools of every enabled MCP server in `settings`, named clear of `taken`."""
    servers = settings.mcp.enabled()
    if not servers:
        return []
    from agentkit.mcp.client import McpServerError, connection

    names = set(taken)
    found: list[Tool] = []
    for server, config in servers.items():
        conn = connection(server, config, settings.data_home / "mcp" / "logs")
        entry = cache.load(settings.data_home, config, _bounds(settings))
        if entry is None:
            try:
                entry = _fetch(conn, settings)
            except (McpServerError, TimeoutError) as exc:
                warn(f"skipped MCP server {server}: {exc}")
                continue
        watch = _version_watch(settings, entry.server_version)
        for item in entry.tools:
            if item.skipped is not None or item.parameters is None:
                warn(f"skipped {item.skipped}")
                continue
            name, why = agentkit_name(item.remote, server, names)
            if why is not None:
                warn(
                    f"MCP tool {server}/{item.remote} is offered as {name} ({why} by another tool)"
                )
            names.add(name)
            definition = ToolDefinition(
                name=name,
                description=item.description,
                parameters=item.parameters,
                permission=permission_of(item.annotations, config.permission),
            )
            found.append(
                McpTool(
                    definition=definition,
                    remote=item.remote,
                    server=conn,
                    timeout=config.timeout,
                    on_version=watch,
                )
            )
    return found
