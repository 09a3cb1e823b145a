"""`agentkit runs` through the CLI, on a journal built from synthetic events."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentkit.cli.app import app
from agentkit.cli.runs_cmd import parse_duration
from agentkit.errors import ConfigError
from agentkit.events import (
    Answered,
    Event,
    ModelCalled,
    ObservationMade,
    PlanMade,
    PlanStep,
    RunFinished,
    RunStarted,
    RunStatus,
    StepStarted,
    ToolCalled,
)
from agentkit.journal import Journal
from agentkit.llm.base import Usage

OLD, NEW, FAILED = "20250101-000000-0001", "20260301-120000-0002", "20260302-120000-0003"


def events(run_id: str, at: float, status: RunStatus = "succeeded") -> list[Event]:
    usage = Usage(prompt_tokens=50, cached_prompt_tokens=10, completion_tokens=5, calls=1)
    args = {"expression": "6*7"}
    return [
        RunStarted(run_id=run_id, seq=0, at=at, goal=f"goal of {run_id}", model="smol"),
        PlanMade(run_id=run_id, seq=1, at=at, steps=[PlanStep(id=1, title="multiply")]),
        StepStarted(run_id=run_id, seq=2, at=at + 1, step_id=1, title="multiply"),
        ModelCalled(
            run_id=run_id, seq=3, at=at + 1, purpose="decide", prompt_hash="p", prompt="PROMPT",
            output="{}", usage=usage,
        ),
        ToolCalled(
            run_id=run_id, seq=4, at=at + 2, index=1, step_id=1, tool="calc", arguments=args
        ),
        ObservationMade(
            run_id=run_id, seq=5, at=at + 2, index=1, step_id=1, tool="calc", arguments=args,
            ok=True, text="42",
        ),
        Answered(run_id=run_id, seq=6, at=at + 3, answer="It is 42.", citations=["obs-1"]),
        RunFinished(
            run_id=run_id, seq=7, at=at + 3, status=status, answer="It is 42.", usage=usage,
            wall_seconds=3.0, reason="budget" if status != "succeeded" else None,
        ),
    ]  # fmt: skip


@pytest.fixture
def home(tmp_path: Path, isolated_env: Path) -> Path:
    now = time.time()
    with Journal(tmp_path / "home" / "journal.db") as journal:
        runs: tuple[tuple[str, float, RunStatus], ...] = (
            (OLD, now - 30 * 86400, "succeeded"),
            (NEW, now - 60, "succeeded"),
            (FAILED, now, "failed"),
        )
        for run_id, at, status in runs:
            for event in events(run_id, at, status):
                journal.record(event)
    return tmp_path / "home"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_list_newest_first(home: Path) -> None:
    code, out, _ = cli("runs", "list")
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines()[1:]]
    assert ids == [FAILED, NEW, OLD]
    assert "goal of " + NEW in out


def test_list_json_status_and_limit(home: Path) -> None:
    code, out, _ = cli("runs", "list", "--json", "--status", "succeeded", "--limit", "1")
    assert code == 0
    assert [run["run_id"] for run in json.loads(out)] == [NEW]


def test_list_empty_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTKIT_HOME", str(tmp_path / "empty"))
    code, out, err = cli("runs", "list")
    assert code == 0 and out == "" and "no runs" in err


def test_show_timeline(home: Path) -> None:
    code, out, _ = cli("runs", "show", NEW[:9] + "12")
    assert code == 0, out
    for expected in (
        f"run {NEW}  succeeded",
        "plan:",
        "1. multiply",
        "step 1: multiply",
        '-> #1 calc {"expression": "6*7"}',
        "<- obs-1 ok",
        "It is 42.",
        "cites: obs-1",
        "finished: succeeded",
        "usage: calls 1, prompt tokens 50",
    ):
        assert expected in out


def test_show_json_has_run_and_events_with_prompts(home: Path) -> None:
    code, out, _ = cli("runs", "show", NEW, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["run"]["run_id"] == NEW and data["run"]["status"] == "succeeded"
    assert [e["type"] for e in data["events"]][:2] == ["run_started", "plan_made"]
    assert data["events"][3]["prompt"] == "PROMPT"


def test_export_is_plain_json_on_stdout(home: Path, tmp_path: Path) -> None:
    code, out, err = cli("runs", "export", FAILED)
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["run"]["status"] == "failed" and len(data["events"]) == 8
    assert data["events"][-1]["reason"] == "budget"


def test_unknown_and_ambiguous_ids_are_one_line_errors(home: Path) -> None:
    code, _, err = cli("runs", "show", "1999")
    assert code == 1 and err.startswith("error: no run matches '1999'")
    code, _, err = cli("runs", "show", "2026")
    assert code == 1 and "several runs" in err and err.count("\n") == 1


def test_delete(home: Path) -> None:
    code, out, _ = cli("runs", "delete", FAILED)
    assert code == 0 and out.strip() == f"deleted {FAILED}"
    _, out, _ = cli("runs", "list", "--json")
    assert FAILED not in out


def test_prune(home: Path) -> None:
    code, out, _ = cli("runs", "prune", "--older-than", "7d")
    assert code == 0 and out.strip() == "pruned 1 run older than 7d"
    _, out, _ = cli("runs", "list", "--json")
    assert [run["run_id"] for run in json.loads(out)] == [FAILED, NEW]


def test_prune_rejects_bad_durations(home: Path) -> None:
    code, _, err = cli("runs", "prune", "--older-than", "soon")
    assert code == 2 and "invalid duration 'soon'" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", timedelta(seconds=45)),
        ("15m", timedelta(minutes=15)),
        ("12h", timedelta(hours=12)),
        ("7d", timedelta(days=7)),
        ("2W", timedelta(weeks=2)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "7", "d", "-1d", "1.5h", "7 days"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_duration(text)


def test_resume_refuses_a_workflow_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from agentkit.cli.app import app
    from agentkit.journal import Journal

    monkeypatch.setenv("AGENTKIT_HOME", str(tmp_path))
    monkeypatch.setenv("AGENTKIT_CONFIG", str(tmp_path / "none.toml"))
    with Journal(tmp_path / "journal.db") as journal:
        journal.start_run(run_id="wf-1", kind="workflow", goal="daily", model="m", settings={})
    result = CliRunner().invoke(app, ["runs", "resume", "wf-1"])
    assert result.exit_code == 1 and "is a workflow run" in result.output
