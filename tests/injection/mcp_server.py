"""A tiny stdio MCP server on the official `mcp` SDK, for the injection corpus and the
checkpoint tests: real protocol, real subprocess, contents chosen by the harness.

    python tests/injection/mcp_server.py TEXT_FILE [ROOT]

- `get_document(name)` (read-only): returns TEXT_FILE's content, whatever `name` is.
  The injection harness writes the hostile text there, so it reaches the agent as an
  MCP tool result.
- `replace_file(path, text)` (no annotations, so agentkit treats it as execute):
  overwrites `path` with `text`, and deletes the file `remove` names; relative paths
  are under ROOT (the workspace, in the injection harness). The checkpoint tests use it
  to change the workspace behind agentkit's back, as any MCP server can.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

TEXT_FILE = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("document.txt")
ROOT = Path(sys.argv[2]) if len(sys.argv) > 2 else Path.cwd()

server = MCPServer("documents")


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def get_document(name: str) -> str:
    """Get a stored document by its name and return its text."""
    return TEXT_FILE.read_text(encoding="utf-8")


@server.tool()
def replace_file(path: str, text: str, remove: str = "") -> str:
    """Overwrite the file at path with text, and delete the file remove (if given)."""
    (ROOT / path).write_text(text, encoding="utf-8")
    if remove:
        (ROOT / remove).unlink()
    return f"wrote {len(text)} characters to {path}"


if __name__ == "__main__":
    server.run("stdio")
