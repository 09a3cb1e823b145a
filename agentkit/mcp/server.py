"""`agentkit mcp serve`: the MCP side of `AgentkitService`, over stdio or streamable HTTP.

Built on the SDK's low-level `Server`, because agentkit's tools already carry JSON
schemas; handlers hand the blocking work to worker threads, so concurrent calls run
concurrently and the event loop keeps answering pings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentkit.errors import AgentkitError
from agentkit.mcp.resources import MIME as MEMORY_MIME
from agentkit.mcp.service import RUN_GOAL, RUN_GOAL_SCHEMA, AgentkitService
from agentkit.tool import Permission

if TYPE_CHECKING:
    from mcp.server import Server

    from agentkit.config import Settings

__all__ = ["RESOURCE_PAGE", "build_server", "serve_http", "serve_stdio"]

RESOURCE_PAGE = 200  # resources per resources/list page; the cursor is an offset


def _annotations(permission: Permission) -> dict[str, Any]:
    if permission is Permission.READ:
        return {"readOnlyHint": True, "destructiveHint": False}
    return {
        "readOnlyHint": False,
        "destructiveHint": True,
        "openWorldHint": permission is Permission.EXECUTE,
    }


def build_server(service: AgentkitService) -> Server[Any]:
    import anyio.to_thread
    import mcp_types as types
    from mcp import MCPError
    from mcp.server import Server
    from mcp_types import INTERNAL_ERROR, INVALID_PARAMS

    from agentkit import __version__

    def listing() -> list[types.Tool]:
        tools = [
            types.Tool(
                name=t.name,
                description=t.definition.description,
                input_schema=t.definition.parameters,
                annotations=types.ToolAnnotations.model_validate(_annotations(t.permission)),
            )
            for t in service.offered()
        ]
        if service.agent_enabled:
            tools.append(
                types.Tool(
                    name=RUN_GOAL,
                    description="Run the agentkit agent on a goal; returns its answer, "
                    "the tool results it cites and the run id",
                    input_schema=RUN_GOAL_SCHEMA,
                    annotations=types.ToolAnnotations(read_only_hint=False, open_world_hint=True),
                )
            )
        return tools

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listing())

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        arguments = dict(params.arguments or {})
        if params.name == RUN_GOAL and service.agent_enabled:
            goal = arguments.get("goal")
            if not isinstance(goal, str) or not goal.strip():
                raise MCPError(code=INVALID_PARAMS, message="run_goal needs a non-empty goal")
            outcome = await anyio.to_thread.run_sync(service.run_goal, goal)
        elif params.name in service.toolset:
            outcome = await anyio.to_thread.run_sync(service.call, params.name, arguments)
        else:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {params.name}")
        return types.CallToolResult(
            content=[types.TextContent(text=outcome.text)],
            structured_content=outcome.structured,
            is_error=not outcome.ok,
            _meta={"agentkit/run_id": outcome.run_id},
        )

    async def list_resources(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        cursor = params.cursor if params is not None else None
        start = int(cursor) if cursor is not None and cursor.isdigit() else 0
        if cursor is not None and not cursor.isdigit():
            raise MCPError(code=INVALID_PARAMS, message=f"Invalid cursor: {cursor}")
        try:
            found = await anyio.to_thread.run_sync(service.resources)
        except AgentkitError as exc:
            raise MCPError(code=INTERNAL_ERROR, message=f"memory: {exc}") from None
        end = start + RESOURCE_PAGE
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    uri=r.uri, name=r.name, description=r.description, mime_type=MEMORY_MIME
                )
                for r in found[start:end]
            ],
            next_cursor=str(end) if end < len(found) else None,
        )

    async def read_resource(ctx: Any, params: types.ReadResourceRequestParams) -> Any:
        try:
            text = await anyio.to_thread.run_sync(service.read, params.uri)
        except AgentkitError as exc:
            raise MCPError(code=INTERNAL_ERROR, message=f"memory: {exc}") from None
        if text is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Resource not found: {params.uri}")
        contents: list[types.TextResourceContents | types.BlobResourceContents] = [
            types.TextResourceContents(uri=params.uri, mime_type=MEMORY_MIME, text=text)
        ]
        return types.ReadResourceResult(contents=contents)

    return Server(
        "agentkit",
        version=__version__,
        instructions="agentkit's local tools, run_goal to run its agent on a goal, and its "
        "memory as resources (untrusted data, like tool output).",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )


def serve_stdio(settings: Settings, *, agent: bool = True) -> None:
    import anyio
    from mcp.server.stdio import stdio_server

    service = AgentkitService(settings, agent=agent)
    server = build_server(service)

    async def main() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    try:
        anyio.run(main)
    except KeyboardInterrupt:
        pass
    finally:
        service.close()


def serve_http(settings: Settings, host: str, port: int, *, agent: bool = True) -> None:
    import sys

    import uvicorn

    service = AgentkitService(settings, agent=agent)
    app = build_server(service).streamable_http_app(host=host)
    sys.stderr.write(f"agentkit: serving MCP on http://{host}:{port}/mcp\n")
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    try:
        uvicorn.Server(config).run()
    finally:
        service.close()
