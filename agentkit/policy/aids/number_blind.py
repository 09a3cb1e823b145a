"""Aid `number_blind`: demonstrations are retrieved by what a goal asks, not by its values.

A sentence embedding weighs numbers, dates and codes like words, so "What is 45 * 45?"
lands next to "the date 45 days after 2023-09-10" and "1234 * 5678" next to "my locker
code is 4512", and a small model then copies the wrong demonstration (an add_days call
for a product). Both the goal and the demonstrations' goals are embedded with every run
of digits (with the separators inside it: 2024-01-15, 3.5, 10:30) read as "a number";
the values themselves still reach the model through the goal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agentkit.policy.aids.routing import TextEmbedder

__all__ = ["PLACEHOLDER", "NumberBlindEmbedder", "without_numbers"]

PLACEHOLDER = "a number"
_NUMBER = re.compile(r"\d+(?:[.,:/-]\d+)*")


def without_numbers(text: str) -> str:
    return _NUMBER.sub(PLACEHOLDER, text)


class NumberBlindEmbedder:
    """`inner`, embedding each text with its numbers replaced by the placeholder."""

    def __init__(self, inner: TextEmbedder) -> None:
        self.inner = inner
        # Its own vectors, so its own collection in the demonstration store.
        self.name = f"{getattr(inner, 'name', type(inner).__name__)}-number-blind"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self.inner.embed([without_numbers(t) for t in texts])
