"""Turning agentkit errors into one line on stderr, with tracebacks only under --debug."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from typing import Any

import typer
from typer.core import TyperGroup

from agentkit.errors import AgentkitError

__all__ = ["AgentkitGroup", "debug_enabled", "enable_debug"]

_state = {"debug": False}


def debug_enabled() -> bool:
    return _state["debug"] or os.environ.get("AGENTKIT_DEBUG", "").lower() in {"1", "true", "yes"}


def enable_debug(on: bool) -> None:
    _state["debug"] = on
    if debug_enabled():
        logging.basicConfig(
            level=logging.DEBUG, format="%(asctime)s %(name)s %(levelname)s %(message)s"
        )


class AgentkitGroup(TyperGroup):
    """The root group: every AgentkitError below it becomes `error: <one line>`."""

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click Context
        try:
            return super().invoke(ctx)
        except AgentkitError as exc:
            if debug_enabled():
                traceback.print_exc()
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except OSError as exc:
            # Environment problems (disk full, permissions) that escaped a boundary.
            if debug_enabled():
                traceback.print_exc()
            typer.echo(f"error: {exc}; rerun with --debug for details", err=True)
            raise typer.Exit(1) from None


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()
