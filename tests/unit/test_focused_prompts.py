"""Focused prompts: required-argument first calls, worked answer examples, [obs-N] quotes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentkit.agent import Agent
from agentkit.config import Settings
from agentkit.errors import ConfigError
from agentkit.prompts import PromptRenderer
from agentkit.registry import Toolset
from agentkit.testing import ScriptedModel
from agentkit.tool import tool


@tool
def fetch(key: str, page: int = 1, verbose: bool = False) -> str:
    """Fetch a record.

    Args:
        key: which record.
        page: which page of it.
        verbose: include every field.
    """
    return f"record {key} page {page}" + (" (all fields)" if verbose else "")


@tool
def essay() -> str:
    """Return a long text."""
    return "word " * 200


PLAN = {"steps": [{"id": 1, "title": "Fetch the record", "tool": "fetch", "depends_on": []}]}
CALL = {"action": "call", "calls": [{"tool": "fetch", "arguments": {"key": "k7"}}]}


def make_agent(tmp_path: Path, replies: list[Any], **settings: Any) -> tuple[Agent, ScriptedModel]:
    model = ScriptedModel(replies)
    config = Settings(workspace=tmp_path, no_memory=True, **settings)
    return Agent(model, Toolset([fetch, essay]), settings=config), model


def test_first_call_offers_required_arguments_only(tmp_path: Path) -> None:
    answer = {"answer": "done", "citations": ["obs-1"]}
    agent, model = make_agent(tmp_path, [PLAN, CALL, answer])
    result = agent.run("Fetch record k7")
    assert result.steps[0].observation == "record k7 page 1"
    _, schema = model.calls[1]
    assert "'page'" not in json.dumps(schema).replace('"', "'")
    assert "fetch" in json.dumps(schema)
    prompt = model.calls[1][0][-1].content
    assert "Call the tool fetch" in prompt and "page" not in prompt


def test_without_focused_prompts_optional_arguments_are_offered(tmp_path: Path) -> None:
    call = {"action": "call", "calls": [{"tool": "fetch", "arguments": {"key": "k7", "page": 2}}]}
    answer = {"answer": "done", "citations": ["obs-1"]}
    agent, model = make_agent(tmp_path, [PLAN, call, answer], focused_prompts=False)
    assert agent.run("Fetch record k7").steps[0].observation == "record k7 page 2"
    assert '"page"' in json.dumps(model.calls[1][1])


def test_answer_from_tool_results_is_made_of_quotes(tmp_path: Path) -> None:
    plan = {
        "steps": [
            {"id": 1, "title": "Fetch k7", "tool": "fetch", "depends_on": []},
            {"id": 2, "title": "Fetch k8", "tool": "fetch", "depends_on": [1]},
        ]
    }
    call_k8 = {"action": "call", "calls": [{"tool": "fetch", "arguments": {"key": "k8"}}]}
    answer = {"answer": "[obs-2] and [obs-1] and [obs-2]", "citations": []}
    agent, model = make_agent(tmp_path, [plan, CALL, call_k8, answer])
    result = agent.run("Fetch records k7 and k8")
    assert result.answer == "record k8 page 1 and record k7 page 1"  # each result once
    assert result.citations == ["obs-2", "obs-1"] and result.uncited is False
    # the grammar allows nothing but quotes: no retyped (and garbled) value
    pattern = model.calls[-1][1]["properties"]["answer"]["pattern"]  # type: ignore[index]
    assert pattern == r"^\[(obs-1|obs-2)\]( and \[(obs-1|obs-2)\]){0,2}$"
    messages = model.calls[-1][0]
    # system, the worked examples that quote (user + assistant each), then the request
    every = PromptRenderer().answer_examples()
    quoting = [e for e in every if e.results and not e.steps]
    assert len(quoting) >= 3 and len(every) > len(quoting)
    roles = ["system"] + ["user", "assistant"] * len(quoting) + ["user"]
    assert [m.role for m in messages] == roles
    assert json.loads(messages[2].content) == {"answer": "[obs-1]", "citations": ["obs-1"]}
    assert all(e.goal not in m.content for e in every if e.steps for m in messages)
    assert "Fetch records k7 and k8" in messages[-1].content
    assert "by quoting the results" in messages[-1].content


def test_answer_with_a_written_step_result_is_free_text_with_quotes(tmp_path: Path) -> None:
    plan = {
        "steps": [
            {"id": 1, "title": "Fetch the record", "tool": "fetch", "depends_on": []},
            {"id": 2, "title": "Judge it", "tool": None, "depends_on": [1]},
        ]
    }
    judged = {"action": "done", "result": "It looks complete."}
    answer = {"answer": "It is [obs-1]; see also [obs-9].", "citations": []}
    agent, model = make_agent(tmp_path, [plan, CALL, judged, answer])
    result = agent.run("Fetch record k7 and judge it")
    assert result.answer == "It is record k7 page 1; see also [obs-9]."
    assert result.citations == ["obs-1"] and result.uncited is False
    assert "pattern" not in json.dumps(model.calls[-1][1])
    assert "It looks complete." in model.calls[-1][0][-1].content


def test_long_results_stay_as_references(tmp_path: Path) -> None:
    plan = {"steps": [{"id": 1, "title": "Get the essay", "tool": "essay", "depends_on": []}]}
    call = {"action": "call", "calls": [{"tool": "essay", "arguments": {}}]}
    answer = {"answer": "The essay is [obs-1].", "citations": ["obs-1"]}
    agent, _ = make_agent(tmp_path, [plan, call, answer])
    assert agent.run("Get the essay").answer == "The essay is [obs-1]."


def test_answer_examples_can_be_overridden(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "answer_examples.yaml").write_text(
        "- goal: Name a colour.\n  results: [{tool: look, text: blue}]\n"
        "  answer: '[obs-1]'\n  citations: [obs-1]\n",
        encoding="utf-8",
    )
    answer = {"answer": "[obs-1]", "citations": ["obs-1"]}
    agent, model = make_agent(tmp_path, [PLAN, CALL, answer], prompts_dir=prompts)
    agent.run("Fetch record k7")
    messages = model.calls[-1][0]
    assert len(messages) == 4 and "Name a colour." in messages[1].content
    assert messages[2].content == '{"answer": "[obs-1]", "citations": ["obs-1"]}'


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("- goal: [unclosed\n", "while parsing"),
        ("- goal: no answer here\n", "at 0.answer: Field required"),
        (
            "- goal: g\n  results: [{tool: t, text: 2024-01-01}]\n  answer: a\n  citations: []\n",
            "at 0.results.0.text: Input should be a valid string",
        ),
    ],
)
def test_broken_answer_examples_are_a_one_line_config_error(
    tmp_path: Path, text: str, detail: str
) -> None:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "answer_examples.yaml").write_text(text, encoding="utf-8")
    answer = {"answer": "done", "citations": ["obs-1"]}
    agent, model = make_agent(tmp_path, [PLAN, CALL, answer], prompts_dir=prompts)
    with pytest.raises(ConfigError, match="not a valid list of answer examples") as caught:
        agent.run("Fetch record k7")
    assert detail in str(caught.value) and "\n" not in str(caught.value)
    assert model.calls == []  # found before the run plans or calls anything


class PenaltyLog(ScriptedModel):
    """Records the repeat penalty of every call."""

    def __init__(self, replies: list[Any]) -> None:
        super().__init__(replies)
        self.penalties: list[float | None] = []

    def complete(self, messages: Any, **kwargs: Any) -> Any:
        self.penalties.append(kwargs.get("repeat_penalty"))
        return super().complete(messages, **kwargs)


def test_toolless_run_starts_from_a_worked_example_and_free_text_keeps_the_penalty(
    tmp_path: Path,
) -> None:
    plan = {
        "steps": [
            {"id": 1, "tool": None, "title": "Step 1: Pick a place", "depends_on": []},
            {"id": 2, "tool": None, "title": "Step 2: Pick a date", "depends_on": [1]},
        ]
    }
    model = PenaltyLog(
        [
            plan,
            {"action": "done", "result": "Lisbon."},
            {"action": "done", "result": "In May."},
            {"answer": "Go to Lisbon in May.", "citations": []},
        ]
    )
    agent = Agent(model, Toolset([]), settings=Settings(workspace=tmp_path, no_memory=True))
    result = agent.run("plan a trip")
    assert result.status == "succeeded" and result.answer == "Go to Lisbon in May."
    assert [s.title for s in result.plan] == ["Pick a place", "Pick a date"]  # prefix gone
    plan_messages, plan_schema = model.calls[0]
    example = PromptRenderer().plan_examples()[0]
    assert example.goal in plan_messages[1].content  # the worked run comes first
    assert example.steps[0].result in "".join(m.content for m in plan_messages)
    assert plan_messages[-1].content.startswith("Goal: plan a trip")
    assert plan_schema is not None and plan_schema["properties"]["steps"]["minItems"] == 2
    answer_request = model.calls[-1][0][-1].content
    assert "Pick a place: Lisbon." in answer_request and "Pick a date: In May." in answer_request
    # a free answer is shown free answers only: quotes taught it to write "[destination]"
    assert not any("[obs-" in m.content for m in model.calls[-1][0][1:])
    assert model.penalties == [None, None, None, None]  # the configured penalty, not 1.0


def test_runs_with_tools_have_no_plan_example_and_calls_run_without_penalty(
    tmp_path: Path,
) -> None:
    answer = {"answer": "[obs-1]", "citations": ["obs-1"]}
    model = PenaltyLog([PLAN, CALL, answer])
    agent = Agent(model, Toolset([fetch]), settings=Settings(workspace=tmp_path, no_memory=True))
    agent.run("Fetch record k7")
    example = PromptRenderer().plan_examples()[0]
    assert all(example.goal not in m.content for m in model.calls[0][0])
    assert model.penalties == [None, 1.0, None]


def test_plan_starts_with_a_tool_when_tools_were_chosen_for_the_goal(tmp_path: Path) -> None:
    from agentkit.registry import load_toolset

    settings = Settings(workspace=tmp_path, no_memory=True, max_tools=2)
    plan = {"steps": [{"id": 1, "tool": "calculator", "title": "Multiply", "depends_on": []}]}
    call = {"action": "call", "calls": [{"tool": "calculator", "arguments": {"expression": "6*7"}}]}
    model = ScriptedModel([plan, call, {"answer": "[obs-1]", "citations": []}])
    agent = Agent(model, load_toolset(settings), settings=settings)
    result = agent.run("What is 6 * 7?")
    assert result.answer == "42" and result.citations == ["obs-1"]
    steps = model.calls[0][1]["properties"]["steps"]  # type: ignore[index]
    first_tools = {
        tuple(alt["prefixItems"][0]["properties"]["tool"]["enum"]) for alt in steps["anyOf"]
    }
    assert len(first_tools) == 1 and None not in next(iter(first_tools))
    assert "calculator" in next(iter(first_tools))


def test_a_goal_in_parts_gets_a_plan_step_per_part(tmp_path: Path) -> None:
    from agentkit.registry import load_toolset

    settings = Settings(workspace=tmp_path, no_memory=True, max_tools=2)
    (tmp_path / "n.txt").write_text("12 30\n")
    plan = {
        "steps": [
            {"id": 1, "tool": "read_file", "title": "Read n.txt", "depends_on": []},
            {"id": 2, "tool": "calculator", "title": "Add them", "depends_on": [1]},
        ]
    }
    read = {"action": "call", "calls": [{"tool": "read_file", "arguments": {"path": "n.txt"}}]}
    add = {
        "action": "call",
        "calls": [{"tool": "calculator", "arguments": {"expression": "12+30"}}],
    }
    model = ScriptedModel([plan, read, add, {"answer": "[obs-2]", "citations": []}])
    agent = Agent(model, load_toolset(settings), settings=settings)
    result = agent.run("Read n.txt, then add the two numbers in it.")
    assert result.answer == "42"
    steps = model.calls[0][1]["properties"]["steps"]  # type: ignore[index]
    assert min(alt["minItems"] for alt in steps["anyOf"]) == 2  # a one-step plan is impossible


def test_no_forced_retry_after_a_refusal(tmp_path: Path) -> None:
    @tool(permission="write")
    def save(text: str) -> str:
        """Save a text.

        Args:
            text: what to save.
        """
        return "saved"

    plan = {"steps": [{"id": 1, "title": "Save it", "tool": "save", "depends_on": []}]}
    call = {"action": "call", "calls": [{"tool": "save", "arguments": {"text": "hi"}}]}
    done = {"action": "done", "result": "not allowed to save"}
    answer = {"answer": "Saving was refused.", "citations": []}
    model = ScriptedModel([plan, call, done, answer])
    settings = Settings(workspace=tmp_path, no_memory=True)
    agent = Agent(model, Toolset([save]), settings=settings, approve=lambda *_: False)
    result = agent.run("Save hi")
    assert result.steps[0].ok is False and "refused" in result.steps[0].observation
    assert '"done"' in json.dumps(model.calls[2][1])  # the model may give up on the step
    assert result.status == "succeeded"


def test_an_unusable_call_is_asked_again_with_the_repeat_penalty(tmp_path: Path) -> None:
    truncated = '{"action": "call", "calls": [{"tool": "fetch", "arguments": {"key": "1212121'
    answer = {"answer": "done", "citations": ["obs-1"]}
    model = PenaltyLog([PLAN, truncated, CALL, answer])
    agent = Agent(model, Toolset([fetch]), settings=Settings(workspace=tmp_path, no_memory=True))
    result = agent.run("Fetch record k7")
    assert result.status == "succeeded" and result.steps[0].observation == "record k7 page 1"
    assert model.penalties == [None, 1.0, None, None]
