"""Fencing untrusted text (tool output, retrieved memory) between markers.

Every prompt kind shows untrusted text only inside a fence. Text planted in a file or a
web page cannot close the fence and pass for an instruction: anything in it that looks
like a fence (`<<<`, `>>>`, the marker) is defused. The marker adds a second lock: it is
a hash of the goal, which the author of a page or a file does not know.

The marker is not random, so that a run is reproducible: at temperature 0 the same goal
with the same tools and files gives the same prompts, hence the same run, here, in CI
and on a user's machine. (A random marker made every run's prompts differ, and the
135M model's plans differed with it.)
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["fence", "new_marker"]

_FENCE_LIKE = re.compile(r"<<<|>>>")


def new_marker(goal: str) -> str:
    """The fence marker of a run for `goal`: 8 hex digits of its SHA-256."""
    return hashlib.sha256(goal.encode("utf-8")).hexdigest()[:8]


def fence(marker: str, label: str, text: str) -> str:
    """`text` between `<<<UNTRUSTED-marker label>>>` and `<<<END-marker>>>`."""
    clean = _FENCE_LIKE.sub("«", text.replace(marker, "")) if marker else text
    safe_label = _FENCE_LIKE.sub("«", label)
    return f"<<<UNTRUSTED-{marker} {safe_label}>>>\n{clean}\n<<<END-{marker}>>>"
