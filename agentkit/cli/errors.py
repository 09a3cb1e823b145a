"""Turning agentkit errors into one line on stderr, with tracebacks only under --debug."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from agentkit.cli import terminal
from agentkit.errors import AgentkitError

__all__ = ["AgentkitGroup", "debug_enabled", "enable_debug", "one_line", "os_error_line"]

_state = {"debug": False}


def debug_enabled() -> bool:
    return _state["debug"] or os.environ.get("AGENTKIT_DEBUG", "").lower() in {"1", "true", "yes"}


def enable_debug(on: bool) -> None:
    _state["debug"] = on
    if debug_enabled():
        logging.basicConfig(
            level=logging.DEBUG, format="%(asctime)s %(name)s %(levelname)s %(message)s"
        )


def _reopen_closed_std_streams() -> None:
    """A stream closed by the shell (`0<&-`) is None in Python; make it /dev/null, so
    `isatty()` and reads work everywhere below (stdin: nobody can answer a prompt)."""
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:
            setattr(sys, name, Path(os.devnull).open(mode, encoding="utf-8"))  # noqa: SIM115


class AgentkitGroup(TyperGroup):
    """The root group: every AgentkitError below it becomes `error: <one line>`.

    Anything else that escapes (a bug) also becomes one line, naming the exception and
    asking for a rerun with --debug, which shows the traceback.
    """

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click Context
        _reopen_closed_std_streams()
        try:
            return super().invoke(ctx)
        except AgentkitError as exc:
            if debug_enabled():
                traceback.print_exc()
            terminal.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:  # `agentkit ... | head`: the reader left; that is fine
            with contextlib.suppress(OSError):
                sys.stdout = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115
            raise typer.Exit(141) from None
        except OSError as exc:
            # Environment problems (disk full, permissions) that escaped a boundary.
            if debug_enabled():
                traceback.print_exc()
            terminal.echo(f"error: {os_error_line(exc)}", err=True)
            raise typer.Exit(1) from None
        except (typer.Exit, typer.Abort, TyperException):
            raise  # click's own exits and usage errors are already one line
        except Exception as exc:  # the last guard before a traceback
            if debug_enabled():
                raise
            terminal.echo(
                f"error: internal error ({type(exc).__name__}: {one_line(str(exc))}); "
                "this is a bug in agentkit: rerun with --debug and report the traceback",
                err=True,
            )
            raise typer.Exit(1) from None


# What a user can do about the environment errors that reach the top.
_ADVICE = {
    errno.EACCES: "choose a path you may use, or change its permissions",
    errno.EPERM: "choose a path you may use, or change its permissions",
    errno.EROFS: "the file system is read-only: choose a writable path",
    errno.ENOSPC: "the disk is full: free some space and retry",
    errno.EDQUOT: "the disk quota is used up: free some space and retry",
    errno.ENOENT: "check that the path exists",
    errno.ENOTDIR: "a part of the path is a file, not a directory: check the path",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) and retry",
}


def os_error_line(exc: OSError) -> str:
    """An OSError as one line: what failed, on which path, and what to do about it."""
    if exc.strerror is None:  # raised with a message of its own, not from a system call
        return f"{one_line(str(exc))}; rerun with --debug for details"
    where = f": {exc.filename}" if exc.filename is not None else ""
    hint = _ADVICE.get(exc.errno or 0, "rerun with --debug for details")
    return one_line(f"{exc.strerror.lower()}{where}; {hint}")


def one_line(text: str, limit: int = 300) -> str:
    """`text` on one line, shortened: for error messages built from outside text."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()
