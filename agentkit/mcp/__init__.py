"""MCP both ways: MCP servers as tool sources, and agentkit served over MCP.

Nothing here imports the `mcp` SDK at package import time; `agentkit --help` and runs
without configured servers never pay for it.

    config    [mcp.servers.NAME] settings and the --mcp NAME=COMMAND flag
    portal    the one background event loop every MCP connection runs on
    client    one connection to one server: lazy start, calls, close
    convert   MCP tool descriptions and results to agentkit's shapes
    cache     the tool list per server, so listing does not start servers
    source    MCP servers as `Tool`s for `load_toolset` (the one registration path)
    server    `agentkit mcp serve`: agentkit's tools and agent as an MCP server
"""

__all__: list[str] = []
