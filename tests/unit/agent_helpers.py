"""Tools and reply builders shared by the loop, policy and aid tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentkit.agent import Agent
from agentkit.config import Settings
from agentkit.events import Event
from agentkit.registry import Toolset
from agentkit.testing import ScriptedModel
from agentkit.tool import Tool, tool

CALLS: list[str] = []


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers.

    Args:
        a: first factor.
        b: second factor.
    """
    return a * b


@tool
def lookup(key: str) -> str:
    """Look a key up; fails for keys starting with 'bad'.

    Args:
        key: what to look up.
    """
    CALLS.append(key)
    if key.startswith("bad"):
        raise ValueError(f"no entry for {key}")
    return f"value of {key}"


def plan(*steps: tuple[str, str | None]) -> dict[str, Any]:
    return {
        "steps": [
            {"id": i, "title": title, "tool": name, "depends_on": [i - 1] if i > 1 else []}
            for i, (title, name) in enumerate(steps, start=1)
        ]
    }


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"action": "call", "calls": [{"tool": name, "arguments": arguments}]}


def done(result: str) -> dict[str, Any]:
    return {"action": "done", "result": result}


def answer(text: str, *refs: str) -> dict[str, Any]:
    return {"answer": text, "citations": list(refs)}


def make_agent(
    tmp_path: Path,
    replies: Sequence[Any],
    tools: Sequence[Tool] = (multiply, lookup),
    **settings: Any,
) -> tuple[Agent, ScriptedModel]:
    CALLS.clear()
    model = ScriptedModel(replies)
    config = Settings(workspace=tmp_path, yes=True, no_memory=True, **settings)
    return Agent(model, Toolset(list(tools)), settings=config), model


def of_type(events: Sequence[Event], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]
