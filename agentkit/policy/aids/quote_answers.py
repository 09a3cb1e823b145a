"""Aid `quote_answers`: when every piece of evidence is a tool result (no step result
written by the model, no memory retrieved), the answer grammar allows only quotes of
results, `[obs-N]` or up to MAX_QUOTES of them joined by " and ", and agentkit substitutes
each result's exact text. A computed value is then quoted exactly: a 135M model retyping
`1000` writes "100.0". Results longer than QUOTE_CHARS stay as their reference. With one
result to quote, that grammar leaves one answer (`[obs-1]`, or it repeated), so the model
is not asked: `only_answer`."""

from __future__ import annotations

import re

from agentkit.run.state import RunState, observation_ref

__all__ = ["MAX_QUOTES", "QUOTE_CHARS", "expand", "only_answer", "quotable", "quoted"]

MAX_QUOTES = 3
QUOTE_CHARS = 300
_QUOTE = re.compile(r"\[(obs-\d+)\]")


def _short_results(state: RunState) -> dict[str, str]:
    texts = {observation_ref(o.index): o.text.strip() for o in state.ok_results}
    return {ref: text for ref, text in texts.items() if len(text) <= QUOTE_CHARS}


def quotable(state: RunState) -> list[str]:
    """Refs the answer is made of; none when the evidence is not all tool results."""
    if state.written or state.memory:
        return []
    return list(_short_results(state))


def only_answer(quotes: list[str]) -> dict[str, object] | None:
    """The answer reply when the quote grammar allows only one: a single quotable result."""
    return {"answer": f"[{quotes[0]}]", "citations": quotes} if len(quotes) == 1 else None


def quoted(state: RunState, draft: str) -> tuple[str, list[str]]:
    """The text a quoting draft stands for, each result once, and the refs used."""
    texts = _short_results(state)
    used: dict[str, str] = {}
    for ref in _QUOTE.findall(draft):
        if ref in texts and texts[ref] not in used.values():
            used[ref] = texts[ref]
    return " and ".join(used.values()), list(used)


def expand(state: RunState, answer: str) -> tuple[str, list[str]]:
    """Each `[obs-N]` in a free answer replaced by that result's exact text."""
    texts = _short_results(state)
    refs: list[str] = []

    def quote(match: re.Match[str]) -> str:
        text = texts.get(match.group(1))
        if text is None:
            return match.group(0)
        refs.append(match.group(1))
        return text

    return _QUOTE.sub(quote, answer), refs
