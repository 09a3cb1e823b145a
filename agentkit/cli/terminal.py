"""Text from runs, files and tools made safe to show on a terminal.

Goals, file contents, tool output and model answers are untrusted. Printed raw to a
terminal, their escape sequences could set the window title, write the clipboard
(OSC 52), clear the screen, move the cursor or hide text. `sanitize` replaces every
C0 control except newline and tab, DEL, every C1 control, and the Unicode bidi
overrides with a visible `\\xNN` / `\\uNNNN` escape, so an ESC sequence shows as
harmless text. Output that is not a terminal (a pipe, a file) is left byte-exact.
"""

from __future__ import annotations

import sys
from typing import IO

import typer

__all__ = ["echo", "for_terminal", "is_terminal", "sanitize"]

_KEEP = {"\n", "\t"}
_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]  # embeddings, overrides, isolates
_TABLE: dict[int, str] = {
    code: f"\\x{code:02x}"
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
    if chr(code) not in _KEEP
}
_TABLE.update({code: f"\\u{code:04x}" for code in _BIDI})


def sanitize(text: str) -> str:
    """`text` with control characters (but \\n and \\t) shown as escapes."""
    return text.translate(_TABLE)


def is_terminal(stream: IO[str] | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):  # closed or detached stream
        return False


def for_terminal(text: str, stream: IO[str] | None) -> str:
    """`text` sanitized when `stream` is a terminal, unchanged otherwise."""
    return sanitize(text) if is_terminal(stream) else text


def echo(text: str, *, err: bool = False) -> None:
    """typer.echo of untrusted text, sanitized when it goes to a terminal."""
    stream = sys.stderr if err else sys.stdout
    typer.echo(for_terminal(text, stream), err=err)
