"""Aid `verbatim`: a tool argument marked `verbatim()` (a file name, a search term) may
only be a run of up to MAX_SPAN_WORDS words of the request (goal, step title, short
results), in the step's first call. A small model otherwise invents `file_name`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentkit.decision import MAX_SPAN_WORDS, copied_from

__all__ = ["MAX_SPAN_WORDS", "constrain"]


def constrain(parameters: dict[str, Any], texts: Sequence[str]) -> dict[str, Any]:
    return copied_from(parameters, texts)
