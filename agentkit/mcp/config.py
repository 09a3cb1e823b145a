"""Settings for MCP servers: `[mcp.servers.NAME]` in the config file, `--mcp NAME=COMMAND`.

[mcp.servers.time]
command = "python"
args = ["-m", "mcp_server_time", "--local-timezone", "UTC"]
timeout = 20
permission = "read"      # overrides the server's own annotations

[mcp.servers.remote]
url = "http://127.0.0.1:8000/mcp"
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agentkit.errors import ConfigError

__all__ = ["McpServerConfig", "McpSettings", "parse_server_flags"]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")


class McpServerConfig(BaseModel):
    """One MCP server: a command to run (stdio) or a streamable-HTTP `url`."""

    model_config = ConfigDict(extra="forbid")

    command: str | None = Field(default=None, description="executable that speaks MCP on stdio")
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict, description="extra environment variables")
    cwd: Path | None = None
    url: str | None = Field(
        default=None, description="streamable HTTP endpoint, e.g. http://host/mcp"
    )
    timeout: float = Field(default=30.0, gt=0, description="seconds to start, and per call")
    permission: Literal["read", "write", "execute"] | None = Field(
        default=None,
        description="permission of all its tools; default from each tool's annotations",
    )
    enabled: bool = True

    @model_validator(mode="after")
    def _one_transport(self) -> McpServerConfig:
        if (self.command is None) == (self.url is None):
            raise ValueError("give exactly one of command (stdio) or url (streamable HTTP)")
        return self

    def identity(self) -> str:
        """What the server is, for the tool-list cache key (timeouts do not matter)."""
        return self.model_dump_json(include={"command", "args", "env", "cwd", "url"})


class McpSettings(BaseModel):
    """The `[mcp]` table."""

    model_config = ConfigDict(extra="forbid")

    servers: dict[str, McpServerConfig] = Field(default_factory=dict)
    max_string_length: int = Field(
        default=500,
        ge=1,
        le=100_000,
        description="maxLength for MCP string arguments that lack one",
    )
    max_items: int = Field(
        default=16, ge=1, le=1000, description="maxItems for MCP arrays that lack one"
    )

    @model_validator(mode="after")
    def _names(self) -> McpSettings:
        for name in self.servers:
            if not _NAME.match(name):
                raise ValueError(f"server name {name!r} must be a letter then letters, digits, _ -")
        return self

    def enabled(self) -> dict[str, McpServerConfig]:
        return {name: cfg for name, cfg in self.servers.items() if cfg.enabled}


def parse_server_flags(flags: Iterable[str]) -> dict[str, McpServerConfig]:
    """`NAME=COMMAND ARGS...` (or `NAME=http://...`) flags as server configs."""
    servers: dict[str, McpServerConfig] = {}
    for flag in flags:
        name, sep, rest = flag.partition("=")
        name = name.strip()
        if not sep or not _NAME.match(name) or not rest.strip():
            raise ConfigError(
                f"--mcp {flag!r}: use NAME=COMMAND, e.g. --mcp 'time=python -m mcp_server_time'"
            )
        if re.match(r"^https?://", rest.strip()):
            servers[name] = McpServerConfig(url=rest.strip())
            continue
        try:
            words = shlex.split(rest)
        except ValueError as exc:
            raise ConfigError(f"--mcp {flag!r}: {exc}; check the quotes") from None
        servers[name] = McpServerConfig(command=words[0], args=words[1:])
    return servers
