"""Fencing untrusted text (tool output, retrieved memory) between per-run markers.

Every prompt kind shows untrusted text only inside a fence whose marker is random for
the run, so text planted in a file or a web page cannot close the fence and pass for an
instruction: it would have to guess the marker. Anything in the text that looks like a
fence is defused as well.
"""

from __future__ import annotations

import re
import secrets

__all__ = ["fence", "new_marker"]

_FENCE_LIKE = re.compile(r"<<<|>>>")


def new_marker() -> str:
    return secrets.token_hex(4)


def fence(marker: str, label: str, text: str) -> str:
    """`text` between `<<<UNTRUSTED-marker label>>>` and `<<<END-marker>>>`."""
    clean = _FENCE_LIKE.sub("«", text.replace(marker, "")) if marker else text
    safe_label = _FENCE_LIKE.sub("«", label)
    return f"<<<UNTRUSTED-{marker} {safe_label}>>>\n{clean}\n<<<END-{marker}>>>"
