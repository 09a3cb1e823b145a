"""The eval runner and CLI, with ScriptedModel standing in for llama.cpp."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agentkit.cli.app import app
from agentkit.eval import load_items, run_eval
from agentkit.eval.runner import MAX_CALLS
from agentkit.testing import ScriptedModel

FIXTURE = Path(__file__).parents[1] / "fixtures" / "bfcl"


def call(tool: str, **arguments: Any) -> dict[str, Any]:
    return {"action": "call", "calls": [{"tool": tool, "arguments": arguments}]}


NONE = {"action": "final", "answer": "No function fits."}
REPLIES: list[Any] = [
    call("calculate_triangle_area", base=10, height=5),  # simple_python_0: right
    call("math.factorial", number=6),  # simple_python_1: wrong value
    {  # parallel_0: right, in reverse order
        "action": "call",
        "calls": [
            {"tool": "spotify.play", "arguments": {"artist": "maroon 5", "duration": 15}},
            {"tool": "spotify.play", "arguments": {"artist": "Taylor Swift", "duration": 20}},
        ],
    },
    call("calculate_em_force", b_field=5, area=2, d_time=4),  # parallel_1: one call short
    NONE,  # irrelevance_0: right
    call("math.sum", numbers=[1.0]),  # irrelevance_1: wrong, a call was made
]


def test_the_same_call_twice_in_one_decision_counts_once() -> None:
    """A lone call repeated (seen on BFCL simple_python with the bundled model) is one call;
    two calls that differ in an argument stay two."""
    items = load_items(FIXTURE, ["simple_python", "parallel"], limit=1)
    twice = call("calculate_triangle_area", base=10, height=5)
    twice["calls"] *= 2
    differing = {
        "action": "call",
        "calls": [
            {"tool": "spotify.play", "arguments": {"artist": "Taylor Swift", "duration": 20}},
            {"tool": "spotify.play", "arguments": {"artist": "Taylor Swift", "duration": 20}},
            {"tool": "spotify.play", "arguments": {"artist": "Maroon 5", "duration": 15}},
        ],
    }
    report = run_eval(ScriptedModel([twice, differing]), items)
    assert [len(r.calls) for r in report.items] == [1, 2]
    assert [r.correct for r in report.items] == [True, True]


MADE_UP = {"tool": "calculate_triangle_area", "arguments": {"base": 7, "height": 3}}


def test_a_further_call_with_made_up_values_is_dropped() -> None:
    """simple_python_0 asks for one triangle (base 10, height 5); a second call of the
    same function with values the request never mentions is dropped, unless grounding is
    off. A parallel item's second call takes its values from the request and stays."""
    items = load_items(FIXTURE, ["simple_python", "parallel"], limit=1)
    invented = call("calculate_triangle_area", base=10, height=5)
    invented["calls"].append(MADE_UP)
    parallel = {
        "action": "call",
        "calls": [
            {"tool": "spotify.play", "arguments": {"artist": "Taylor Swift", "duration": 20}},
            {"tool": "spotify.play", "arguments": {"artist": "maroon  5", "duration": 15}},
        ],
    }
    report = run_eval(ScriptedModel([invented, parallel]), items)
    assert [len(r.calls) for r in report.items] == [1, 2]
    assert [r.correct for r in report.items] == [True, True]
    ungrounded = run_eval(ScriptedModel([invented, parallel]), items, grounding=False)
    assert [len(r.calls) for r in ungrounded.items] == [2, 2]
    assert [r.correct for r in ungrounded.items] == [False, True]


def test_cli_no_grounding_keeps_every_call(tmp_path: Path) -> None:
    invented = call("calculate_triangle_area", base=10, height=5)
    invented["calls"].append(MADE_UP)
    path = tmp_path / "replies.json"
    path.write_text(json.dumps([invented]))
    args = ["eval", "bfcl", "--data", str(FIXTURE), "-c", "simple_python", "-n", "1"]
    args += ["--model", f"scripted:{path}", "--json", "--no-grounding"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["items"][0]["calls"]) == 2


def test_constrained_run_scores_each_category() -> None:
    items = load_items(FIXTURE, ["simple_python", "parallel", "irrelevance"], limit=2)
    model = ScriptedModel(REPLIES)
    report = run_eval(model, items)
    assert [r.correct for r in report.items] == [True, False, True, False, True, False]
    assert report.invalid == 0
    assert [(c.category, c.correct, c.total) for c in report.categories] == [
        ("simple_python", 1, 2),
        ("parallel", 1, 2),
        ("irrelevance", 1, 2),
    ]
    assert report.accuracy == pytest.approx(0.5)
    assert report.items[3].reason == "made 1 call(s), expected 2"
    # Every call went through the decision grammar: calls or a final answer, nothing else.
    _, schema = model.calls[0]
    assert schema is not None
    assert [b["properties"]["action"]["const"] for b in schema["anyOf"]] == ["call", "final"]
    assert schema["anyOf"][0]["properties"]["calls"]["maxItems"] == MAX_CALLS


def test_reply_outside_the_grammar_is_invalid_not_a_crash() -> None:
    items = load_items(FIXTURE, ["simple_python"], limit=1)
    report = run_eval(ScriptedModel(['{"action": "call", "calls": [']), items)
    assert report.invalid == 1
    assert not report.items[0].correct


def test_baseline_parses_free_text_and_counts_invalid() -> None:
    items = load_items(FIXTURE, ["simple_python", "irrelevance"], limit=2)
    replies = [
        "[calculate_triangle_area(base=10, height=5)]",
        "[math.factorial(number=five)]",  # unreadable
        "I cannot help with that using these functions.",
        "[math.sum(numbers='1, 2')]",  # readable but violates the schema
    ]
    report = run_eval(ScriptedModel(replies), items, mode="baseline")
    assert [r.correct for r in report.items] == [True, False, True, False]
    assert [r.invalid for r in report.items] == [False, True, False, True]
    assert report.invalid == 2
    assert report.mode == "baseline"


@pytest.fixture
def scripted(tmp_path: Path) -> str:
    """A `--model scripted:FILE` value replaying one call, then no call."""
    path = tmp_path / "replies.json"
    path.write_text(json.dumps([call("calculate_triangle_area", base=10, height=5), NONE]))
    return f"scripted:{path}"


def test_cli_json_contract(scripted: str) -> None:
    args = ["eval", "bfcl", "--data", str(FIXTURE), "-c", "simple_python", "-c", "irrelevance"]
    args += ["--model", scripted]
    result = CliRunner().invoke(app, [*args, "--limit", "1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "constrained"
    assert (data["total"], data["correct"], data["invalid"]) == (2, 2, 0)
    assert {c["category"]: c["accuracy"] for c in data["categories"]} == {
        "simple_python": 1.0,
        "irrelevance": 1.0,
    }
    assert {"tokens_per_second", "macro_accuracy", "usage", "items"} <= set(data)


def test_cli_table(scripted: str) -> None:
    args = ["eval", "bfcl", "--data", str(FIXTURE), "-c", "simple", "-c", "irrelevance", "-n", "1"]
    args += ["--model", scripted]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "simple_python" in result.stdout
    assert "invalid outputs 0" in result.stdout


def test_cli_bad_data_dir_is_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "bfcl", "--data", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "BFCL data directory not found" in result.output
