"""Questions to the person at the terminal: tool approvals and the `ask_user` tool.

The live progress view (agentkit.cli.progress) redraws the terminal several times a
second; while a question waits for an answer the view must stand still, or it draws
over the question and the user cannot see what is asked. The view installs a holder
with `hold_terminal_with`; `ask` runs every question inside it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager

__all__ = ["Holder", "ask", "hold_terminal_with"]

Holder = Callable[[], AbstractContextManager[object]]

_holder: Holder = contextlib.nullcontext


def hold_terminal_with(holder: Holder) -> Holder:
    """Make `holder` what every question runs inside; returns the previous one."""
    global _holder
    previous, _holder = _holder, holder
    return previous


def ask(text: str) -> str:
    """Write `text` to stderr and read one line of stdin ("" when it is closed)."""
    with _holder():
        sys.stderr.write(text)
        sys.stderr.flush()
        return sys.stdin.readline()
