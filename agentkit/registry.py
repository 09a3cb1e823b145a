"""The set of tools a run may use, and the one safe way to call them.

`Toolset.call` never raises for a problem the model caused: an unknown tool, invalid
arguments, a refused permission, an exception in the tool or a timeout all come back
as an `Observation(ok=False)` with one line the model can act on. Bugs in agentkit
itself still raise.

`load_toolset` gathers tools from the bundled `tools/` directory, the `agentkit.tools`
entry-point group, `settings.tools_path` and Python, all through `Toolset.add`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from agentkit.approval import decide
from agentkit.config import Settings
from agentkit.errors import ToolConflictError, ToolError, ToolNotFoundError
from agentkit.tool import (
    MAX_OBSERVATION_CHARS,
    Observation,
    Permission,
    Tool,
    ToolContext,
    ToolDefinition,
    render_result,
    truncate,
)

__all__ = ["Toolset", "load_toolset"]

log = logging.getLogger(__name__)

# Extra wait past the timeout, so tools that enforce it themselves (shell, python) can
# kill their process group and report partial output before we give up on them.
_GRACE = 1.0


class Toolset:
    """Tools by unique name."""

    def __init__(self, tools: Iterable[Tool] = (), *, max_chars: int = MAX_OBSERVATION_CHARS):
        self._tools: dict[str, Tool] = {}
        self.max_chars = max_chars
        for item in tools:
            self.add(item)

    def add(self, tool: Tool) -> None:
        existing = self._tools.get(tool.name)
        if existing is not None:
            raise ToolConflictError(
                f"two tools are named {tool.name!r}: one from {existing.source}, "
                f"one from {tool.source}; rename or remove one of them"
            )
        self._tools[tool.name] = tool

    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            known = ", ".join(self.names()) or "none"
            raise ToolNotFoundError(f"no tool named {name!r}; available: {known}") from None

    def names(self) -> list[str]:
        return sorted(self._tools)

    def definitions(self) -> list[ToolDefinition]:
        return [self._tools[name].definition for name in self.names()]

    def subset(self, names: Iterable[str]) -> Toolset:
        return Toolset((self.get(name) for name in names), max_chars=self.max_chars)

    def __len__(self) -> int:
        return len(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools[name] for name in self.names())

    def call(self, name: str, arguments: Mapping[str, Any], ctx: ToolContext) -> Observation:
        """Validate, check permission, run with a timeout; always return an Observation."""
        start = time.monotonic()

        def done(ok: bool, text: str, error: str | None = None) -> Observation:
            return Observation(
                tool=name,
                ok=ok,
                text=truncate(text, self.max_chars),
                error=error,
                seconds=round(time.monotonic() - start, 3),
            )

        if name not in self._tools or name in ctx.settings.deny_tools:
            known = ", ".join(n for n in self.names() if n not in ctx.settings.deny_tools)
            return done(False, f"unknown tool {name!r}; use one of: {known}", "not_found")
        tool = self._tools[name]
        if not isinstance(arguments, Mapping):
            return done(False, f"arguments for {name} must be a JSON object", "invalid_arguments")
        try:
            kwargs = tool.validate(arguments)
        except ValidationError as exc:
            return done(False, _describe(name, exc), "invalid_arguments")
        # Save what the call may change before asking: the approval shows the diff.
        pending = None
        if ctx.checkpoints is not None and tool.permission is not Permission.READ:
            pending = ctx.checkpoints.prepare(tool, kwargs, ctx)
        verdict = decide(tool, dict(arguments), ctx, pending)
        if not verdict.allowed:
            return done(False, verdict.reason, "refused")
        timeout = tool.timeout or ctx.settings.tool_timeout
        if pending is not None and ctx.checkpoints is not None:
            ctx.checkpoints.begin(pending)
        try:
            value = _run(tool, kwargs, replace(ctx, timeout=timeout), timeout)
        except TimeoutError as exc:
            detail = str(exc) or f"{name} timed out after {timeout:g}s; try a smaller task"
            return done(False, detail, "timeout")
        except ToolError as exc:  # the tool's own, deliberate message
            return done(False, f"{name} failed: {exc}", "exception")
        except Exception as exc:  # plugin code may raise anything
            log.debug("tool %s raised", name, exc_info=exc)
            return done(False, f"{name} failed: {type(exc).__name__}: {exc}", "exception")
        finally:
            if pending is not None and ctx.checkpoints is not None:
                ctx.checkpoints.finish(pending, ctx)
        return done(True, render_result(value))


def _describe(name: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "arguments"
        parts.append(f"{loc}: {err['msg']}")
    more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
    return f"invalid arguments for {name}: {'; '.join(parts)}{more}; fix them and call again"


def _run(tool: Tool, kwargs: dict[str, Any], ctx: ToolContext, timeout: float) -> Any:
    """Run in a daemon worker thread and stop waiting at the timeout.

    Python cannot kill a thread: a sync tool that ignores its timeout keeps running in
    the background, but the run moves on. Async tools are cancelled by wait_for.
    """
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            if tool.is_async:
                box["value"] = asyncio.run(asyncio.wait_for(tool.invoke(kwargs, ctx), timeout))
            else:
                box["value"] = tool.invoke(kwargs, ctx)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=work, name=f"tool-{tool.name}", daemon=True)
    worker.start()
    worker.join(timeout + _GRACE)
    if worker.is_alive():
        raise TimeoutError(f"{tool.name} timed out after {timeout:g}s; try a smaller task")
    if "error" in box:
        error: BaseException = box["error"]
        if isinstance(error, TimeoutError) and not str(error):
            raise TimeoutError(
                f"{tool.name} timed out after {timeout:g}s; try a smaller task"
            ) from error
        if not isinstance(error, Exception):  # SystemExit from sys.exit() in a tool
            raise ToolError(f"tool exited ({type(error).__name__}: {error})")
        raise error
    return box.get("value")


def load_toolset(
    settings: Settings,
    extra: Iterable[Tool] = (),
    *,
    warn: Callable[[str], None] | None = None,
) -> Toolset:
    """All tools for `settings`: built-ins, entry points, tools_path, then `extra`."""
    from agentkit.plugins import discover

    toolset = Toolset()
    for item in [*discover(settings, warn=warn or _warn), *(t for t in extra)]:
        if item.name not in settings.deny_tools:
            toolset.add(item)
    return toolset


def _warn(message: str) -> None:
    import warnings

    warnings.warn(message, stacklevel=3)
