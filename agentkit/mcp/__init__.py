"""MCP both ways: MCP servers as tool sources, and agentkit served over MCP.

Nothing here imports the `mcp` SDK at package import time; `agentkit --help` and runs
without configured servers never pay for it.

    config    [mcp.servers.NAME] settings and the --mcp NAME=COMMAND flag
    portal    the one background event loop every MCP connection runs on
    client    one connection to one server: lazy start, calls, close
    convert   MCP tool descriptions and results to agentkit's shapes
    cache     the tool list per server, so listing does not start servers
    source    MCP servers as `Tool`s for `load_toolset` (the one registration path)
    service   what `agentkit mcp serve` offers: approved tools, journaled calls, run_goal
    resources the memory as MCP resources for `agentkit mcp serve`
    server    `agentkit mcp serve`: the service over MCP (stdio or streamable HTTP)
"""

__all__: list[str] = []
