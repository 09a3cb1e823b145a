"""`agentkit run` through the real CLI, on scripted models: JSON contract and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from agentkit.cli.app import app

PLAN = {"steps": [{"id": 1, "title": "Compute it", "tool": "calculator", "depends_on": []}]}
CALL = {"action": "call", "calls": [{"tool": "calculator", "arguments": {"expression": "6*7"}}]}
ANSWER = {"answer": "[obs-1]", "citations": ["obs-1"]}  # quoted: the text becomes "42"


def script(tmp_path: Path, replies: list[Any]) -> str:
    path = tmp_path / "script.json"
    path.write_text(json.dumps(replies), encoding="utf-8")
    return f"scripted:{path}"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["run", *args, "--no-memory", "--quiet"])


def test_json_contract(tmp_path: Path) -> None:
    result = invoke("What is 6*7?", "--model", script(tmp_path, [PLAN, CALL, ANSWER]), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"run_id", "status", "goal", "answer", "plan", "steps", "usage"} <= set(data)
    assert data["status"] == "succeeded" and data["answer"] == "42"
    assert data["plan"] == [
        {"id": 1, "title": "Compute it", "tool": "calculator", "depends_on": []}
    ]
    step = data["steps"][0]
    assert {"index", "tool", "arguments", "ok", "observation", "seconds"} <= set(step)
    assert step["observation"] == "42" and step["ok"] is True
    usage = data["usage"]
    keys = {
        "prompt_tokens",
        "cached_prompt_tokens",
        "completion_tokens",
        "llm_seconds",
        "wall_seconds",
    }
    assert keys <= set(usage)


def test_plain_output_shows_answer_and_sources(tmp_path: Path) -> None:
    result = invoke("What is 6*7?", "--model", script(tmp_path, [PLAN, CALL, ANSWER]))
    assert result.exit_code == 0
    assert "42" in result.stdout and "[obs-1] calculator" in result.stdout


def test_run_is_journaled(tmp_path: Path) -> None:
    result = invoke("What is 6*7?", "--model", script(tmp_path, [PLAN, CALL, ANSWER]), "--json")
    run_id = json.loads(result.stdout)["run_id"]
    shown = CliRunner().invoke(app, ["runs", "show", run_id, "--json"])
    assert shown.exit_code == 0
    types = [e["type"] for e in json.loads(shown.stdout)["events"]]
    assert types[0] == "run_started" and types[-1] == "run_finished" and "observation" in types


def test_budget_exhausted_exits_3(tmp_path: Path) -> None:
    two = {"steps": [PLAN["steps"][0], {**PLAN["steps"][0], "id": 2}]}  # type: ignore[dict-item]
    replies = [two, CALL, ANSWER]
    result = invoke(
        "What is 6*7?", "--model", script(tmp_path, replies), "--max-steps", "1", "--json"
    )
    assert result.exit_code == 3
    assert json.loads(result.stdout)["status"] == "budget_exhausted"


def test_failed_run_exits_1(tmp_path: Path) -> None:
    sorry = {"answer": "I could not plan this.", "citations": []}
    result = invoke("What is 6*7?", "--model", script(tmp_path, ["not json", sorry]), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["status"] == "failed" and "schema" in data["reason"]


def test_interrupted_run_exits_130(tmp_path: Path) -> None:
    from agentkit import Agent
    from agentkit.testing import ScriptedModel

    def interrupt(messages: Any, schema: Any) -> Any:
        raise KeyboardInterrupt  # as Ctrl-C during the first model call

    with Agent.override(model=ScriptedModel([interrupt])):
        result = invoke("What is 6*7?", "--model", script(tmp_path, [PLAN]), "--json")
    assert result.exit_code == 130
    assert json.loads(result.stdout)["status"] == "interrupted"


def test_missing_goal_is_usage_error(tmp_path: Path) -> None:
    result = invoke("")
    assert result.exit_code == 2 and "give a goal" in result.output


def test_missing_model_file_is_one_line(tmp_path: Path) -> None:
    result = invoke("What is 6*7?", "--model", str(tmp_path / "nope.gguf"))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: model file not found")


def test_plain_progress_shows_the_results_the_model_writes(tmp_path: Path) -> None:
    plan = {
        "steps": [
            {"id": 1, "title": "Pick a place", "tool": None, "depends_on": []},
            {"id": 2, "title": "Pick a month", "tool": None, "depends_on": [1]},
        ]
    }
    replies = [
        plan,
        {"action": "done", "result": "Lisbon, by the sea."},
        {"action": "done", "result": "May, before the crowds."},
        {"answer": "Go to Lisbon in May.", "citations": []},
    ]
    args = ["run", "plan a trip", "--no-memory", "--model", script(tmp_path, replies)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "  = Lisbon, by the sea." in result.output
    assert "  = May, before the crowds." in result.output
    # An answer worked out in written steps is composed of them (aid composed_answer).
    assert "- Pick a place: Lisbon, by the sea." in result.stdout
