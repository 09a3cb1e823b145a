"""Verbatim arguments: a step's first call copies them as a run of words from the request."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import Field

from agentkit.agent import Agent
from agentkit.config import Settings
from agentkit.decision import VERBATIM, copied_from, word_spans
from agentkit.errors import PluginError
from agentkit.registry import Toolset
from agentkit.testing import ScriptedModel
from agentkit.tool import tool, verbatim

OPENED: list[str] = []


@tool
def open_file(name: Annotated[str, Field(max_length=40), verbatim()], lines: int = 10) -> str:
    """Open a file.

    Args:
        name: the file name.
        lines: how many lines.
    """
    OPENED.append(name)
    if name != "summary.txt":
        raise ValueError(f"no file {name}")
    return f"opened {name}"


PLAN = {"steps": [{"id": 1, "title": "Open it", "tool": "open_file", "depends_on": []}]}


def call(name: str) -> dict[str, Any]:
    return {"action": "call", "calls": [{"tool": "open_file", "arguments": {"name": name}}]}


def test_word_spans_are_runs_of_words_without_edge_punctuation() -> None:
    spans = word_spans(["Open summary.txt, then stop."], max_words=2)
    assert spans == ["Open", "Open summary.txt", "summary.txt", "summary.txt, then", "then",
                     "then stop", "stop"]  # fmt: skip


def test_only_verbatim_strings_become_spans_within_their_bounds() -> None:
    schema = open_file.definition.parameters
    assert schema["properties"]["name"][VERBATIM] is True
    fixed = copied_from(schema, ["Open the file called summary.txt in the home folder now"])
    name = fixed["properties"]["name"]
    assert "summary.txt" in name["enum"] and "maxLength" not in name
    assert all(len(span) <= 40 for span in name["enum"])
    assert fixed["properties"]["lines"] == schema["properties"]["lines"]
    # nothing to copy: the argument stays free
    assert copied_from(schema, [""])["properties"]["name"] == schema["properties"]["name"]


def test_first_call_copies_from_the_request_and_the_retry_is_free(tmp_path: Path) -> None:
    OPENED.clear()
    answer = {"answer": "[obs-2]", "citations": ["obs-2"]}
    model = ScriptedModel([PLAN, call("summary"), call("summary.txt"), answer])
    settings = Settings(workspace=tmp_path, no_memory=True)
    result = Agent(model, Toolset([open_file]), settings=settings).run("Open summary please")
    assert OPENED == ["summary", "summary.txt"] and result.answer == "opened summary.txt"
    first, retry = model.calls[1][1], model.calls[2][1]
    assert first is not None and retry is not None
    assert '"summary"' in str(first).replace("'", '"') and "Open it" in str(first)
    assert "enum" not in str(retry)


def test_an_invented_value_cannot_be_produced(tmp_path: Path) -> None:
    OPENED.clear()
    # the grammar would never produce it; the scripted model checks replies the same way
    give_up = {"answer": "Could not open it.", "citations": []}
    model = ScriptedModel([PLAN, call("file_name"), call("file_name"), give_up])
    settings = Settings(workspace=tmp_path, no_memory=True)
    result = Agent(model, Toolset([open_file]), settings=settings).run("Open summary.txt")
    assert result.status == "failed" and OPENED == []
    assert "is not one of" in (result.reason or "")


def test_like_prefers_matching_words_and_falls_back_to_all() -> None:
    schema = {
        "type": "object",
        "properties": {"path": {"type": "string", "maxLength": 99, VERBATIM: r"\.\w+$"}},
    }
    fixed = copied_from(schema, ["Create a file summary.txt that says done"])
    allowed = fixed["properties"]["path"]["enum"]
    assert "summary.txt" in allowed and "file" not in allowed
    assert all(span.endswith("summary.txt") for span in allowed)
    plain = copied_from(schema, ["Read the README please"])["properties"]["path"]["enum"]
    assert "README" in plain  # nothing file-like in the request: every run is allowed


def test_a_bad_like_pattern_is_a_plugin_error() -> None:
    with pytest.raises(PluginError, match="not a valid regex"):
        verbatim(like="(")


def test_an_unbounded_verbatim_string_allows_every_run() -> None:
    schema = {"type": "object", "properties": {"text": {"type": "string", VERBATIM: True}}}
    allowed = copied_from(schema, ["a much longer run zz"])["properties"]["text"]["enum"]
    assert "a much longer run zz" in allowed and "zz" in allowed
