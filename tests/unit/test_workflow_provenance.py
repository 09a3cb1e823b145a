"""The taint rule's view of a workflow tool step: tainted exactly when an earlier
step's output was templated into its arguments; named by the file's text or inputs."""

from __future__ import annotations

from typing import Any

from agentkit.workflow.model import ToolStep
from agentkit.workflow.provenance import provenance
from agentkit.workflow.templates import render


def step(args: dict[str, Any], foreach: str | None = None) -> ToolStep:
    return ToolStep(tool="write_file", args=args, foreach=foreach)


def judge(s: ToolStep, context: dict[str, Any]) -> tuple[str, bool]:
    found = provenance(s, render(s.args, context), context)
    return found.named_by, found.tainted


INPUTS = {"out": "report.md", "files": ["a.txt", "b.txt"]}
STEPS = {"read": {"output": "pwned.txt", "ok": True, "error": None, "skipped": False}}


def test_literal_and_input_arguments_are_the_users() -> None:
    context = {"inputs": INPUTS, "steps": STEPS}
    named, tainted = judge(step({"path": "{{ inputs.out }}", "content": "hi"}), context)
    assert not tainted and "report.md" in named
    named, tainted = judge(step({"path": "x.txt", "content": "plain"}), context)
    assert not tainted and "x.txt" in named


def test_a_step_output_in_the_arguments_taints_the_call() -> None:
    context = {"inputs": INPUTS, "steps": STEPS}
    named, tainted = judge(step({"path": "{{ steps.read.output }}", "content": "x"}), context)
    assert tainted and "pwned.txt" not in named  # the path came from a tool result
    named, tainted = judge(step({"path": "s.txt", "content": "{{ steps.read.output }}"}), context)
    assert tainted and "s.txt" in named  # tainted, but the file names its target


def test_a_foreach_item_is_trusted_only_when_the_inputs_give_it() -> None:
    over_inputs = step({"path": "{{ item }}", "content": "x"}, foreach="inputs.files")
    context = {"inputs": INPUTS, "steps": STEPS, "item": "b.txt", "index": 1}
    assert judge(over_inputs, context)[1] is False
    over_output = step({"path": "{{ item }}", "content": "x"}, foreach="steps.read.output | lines")
    context = {"inputs": INPUTS, "steps": STEPS, "item": "pwned.txt", "index": 0}
    assert judge(over_output, context)[1] is True
