"""The converted tool list of each MCP server, cached in the data directory.

`agentkit tools list` must not start every configured server each time. The cache key
is what the server is (command, args, env, cwd or url, and the executable's mtime)
plus the bounds used to convert its schemas; the server's own version is stored and,
when a later connection reports another one, the entry is rewritten.
`agentkit tools list --refresh` drops every entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from agentkit.mcp.config import McpServerConfig

__all__ = ["CachedTool", "CachedTools", "cache_dir", "clear", "load", "save"]

_FORMAT = 1


class CachedTool(BaseModel):
    remote: str  # the name on the server
    description: str
    annotations: dict[str, Any] = {}
    parameters: dict[str, Any] | None = None  # the bounded schema; None when skipped
    skipped: str | None = None  # why it cannot be offered


class CachedTools(BaseModel):
    format: int = _FORMAT
    server_version: str | None
    tools: list[CachedTool]


def cache_dir(data_home: Path) -> Path:
    return data_home / "mcp" / "tools"


def _key(config: McpServerConfig, bounds: tuple[int, int]) -> str:
    stamp = ""
    if config.command is not None:
        exe = shutil.which(config.command)
        if exe is not None:
            try:
                stamp = str(Path(exe).stat().st_mtime_ns)
            except OSError:
                stamp = ""
    raw = json.dumps([_FORMAT, config.identity(), stamp, bounds])
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def load(data_home: Path, config: McpServerConfig, bounds: tuple[int, int]) -> CachedTools | None:
    path = cache_dir(data_home) / f"{_key(config, bounds)}.json"
    try:
        entry = CachedTools.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        return None
    return entry if entry.format == _FORMAT else None


def save(
    data_home: Path, config: McpServerConfig, bounds: tuple[int, int], entry: CachedTools
) -> None:
    """Write atomically (two processes may list at once); an unwritable cache is not fatal."""
    folder = cache_dir(data_home)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(entry.model_dump_json())
        Path(tmp).replace(folder / f"{_key(config, bounds)}.json")
    except OSError:
        return


def clear(data_home: Path) -> None:
    folder = cache_dir(data_home)
    for path in folder.glob("*.json") if folder.is_dir() else []:
        path.unlink(missing_ok=True)
