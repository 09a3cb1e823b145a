"""The task bench's goals and checks, on fabricated run results (no model: these test the
checkers, not the agent)."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import agent_tasks  # noqa: E402
from agent_bench.checks import Failure, check_goal, mentions, seed_workspace, snapshot  # noqa: E402
from agent_bench.goals import Goal, load_goals  # noqa: E402

NEW_FAMILIES = ("open", "prose-file", "multi-step")
# Word overlap (Jaccard) of a shown example with a held-out goal that counts as a copy; the
# closest pair of unrelated goals with shared stock words ("write a ... and save it to") is
# about 0.55.
MAX_OVERLAP = 0.7
POEM = (
    "The sea rolls in with silver light,\n"
    "it hums to boats that sail at night,\n"
    "and every wave that finds the shore\n"
    "comes back to sing a little more.\n"
)
TRIP = (
    "Day one: arrive in Lisbon, check into a small hotel in Alfama and walk the old town. "
    "Day two: take the tram to Belem, eat pastries and grilled fish for lunch. "
    "Day three: ride the train to Sintra and come back for dinner by the river. "
    "Budget about 400 euros for the room, 60 for transport and 150 for food in all."
)


def goal_by_id(goal_id: str) -> Goal:
    return next(g for g in load_goals("dev") if g.id == goal_id)


def run_check(
    goal: Goal, tmp_path: Path, answer: str | None, tools: list[str], act: Any = None
) -> list[Failure]:
    """Seed the goal's workspace, let `act` play the run's effects on it, check the result."""
    seed_workspace(tmp_path, goal.files)
    before = snapshot(tmp_path)
    if act is not None:
        act(tmp_path)
    return check_goal(goal, answer=answer, tools=tools, before=before, workspace=tmp_path)


def categories(failures: list[Failure]) -> set[str]:
    return {f.category for f in failures}


# ---- the goal files


def test_new_families_have_24_goals_half_held_out() -> None:
    dev = Counter(str(g.family) for g in load_goals("dev"))
    held = Counter(str(g.family) for g in load_goals("held-out"))
    assert sum(dev[f] + held[f] for f in NEW_FAMILIES) >= 24
    for family in NEW_FAMILIES:
        assert dev[family] == held[family] >= 4


def test_the_36_earlier_goals_are_kept() -> None:
    old = ("single", "file", "two-step")
    assert sum(1 for g in load_goals("dev") if g.family in old) == 22
    assert sum(1 for g in load_goals("held-out") if g.family in old) == 14


def test_held_out_goals_are_not_dev_goals_and_not_in_quick() -> None:
    dev, held = load_goals("dev"), load_goals("held-out")
    assert not {g.goal.lower() for g in dev} & {g.goal.lower() for g in held}
    assert not {g.id for g in dev} & {g.id for g in held}
    quick = agent_tasks.select_goals("dev", None, quick=True)
    assert len(quick) == 3 and all(g.set == "dev" for g in quick)


def test_open_goals_allow_no_tool() -> None:
    for goal in load_goals("dev") + load_goals("held-out"):
        if goal.family == "open":
            assert goal.allowed_tools == frozenset() and goal.prose is not None


def test_a_goal_without_an_outcome_check_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "goals.yaml"
    path.write_text('- {id: x, family: open, goal: "hi", tools: []}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="no outcome check"):
        load_goals("dev", path)


# ---- outcome


def test_whole_values_only() -> None:
    assert mentions("The result is 36.", "36")
    assert not mentions("36.5", "36") and not mentions("1364", "36")
    assert mentions("1,048,576", "1048576") and mentions("It was a FRIDAY", "friday")


def test_digits_written_for_a_poem_fail(tmp_path: Path) -> None:
    goal = goal_by_id("poem-sea")
    failures = run_check(
        goal,
        tmp_path,
        "done",
        ["write_file"],
        lambda ws: (ws / "poem.txt").write_text("1234567890"),
    )
    assert failures and categories(failures) == {"outcome"}


def test_a_file_holding_its_own_name_is_not_a_poem(tmp_path: Path) -> None:
    goal = goal_by_id("poem-sea")
    failures = run_check(
        goal, tmp_path, "ok", ["write_file"], lambda ws: (ws / "poem.txt").write_text("poem.txt")
    )
    assert failures


def test_a_file_holding_the_goal_is_not_a_poem(tmp_path: Path) -> None:
    goal = goal_by_id("poem-sea")
    text = goal.goal + " " + goal.goal
    failures = run_check(
        goal, tmp_path, "ok", ["write_file"], lambda ws: (ws / "poem.txt").write_text(text)
    )
    assert failures


def test_a_file_restating_the_goal_is_not_prose(tmp_path: Path) -> None:
    goal = goal_by_id("welcome-msg")
    text = "This is a two-sentence welcome message for new users in welcome.txt."
    failures = run_check(
        goal, tmp_path, "ok", ["write_file"], lambda ws: (ws / "welcome.txt").write_text(text)
    )
    assert any("not in the goal" in f.detail for f in failures)


def test_a_poem_in_the_file_passes(tmp_path: Path) -> None:
    goal = goal_by_id("poem-sea")
    failures = run_check(
        goal, tmp_path, "Saved.", ["write_file"], lambda ws: (ws / "poem.txt").write_text(POEM)
    )
    assert failures == []


def test_a_missing_file_fails(tmp_path: Path) -> None:
    assert run_check(goal_by_id("poem-sea"), tmp_path, POEM, [])


def test_open_goal_digits_answer_fails(tmp_path: Path) -> None:
    failures = run_check(goal_by_id("trip-lisbon"), tmp_path, "1234567890", [])
    assert categories(failures) == {"outcome"}


def test_open_goal_prose_covering_the_named_aspects_passes(tmp_path: Path) -> None:
    assert run_check(goal_by_id("trip-lisbon"), tmp_path, TRIP, []) == []


def test_open_goal_missing_a_named_aspect_fails(tmp_path: Path) -> None:
    no_budget = TRIP.split("Budget")[0] + " Enjoy the views from the castle and the river."
    failures = run_check(goal_by_id("trip-lisbon"), tmp_path, no_budget, [])
    assert any("budget" in f.detail for f in failures)


def test_repeated_sentences_fail(tmp_path: Path) -> None:
    looped = "Sleep in a dark and quiet room every night. " * 6
    failures = run_check(goal_by_id("sleep-tips"), tmp_path, looped, [])
    assert any("repeats" in f.detail for f in failures)


def test_an_answer_that_only_echoes_the_goal_fails(tmp_path: Path) -> None:
    goal = goal_by_id("trip-lisbon")
    assert run_check(goal, tmp_path, goal.goal, [])


def test_a_dropped_second_part_fails(tmp_path: Path) -> None:
    goal = goal_by_id("percent-plus")  # 20% of 80 is 16, plus 5 is 21
    assert run_check(goal, tmp_path, "16", ["calculator"])
    assert run_check(goal, tmp_path, "16 and then 21", ["calculator", "calculator"]) == []


def test_no_answer_fails(tmp_path: Path) -> None:
    assert run_check(goal_by_id("mul-big"), tmp_path, None, ["calculator"])


# ---- relevance


def test_a_tool_call_on_an_open_goal_fails_whatever_the_answer(tmp_path: Path) -> None:
    failures = run_check(goal_by_id("trip-lisbon"), tmp_path, TRIP, ["days_between"])
    assert categories(failures) == {"irrelevant"}


def test_remember_junk_fails_twice_over(tmp_path: Path) -> None:
    failures = run_check(
        goal_by_id("plan-a-trip"), tmp_path, "remembered as n-876252f6", ["remember"]
    )
    assert categories(failures) == {"irrelevant", "outcome"}


def test_an_extra_tool_call_fails(tmp_path: Path) -> None:
    goal = goal_by_id("mul-big")
    assert run_check(goal, tmp_path, "7006652", ["calculator"]) == []
    failures = run_check(goal, tmp_path, "7006652", ["calculator", "today"])
    assert categories(failures) == {"irrelevant"}


def test_tool_groups_expand() -> None:
    goal = goal_by_id("sum-to-file")
    assert {"read_file", "calculator", "python", "write_file"} <= goal.allowed_tools
    assert "shell" not in goal.allowed_tools and "remember" not in goal.allowed_tools


# ---- integrity


def test_summarize_overwriting_its_file_fails(tmp_path: Path) -> None:
    goal = goal_by_id("summary-report")
    summary = "Sales rose in March while costs stayed flat."
    ok = run_check(goal, tmp_path / "a", summary, ["read_file"])
    assert ok == []

    def overwrite(ws: Path) -> None:
        (ws / "report.txt").write_text("Sales rose in March.")

    failures = run_check(goal, tmp_path / "b", summary, ["read_file", "write_file"], overwrite)
    assert categories(failures) == {"irrelevant", "integrity"}


def test_a_changed_byte_fails(tmp_path: Path) -> None:
    goal = goal_by_id("summary-report")

    def touch(ws: Path) -> None:
        path = ws / "report.txt"
        path.write_bytes(path.read_bytes().rstrip(b"\n"))

    failures = run_check(goal, tmp_path, "Sales rose and the app shipped.", ["read_file"], touch)
    assert categories(failures) == {"integrity"}


def test_an_unasked_for_file_fails_and_a_deleted_one_too(tmp_path: Path) -> None:
    goal = goal_by_id("haiku-autumn")
    haiku = "Red leaves drift and fall\nquiet autumn rain returns\nthe path turns to gold\n"

    def act(ws: Path) -> None:
        (ws / "haiku.txt").write_text(haiku)
        (ws / "draft.txt").write_text(haiku)
        (ws / "readme.txt").unlink()

    failures = run_check(goal, tmp_path, "Saved.", ["write_file", "write_file"], act)
    assert {f.detail for f in failures} == {
        "draft.txt was created, and the goal asks for no such file",
        "readme.txt was deleted",
    }


# ---- the held-out rule


def row(goal_id: str, set_name: str, passed: bool) -> dict[str, Any]:
    return {
        "id": goal_id,
        "family": "open",
        "set": set_name,
        "goal": f"goal {goal_id}",
        "passed": passed,
        "failures": [] if passed else ["outcome: x"],
        "irrelevant_calls": 0 if passed else 2,
        "status": "succeeded",
        "tools": [],
        "calls": [],
        "answer": f"answer of {goal_id}",
        "written": None,
        "seconds": 1.0,
    }


def test_held_out_rows_are_hidden_without_reveal() -> None:
    rows = [row("d1", "dev", True), row("h1", "held-out", False), row("h2", "held-out", True)]
    summary = agent_tasks.summarize(rows, reveal=False)
    assert [r["id"] for r in summary["rows"]] == ["d1"]
    held = summary["sets"]["held-out"]
    assert held["overall"] == {"passed": 1, "total": 2, "rate": 0.5}
    assert held["open_irrelevant_calls"] == 2
    assert len(agent_tasks.summarize(rows, reveal=True)["rows"]) == 3


def test_a_held_out_run_logs_no_goal(monkeypatch: pytest.MonkeyPatch) -> None:
    held = load_goals("held-out")[:3]
    monkeypatch.setattr(agent_tasks, "run_goal", lambda g, o: row(g.id, g.set, g.id.endswith("4")))
    lines: list[str] = []
    summary = agent_tasks.run_bench(held, agent_tasks.Options(), reveal=False, log=lines.append)
    shown = "\n".join(lines) + agent_tasks.format_rates(summary)
    for goal in held:
        assert goal.id not in shown and goal.goal not in shown
    assert summary["rows"] == []


def test_only_and_limit_do_not_narrow_the_held_out_set() -> None:
    every = agent_tasks.select_goals("held-out", None, quick=False)
    assert agent_tasks.select_goals("held-out", None, False, only="zzz", limit=1) == every
    dev = agent_tasks.select_goals("dev", None, False, only="poem")
    assert [g.id for g in dev] == ["poem-sea"]


# ---- held-out goals never reach the agent


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+|\d+", text.lower()))


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def test_no_held_out_goal_is_in_the_agents_prompts_or_code() -> None:
    """Verbatim anywhere in agentkit/ or prompts/, or nearly so (word overlap) in a YAML
    example or demonstration: the held-out set would then measure recall, not transfer."""
    root = BENCH.parent
    held = load_goals("held-out")
    sources = [p for d in ("agentkit", "prompts") for p in (root / d).rglob("*") if p.is_file()]
    for path in sources:
        if path.suffix not in {".py", ".yaml", ".yml", ".j2", ".md", ".json", ".txt"}:
            continue
        text = " ".join(path.read_text(encoding="utf-8").lower().split())
        for goal in held:
            assert " ".join(goal.goal.lower().split()) not in text, (path, goal.id)
        if path.suffix in {".yaml", ".yml"}:
            for shown in _strings(yaml.safe_load(text)):
                for goal in held:
                    a, b = _words(shown), _words(goal.goal)
                    overlap = len(a & b) / max(len(a | b), 1)
                    assert overlap < MAX_OVERLAP, (path, goal.id, shown)
