"""The small policy on the real bundled model: `plan a trip` with and without --yes (an
answer that covers the trip, no tool calls), a summary that leaves its file byte for byte
as it was, and a goal in several steps."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

TIMEOUT = 600
# One word of each group must appear: what a useful trip plan covers.
TRIP_ASPECTS = {
    "destination": ("destination", "city", "to "),
    "dates": ("date", "day", "weekend", "week", "month"),
    "budget": ("budget", "euro", "cost", "$", "price"),
    "transport": ("transport", "train", "flight", "fly", "car", "bus", "drive"),
    "lodging": ("hotel", "stay", "lodging", "guesthouse", "hostel", "room"),
    "outline": ("day 1", "day-by-day", "day by day"),
}


def agentkit(env: dict[str, str], workspace: Path, *args: str) -> dict[str, Any]:
    argv = [sys.executable, "-m", "agentkit", "run", *args, "--json", "--quiet"]
    argv += ["--workspace", str(workspace)]
    done = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL
    )
    assert done.returncode in (0, 1, 3), done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("yes", [False, True], ids=["without-yes", "with-yes"])
def test_plan_a_trip_covers_the_trip_without_tool_calls(
    env: dict[str, str], tmp_path: Path, yes: bool
) -> None:
    result = agentkit(env, tmp_path, "plan a trip", *(["--yes"] if yes else []))
    assert result["status"] == "succeeded"
    assert result["steps"] == []  # no tool call: none fits
    answer = result["answer"].lower()
    missing = [name for name, words in TRIP_ASPECTS.items() if not any(w in answer for w in words)]
    assert not missing, (missing, result["answer"])


def test_a_summary_leaves_its_file_byte_identical(env: dict[str, str], tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"  # tmp_path also holds the data directory
    workspace.mkdir()
    notes = workspace / "minutes.md"
    notes.write_text("The launch moved to June.\nAna owns the checklist.\n", encoding="utf-8")
    before = hashlib.sha256(notes.read_bytes()).hexdigest()
    result = agentkit(env, workspace, "Summarize minutes.md in one sentence.", "--yes")
    assert hashlib.sha256(notes.read_bytes()).hexdigest() == before
    assert all(step["tool"] != "write_file" for step in result["steps"])
    assert sorted(p.name for p in workspace.iterdir()) == ["minutes.md"]
    assert "June" in result["answer"]


def test_a_goal_in_several_steps_reads_then_computes(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "count.txt").write_text("14\n", encoding="utf-8")
    result = agentkit(env, tmp_path, "Read count.txt and multiply the number in it by 3.", "--yes")
    tools = [step["tool"] for step in result["steps"]]
    assert tools[:1] == ["read_file"] and "calculator" in tools
    assert "42" in result["answer"]
