"""One connection to one MCP server, usable from any thread.

The server starts on first use (`tools()` or `call()`), lives as a task on the shared
loop (`agentkit.mcp.portal`), and is closed by `close()`, by `close_all()` at the end of
a run, or at interpreter exit. Every failure (cannot start, crashed, timed out) is one
`McpServerError` or `TimeoutError` with a one-line message; the SDK's own stdio
transport kills the server's process tree when the connection closes.
"""

from __future__ import annotations

import atexit
import functools
import logging
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from agentkit.errors import ToolError
from agentkit.mcp import portal
from agentkit.mcp.config import McpServerConfig

if TYPE_CHECKING:
    from mcp import Client

__all__ = ["McpConnection", "McpServerError", "close_all", "connection"]

log = logging.getLogger(__name__)

_MAX_PAGES = 50  # a server whose tools/list never ends cannot hang the listing
_CLOSE_WAIT = 8.0  # the SDK's stdio shutdown takes at most about 6.5 s (stdin, TERM, KILL)


class McpServerError(ToolError):
    """An MCP server could not be started, crashed, or broke the protocol."""


class McpConnection:
    def __init__(self, name: str, config: McpServerConfig, log_dir: Path) -> None:
        self.name = name
        self.config = config
        self.log_path = log_dir / f"{name}.log"
        self.server_version: str | None = None
        self._lock = threading.Lock()
        self._client: Client | None = None
        self._scope: Any = None
        self._finished = threading.Event()
        self._finished.set()
        self._errlog: TextIO | None = None
        self._log_start = 0  # where this start's lines begin in the (appended) log

    # --- lifecycle -------------------------------------------------------------------

    def _connect(self) -> Client:
        with self._lock:
            if self._client is not None:
                return self._client
            _require_sdk()
            ready: Future[Client] = Future()
            self._finished.clear()
            portal.portal().start_task_soon(self._serve, ready)
            try:
                client = ready.result(timeout=self.config.timeout)
            except FutureTimeout:
                self._stop()
                raise McpServerError(
                    f"MCP server {self.name} did not start within {self.config.timeout:g}s"
                    f"{self._log_hint()}"
                ) from None
            except Exception as exc:  # noqa: BLE001 - any start failure is one line
                self._stop()
                raise McpServerError(
                    f"MCP server {self.name} failed to start: {_one_line(exc)}{self._log_hint()}"
                ) from None
            self._client = client
            info = client.server_info
            self.server_version = info.version if info is not None else None
            return client

    async def _serve(self, ready: Future[Client]) -> None:
        import anyio
        from mcp import Client, StdioServerParameters, stdio_client
        from mcp_types import Implementation

        from agentkit import __version__

        cfg = self.config
        target: Any
        if cfg.url is not None:
            target = cfg.url
        else:
            assert cfg.command is not None
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._errlog = self.log_path.open("a", encoding="utf-8")
            self._log_start = self._errlog.tell()
            params = StdioServerParameters(
                command=cfg.command, args=cfg.args, env=cfg.env or None, cwd=cfg.cwd
            )
            # A transport, not the parameters: the server's stderr goes to its log file.
            target = stdio_client(params, errlog=self._errlog)
        try:
            with anyio.CancelScope() as scope:
                self._scope = scope
                client = Client(
                    target,
                    mode="legacy",
                    read_timeout_seconds=cfg.timeout,
                    client_info=Implementation(name="agentkit", version=__version__),
                    cache=None,
                )
                async with client:
                    ready.set_result(client)
                    await anyio.sleep_forever()
        except Exception as exc:
            if not ready.done():
                ready.set_exception(exc)
            else:
                log.debug("MCP server %s connection ended", self.name, exc_info=exc)
        finally:
            if not ready.done():
                ready.set_exception(McpServerError("closed before it started"))
            self._client = None
            if self._errlog is not None:
                self._errlog.close()
                self._errlog = None
            self._finished.set()

    def _stop(self) -> None:
        scope = self._scope
        if scope is not None:
            try:
                portal.call(_cancel, scope)
            except RuntimeError:  # the loop is already gone
                return
        self._finished.wait(_CLOSE_WAIT)
        self._client = None
        self._scope = None

    def close(self) -> None:
        with self._lock:
            if not self._finished.is_set():
                self._stop()

    # --- requests --------------------------------------------------------------------

    def tools(self) -> list[dict[str, Any]]:
        """Every tool the server lists, as JSON dicts (camelCase keys, as on the wire)."""
        client = self._connect()
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            page = self._request(functools.partial(client.list_tools, cursor=cursor), "list")
            found += [
                t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in page.tools
            ]
            cursor = page.next_cursor
            if cursor is None:
                break
        return found

    def call(self, tool: str, arguments: dict[str, Any], timeout: float) -> dict[str, Any]:
        """The `CallToolResult` as a JSON dict; raises McpServerError or TimeoutError."""
        client = self._connect()
        request = functools.partial(client.call_tool, tool, arguments, read_timeout_seconds=timeout)
        result = self._request(request, f"call to {tool}", timeout)
        dumped: dict[str, Any] = result.model_dump(mode="json", by_alias=True, exclude_none=True)
        return dumped

    def _request(self, fn: Any, what: str, timeout: float | None = None) -> Any:
        from mcp import MCPError
        from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT

        try:
            return portal.call(fn)
        except MCPError as exc:
            if exc.code == REQUEST_TIMEOUT:
                limit = timeout if timeout is not None else self.config.timeout
                raise TimeoutError(
                    f"MCP server {self.name}: {what} timed out after {limit:g}s"
                ) from None
            if exc.code == CONNECTION_CLOSED:
                self.close()
                raise McpServerError(
                    f"MCP server {self.name} closed the connection during the {what} "
                    f"(it may have crashed){self._log_hint()}"
                ) from None
            raise McpServerError(f"MCP server {self.name}: {what} failed: {exc}") from None
        except (OSError, RuntimeError) as exc:  # transport gone under us
            self.close()
            raise McpServerError(
                f"MCP server {self.name}: {what} failed: {_one_line(exc)}{self._log_hint()}"
            ) from None

    def _log_hint(self) -> str:
        if self.config.url is not None:
            return ""
        last = _last_line(self.log_path, self._log_start)
        said = f' (it said: "{last}")' if last else ""
        return f"{said}; its log: {self.log_path}"


def _require_sdk() -> None:
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise McpServerError(
            "MCP servers are configured but the mcp package is not installed; "
            "pip install 'agentkit[mcp]'"
        ) from None


async def _cancel(scope: Any) -> None:
    scope.cancel()


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return _one_line(exc.exceptions[0])
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _last_line(path: Path, start: int) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, 2)
            fh.seek(max(fh.tell() - 2000, start))
            lines = [ln.strip() for ln in fh.read().decode(errors="replace").splitlines()]
    except OSError:
        return ""
    tail = next((ln for ln in reversed(lines) if ln), "")
    return tail[:160]


_connections: dict[tuple[str, str], McpConnection] = {}
_registry_lock = threading.Lock()


def connection(name: str, config: McpServerConfig, log_dir: Path) -> McpConnection:
    """This process's one connection object per server (started lazily)."""
    key = (name, config.identity())
    with _registry_lock:
        if key not in _connections:
            _connections[key] = McpConnection(name, config, log_dir)
        return _connections[key]


def close_all() -> None:
    """Close every server this process started (idempotent); called at the end of runs."""
    with _registry_lock:
        open_now = list(_connections.values())
    for conn in open_now:
        conn.close()


atexit.register(close_all)
