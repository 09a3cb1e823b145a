"""Finding tools: the bundled `tools/` dir, entry points, `tools_path`, MCP servers, in order.

Built-ins are loaded exactly like a user's plugin files, by file path, so the one
code path is exercised by every run. A plugin that fails to load produces one
warning naming it, and the others still load.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType

from agentkit.config import Settings
from agentkit.errors import PluginError
from agentkit.resources import tools_dir
from agentkit.tool import Tool

__all__ = ["ENTRY_POINT_GROUP", "discover", "load_file", "tools_in"]

ENTRY_POINT_GROUP = "agentkit.tools"

Warn = Callable[[str], None]


def tools_in(obj: object) -> list[Tool]:
    """The tools a module, a Tool, or a list of Tools provides."""
    if isinstance(obj, Tool):
        return [obj]
    if isinstance(obj, ModuleType):
        found = {id(v): v for v in vars(obj).values() if isinstance(v, Tool)}
        return list(found.values())
    if isinstance(obj, list | tuple) and all(isinstance(v, Tool) for v in obj):
        return list(obj)
    raise PluginError(f"expected a module, a Tool or a list of Tools, got {type(obj).__name__}")


def load_file(path: Path) -> ModuleType:
    """Import a .py file by path under a unique module name (never shadowing a package)."""
    digest = hashlib.sha1(str(path).encode(), usedforsecurity=False).hexdigest()[:10]
    name = f"agentkit_plugin_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pydantic resolves forward references through sys.modules
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _exited(source: str, exc: SystemExit) -> PluginError:
    return PluginError(
        f"plugin {source} called sys.exit({exc.code!r}) while loading; "
        "remove that call or the plugin"
    )


def _python_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.glob("*.py") if not p.name.startswith("_"))
    return [path]


def _from_files(paths: Iterable[Path], label: Callable[[Path], str], warn: Warn) -> Iterator[Tool]:
    for path in paths:
        source = label(path)
        try:
            found = tools_in(load_file(path))
        except SystemExit as exc:  # the plugin meant to stop agentkit: stop, but say why
            raise _exited(source, exc) from None
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the others
            warn(f"skipped plugin {source}: {type(exc).__name__}: {exc}")
            continue
        yield from (t.with_source(source) for t in found)


def _from_entry_points(warn: Warn) -> Iterator[Tool]:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        source = f"entrypoint:{_dist_name(ep)}"
        try:
            found = tools_in(ep.load())
        except SystemExit as exc:
            raise _exited(source, exc) from None
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the others
            warn(f"skipped plugin {source} ({ep.value}): {type(exc).__name__}: {exc}")
            continue
        yield from (t.with_source(source) for t in found)


def _dist_name(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return str(dist.name) if dist is not None else ep.name


def discover(settings: Settings, *, warn: Warn) -> list[Tool]:
    """Every tool from the four places, in order; name clashes are left to Toolset.add."""
    builtin = tools_dir()
    tools = list(_from_files(_python_files(builtin), lambda p: f"builtin:tools/{p.name}", warn))
    tools += _from_entry_points(warn)
    user_files: list[Path] = []
    for entry in settings.tools_path:
        path = entry.expanduser().resolve()
        if not path.exists():
            warn(f"skipped plugin path:{path}: no such file or directory")
            continue
        user_files += _python_files(path)
    tools += _from_files(user_files, lambda p: f"path:{p}", warn)
    if settings.mcp.servers:  # MCP servers last: their tools are renamed around the others
        from agentkit.mcp.source import mcp_tools

        tools += mcp_tools(settings, taken={t.name for t in tools}, warn=warn)
    return tools
