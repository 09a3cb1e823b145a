"""Reading calls out of the baseline's free text."""

from __future__ import annotations

import pytest

from agentkit.eval.checker import Call
from agentkit.eval.parse import NotCalls, parse_calls


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ("[f(a=1)]", [Call("f", {"a": 1})]),
        (
            '[math.hypot(x=4, y=5), g(s="x y")]',
            [Call("math.hypot", {"x": 4, "y": 5}), Call("g", {"s": "x y"})],
        ),
        ("f(a=(1.5, 2))", [Call("f", {"a": [1.5, 2]})]),
        ("```python\n[f(a=[1, 2])]\n```", [Call("f", {"a": [1, 2]})]),
        ('Sure! [f(a="b")]', [Call("f", {"a": "b"})]),
        ('{"name": "f", "arguments": {"a": 1}}', [Call("f", {"a": 1})]),
        ('[{"f": {"a": 1}}, {"tool": "g", "arguments": {}}]', [Call("f", {"a": 1}), Call("g", {})]),
        (
            '{"action": "call", "calls": [{"tool": "f", "arguments": {"a": true}}]}',
            [Call("f", {"a": True})],
        ),
        ("None of the functions can compute this (sorry).", []),
        ("[]", []),
    ],
)
def test_readable_calls(text: str, calls: list[Call]) -> None:
    assert parse_calls(text) == calls


@pytest.mark.parametrize(
    "text",
    [
        "[f(1, 2)]",
        "[f(a=x)]",
        "f(a=1",
        '{"a": 1, "b": 2}',
        "[1, 2]",
        "[f(a=1) g(b=2)]",
        "```python\ndef f(n):\n    return n\n```",
        "Use math.sqrt(x) for that.",
    ],
)
def test_unreadable_calls(text: str) -> None:
    with pytest.raises(NotCalls):
        parse_calls(text)
