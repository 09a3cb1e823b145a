"""The one place agentkit's synchronous code meets the async MCP SDK.

A single daemon thread runs an anyio event loop with a `BlockingPortal`; every MCP
connection lives on it as a task, and callers in any thread block on `call()`. The
thread is a daemon and is not a `concurrent.futures` worker, so an interpreter that
exits with connections still open is never held up by it: `atexit` closes them first
(see `agentkit.mcp.client.close_all`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, TypeVar

import anyio
from anyio.from_thread import BlockingPortal

__all__ = ["call", "portal", "shutdown"]

T = TypeVar("T")

_lock = threading.Lock()
_portal: BlockingPortal | None = None
_thread: threading.Thread | None = None


def portal() -> BlockingPortal:
    """The running portal, started on first use."""
    global _portal, _thread
    with _lock:
        if _portal is not None and _thread is not None and _thread.is_alive():
            return _portal
        ready: Future[BlockingPortal] = Future()

        async def main() -> None:
            async with BlockingPortal() as running:
                ready.set_result(running)
                await running.sleep_until_stopped()

        def target() -> None:
            try:
                anyio.run(main)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
                if not ready.done():
                    ready.set_exception(exc)

        _thread = threading.Thread(target=target, name="agentkit-mcp-loop", daemon=True)
        _thread.start()
        _portal = ready.result(timeout=10)
        return _portal


def call(fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Run `fn(*args)` on the loop and wait for its result."""
    return portal().call(fn, *args)


def shutdown(timeout: float = 5.0) -> None:
    """Stop the loop (tasks still on it are cancelled) and wait briefly for the thread."""
    global _portal, _thread
    with _lock:
        running, thread = _portal, _thread
        _portal = _thread = None
    if running is None or thread is None or not thread.is_alive():
        return
    with contextlib.suppress(RuntimeError):  # already stopping
        running.call(running.stop, True)
    thread.join(timeout)
