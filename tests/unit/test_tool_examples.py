"""Tool examples: checked when the tool is defined, shown as worked calls before a call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentkit.agent import Agent
from agentkit.config import Settings
from agentkit.errors import PluginError
from agentkit.registry import Toolset
from agentkit.testing import ScriptedModel
from agentkit.tool import ToolExample, tool


@tool(examples={"Look up the record for z9, page 3.": {"key": "z9", "page": 3}})
def fetch(key: str, page: int = 1) -> str:
    """Fetch a record.

    Args:
        key: which record.
        page: which page of it.
    """
    return f"record {key} page {page}"


PLAN = {"steps": [{"id": 1, "title": "Fetch the record", "tool": "fetch", "depends_on": []}]}
CALL = {"action": "call", "calls": [{"tool": "fetch", "arguments": {"key": "k7"}}]}
ANSWER = {"answer": "[obs-1]", "citations": ["obs-1"]}


def test_examples_are_part_of_the_definition() -> None:
    assert fetch.definition.examples == [
        ToolExample(goal="Look up the record for z9, page 3.", arguments={"key": "z9", "page": 3})
    ]


def test_an_invalid_example_is_a_plugin_error_naming_it() -> None:
    def lookup(key: str) -> str:
        """Look something up."""
        return key

    with pytest.raises(PluginError, match=r"example 'Find x'.*key") as info:
        tool(examples={"Find x": {"kee": "x"}})(lookup)
    assert "\n" not in str(info.value)


def test_focused_call_shows_the_examples_as_earlier_calls(tmp_path: Path) -> None:
    model = ScriptedModel([PLAN, CALL, ANSWER])
    settings = Settings(workspace=tmp_path, no_memory=True)
    result = Agent(model, Toolset([fetch]), settings=settings).run("Fetch record k7")
    assert result.answer == "record k7 page 1"
    messages = model.calls[1][0]
    assert [m.role for m in messages] == ["system", "user", "assistant", "user"]
    assert "Look up the record for z9, page 3." in messages[1].content
    assert "Call the tool fetch" in messages[1].content
    # the focused first call offers required arguments only, so the example shows only those
    shown = json.loads(messages[2].content)
    assert shown == {"action": "call", "calls": [{"tool": "fetch", "arguments": {"key": "z9"}}]}
    assert "Fetch record k7" in messages[3].content


def test_builtin_tools_carry_valid_examples() -> None:
    from agentkit.registry import load_toolset

    tools = load_toolset(Settings(no_memory=True))
    with_examples = {t.name for t in tools if t.definition.examples}
    assert "calculator" in with_examples
