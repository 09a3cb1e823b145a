"""Workflow files: validation with file+line+key, and every step kind on a scripted model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentkit.config import Settings
from agentkit.errors import ToolError, WorkflowError
from agentkit.registry import Toolset
from agentkit.testing import ScriptedModel
from agentkit.tool import tool
from agentkit.workflow import (
    Engine,
    Session,
    StepEnded,
    WorkflowFileError,
    WorkflowResult,
    parse_workflow,
)

CALLS: list[dict[str, Any]] = []


@tool
def numbers(count: int = 3) -> list[int]:
    """Return the numbers 1..count.

    Args:
        count: how many.
    """
    return list(range(1, count + 1))


@tool
def echo(text: str) -> str:
    """Echo text back; fails on 'boom'.

    Args:
        text: what to echo.
    """
    CALLS.append({"text": text})
    if text == "boom":
        raise ValueError("exploded")
    return text.upper()


@tool(permission="write")
def save(text: str) -> str:
    """Pretend to save text.

    Args:
        text: what to save.
    """
    return "saved"


def session(tmp_path: Path, model: ScriptedModel | None = None, **overrides: Any) -> Session:
    settings = Settings(workspace=tmp_path, home=tmp_path / "home", no_memory=True, **overrides)
    return Session(settings, model=model or ScriptedModel(), tools=Toolset([numbers, echo, save]))


def run(
    text: str, tmp_path: Path, inputs: dict[str, Any] | None = None, **kw: Any
) -> WorkflowResult:
    return Engine(parse_workflow(text, "flow.yaml"), session(tmp_path, **kw)).run(inputs or {})


# -- validation ------------------------------------------------------------------------


def problems(text: str) -> list[str]:
    with pytest.raises(WorkflowFileError) as info:
        parse_workflow(text, "flow.yaml")
    return info.value.problems


def test_unknown_key_names_file_line_and_key() -> None:
    text = "name: x\nsteps:\n  - tool: echo\n    argz: {text: hi}\n"
    assert problems(text) == ["flow.yaml:4: steps[0].argz: Extra inputs are not permitted"]


def test_missing_field_points_at_the_enclosing_item() -> None:
    found = problems("name: x\nsteps:\n  - id: a\n    when: 'true'\n")
    assert found[0].startswith("flow.yaml:3: steps[0]: a step needs exactly one of")


def test_bad_input_type_and_yaml_syntax() -> None:
    text = "name: x\ninputs:\n  n: {type: int}\nsteps:\n  - tool: echo\n"
    assert problems(text)[0].startswith("flow.yaml:3: inputs.n.type: Input should be")
    assert problems("name: x\nsteps: [\n")[0].startswith("flow.yaml:")
    assert "invalid YAML" in problems("name: x\nsteps: [\n")[0]


def test_unbounded_output_schema_is_rejected() -> None:
    text = "name: x\nsteps:\n  - prompt: hi\n    output_schema:\n      type: string\n"
    assert problems(text) == [
        "flow.yaml:4: steps[0].output_schema: string at / has no maxLength; "
        "bound it (e.g. Field(max_length=200))"
    ]


def test_references_must_name_earlier_ids() -> None:
    text = "name: x\nsteps:\n  - id: a\n    tool: echo\n  - prompt: '{{ steps.b.output }}'\n"
    assert problems(text)[0].startswith("flow.yaml:5: steps[1]: refers to steps.b")
    dup = "name: x\nsteps:\n  - id: a\n    tool: echo\n  - id: a\n    tool: echo\n"
    assert problems(dup)[0].startswith("flow.yaml:5: steps[1].id: duplicate step id")


def test_template_syntax_error_is_located() -> None:
    text = "name: x\nsteps:\n  - tool: echo\n    args:\n      text: '{{ oops'\n"
    assert problems(text)[0].startswith("flow.yaml:4: steps[0].args: template error")


def test_unknown_tool_fails_before_any_step(tmp_path: Path) -> None:
    CALLS.clear()
    text = "name: x\nsteps:\n  - tool: echo\n    args: {text: a}\n  - tool: nope\n"
    with pytest.raises(WorkflowError, match="no tool named 'nope'"):
        run(text, tmp_path)
    assert CALLS == []


def test_inputs_are_typed_and_required(tmp_path: Path) -> None:
    text = (
        "name: x\ninputs:\n  n: {type: integer}\n  flag: {type: boolean, default: false}\n"
        "steps:\n  - tool: numbers\n    args: {count: '{{ inputs.n }}'}\n"
        "outputs:\n  n: '{{ inputs.n + 1 }}'\n  flag: '{{ inputs.flag }}'\n"
    )
    assert run(text, tmp_path, {"n": "2", "flag": "yes"}).outputs == {"n": 3, "flag": True}
    with pytest.raises(WorkflowError, match="input 'n' is required"):
        run(text, tmp_path)
    with pytest.raises(WorkflowError, match="must be a integer"):
        run(text, tmp_path, {"n": "two"})
    with pytest.raises(WorkflowError, match="unknown input 'm'"):
        run(text, tmp_path, {"n": "1", "m": "1"})


# -- running ---------------------------------------------------------------------------

FLOW = """
name: demo
inputs:
  word: {default: hello}
steps:
  - id: nums
    tool: numbers
    args: {count: 2}
  - id: shout
    foreach: "{{ steps.nums.output }}"
    tool: echo
    args: {text: "{{ inputs.word }} {{ item }} of {{ steps.nums.output | length }}"}
  - id: never
    when: "inputs.word == 'bye'"
    tool: echo
    args: {text: skipped}
outputs:
  shouted: "{{ steps.shout.output }}"
  skipped: "{{ steps.never.skipped }}"
  count: "{{ steps.nums.output | length }}"
"""


def test_foreach_when_ids_and_outputs(tmp_path: Path) -> None:
    progress: list[Any] = []
    wf = parse_workflow(FLOW, "flow.yaml")
    result = Engine(wf, session(tmp_path)).run({}, progress.append)
    assert result.status == "succeeded"
    assert result.outputs == {
        "shouted": ["HELLO 1 OF 2", "HELLO 2 OF 2"],
        "skipped": True,
        "count": 2,
    }
    ends = [p.status for p in progress if isinstance(p, StepEnded)]
    assert ends == ["ok", "ok", "skipped"]


def test_failed_step_stops_unless_continue(tmp_path: Path) -> None:
    CALLS.clear()
    text = (
        "name: x\nsteps:\n  - tool: echo\n    args: {text: boom}\n"
        "  - tool: echo\n    args: {text: after}\n"
    )
    result = run(text, tmp_path)
    assert result.status == "failed" and result.exit_code == 1
    assert "step 1 (tool echo) failed: echo failed: ValueError: exploded" in (result.error or "")
    assert [c["text"] for c in CALLS] == ["boom"]
    cont = text.replace("args: {text: boom}", "args: {text: boom}\n    on_error: continue")
    cont = cont.replace(
        "  - tool: echo\n    args: {text: boom}",
        "  - id: b\n    tool: echo\n    args: {text: boom}",
    )
    cont += "outputs:\n  ok: '{{ steps.b.ok }}'\n  error: '{{ steps.b.error }}'\n"
    result = run(cont, tmp_path)
    assert result.status == "succeeded"
    assert result.outputs["ok"] is False and "exploded" in result.outputs["error"]


def test_write_tool_needs_approval(tmp_path: Path) -> None:
    text = "name: x\nsteps:\n  - tool: save\n    args: {text: a}\n"
    result = run(text, tmp_path)
    assert result.status == "failed" and "refused" in (result.error or "")
    s = session(tmp_path, yes=True)
    assert Engine(parse_workflow(text), s).run({}).status == "succeeded"


def test_undefined_names_fail_loudly(tmp_path: Path) -> None:
    text = "name: x\nsteps:\n  - id: a\n    tool: echo\n    args: {text: '{{ inputs.nope }}'}\n"
    result = run(text, tmp_path)
    assert result.status == "failed" and "nope" in (result.error or "")


def test_prompt_step_structured_and_free_text(tmp_path: Path) -> None:
    model = ScriptedModel([{"city": "Lisbon"}, "  a free reply  "])
    text = """
name: p
steps:
  - id: pick
    prompt: "Pick a city for {{ 'sun' }}"
    system: Be brief.
    output_schema:
      type: object
      properties: {city: {type: string, maxLength: 20}}
      required: [city]
  - id: say
    prompt: "Say something about {{ steps.pick.output.city }}"
    max_tokens: 20
outputs:
  city: "{{ steps.pick.output.city }}"
  said: "{{ steps.say.output }}"
"""
    result = run(text, tmp_path, model=model)
    assert result.outputs == {"city": "Lisbon", "said": "a free reply"}
    (first, schema), (second, no_schema) = model.calls
    assert [m.role for m in first] == ["system", "user"] and schema is not None
    assert second[-1].content == "Say something about Lisbon" and no_schema is None


def plan(tool_name: str) -> dict[str, Any]:
    return {"steps": [{"id": 1, "title": "shout it", "tool": tool_name, "depends_on": []}]}


def test_agent_step_uses_its_tool_subset_and_budget(tmp_path: Path) -> None:
    model = ScriptedModel(
        [
            plan("echo"),
            {"action": "call", "calls": [{"tool": "echo", "arguments": {"text": "hi"}}]},
            {"answer": "[obs-1]", "citations": ["obs-1"]},
        ]
    )
    text = """
name: a
steps:
  - id: sub
    agent: "Shout {{ 'hi' }}"
    tools: [echo]
    max_steps: 3
outputs:
  answer: "{{ steps.sub.output }}"
"""
    result = run(text, tmp_path, model=model)
    assert result.status == "succeeded", result.error
    assert result.outputs == {"answer": "HI"}
    plan_schema = model.calls[0][1]
    assert plan_schema is not None and "save" not in str(plan_schema)


def test_journal_records_a_workflow_run(tmp_path: Path) -> None:
    from agentkit.journal import Journal

    settings = Settings(workspace=tmp_path, home=tmp_path / "home", no_memory=True)
    with Journal.open(settings) as journal:
        s = Session(
            settings, model=ScriptedModel(), tools=Toolset([numbers, echo]), journal=journal
        )
        result = Engine(parse_workflow(FLOW), s).run({})
        record = journal.get_run(result.run_id)
        types = [e.type for e in journal.events(result.run_id)]
    assert record.kind == "workflow" and record.status == "succeeded"
    assert types[0] == "run_started" and types[-1] == "run_finished"
    assert types.count("tool_called") == 3 and types.count("observation") == 3


def test_scripting_session(tmp_path: Path) -> None:
    s = session(tmp_path, model=ScriptedModel([{"n": 4}]))
    assert s.call_tool("numbers", count=2) == [1, 2]
    assert s.call_tool("echo", text="x") == "X"
    with pytest.raises(ToolError, match="exploded"):
        s.call_tool("echo", text="boom")
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    assert s.prompt("a number", schema=schema) == {"n": 4}
    from agentkit.errors import ConfigError

    with pytest.raises(ConfigError, match="memory is disabled"):
        s.search("anything")
