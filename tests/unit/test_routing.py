"""Tool routing: the tools shown to the model are the ones relevant to the goal."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from agentkit.agent import Agent
from agentkit.config import Settings
from agentkit.registry import load_toolset
from agentkit.routing import goal_parts, goal_queries, rank_tools, select_tools
from agentkit.testing import ScriptedModel


class KeywordEmbedder:
    """Unit vectors over a tiny vocabulary: enough to make similarity checkable."""

    words = ("math", "file", "date")

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = []
        for text in texts:
            raw = [float(text.lower().count(w)) for w in self.words]
            norm = sum(x * x for x in raw) ** 0.5 or 1.0
            vectors.append([x / norm for x in raw])
        return vectors


class Named:
    def __init__(self, name: str, description: str) -> None:
        self.name, self.description = name, description


def test_rank_tools_orders_by_similarity() -> None:
    tools = [Named("reader", "read a file"), Named("calc", "do math"), Named("cal", "date help")]
    (ranked,) = rank_tools(["some math please"], tools, KeywordEmbedder())
    assert ranked[0][0] == "calc"
    assert ranked[0][1] > 0.99 and ranked[-1][1] == 0.0


def test_each_clause_of_a_goal_is_ranked_and_brings_its_own_tools() -> None:
    assert goal_queries("Read a.txt, then add the numbers. Done") == [
        "Read a.txt, then add the numbers. Done",
        "Read a.txt",
        "add the numbers",
        "Done",
    ]
    tools = [Named("reader", "read a file"), Named("calc", "do math"), Named("cal", "date help")]
    ranked = rank_tools(goal_queries("file then math"), tools, KeywordEmbedder())
    assert [r[0][0] for r in ranked] == ["reader", "reader", "calc"]  # ties keep tool order
    assert select_tools(ranked, limit=3, min_score=0.5, margin=0.1) == ["reader", "calc"]
    assert select_tools(ranked, limit=1, min_score=0.5, margin=0.1) == ["reader"]


@pytest.mark.parametrize(
    ("goal", "parts"),
    [
        ("Read a.txt, then add the numbers. Done", ["Read a.txt", "add the numbers", "Done"]),
        (
            "What day is 2024-03-15, and what is 7 * 6?",
            ["What day is 2024-03-15", "what is 7 * 6?"],
        ),
        ("How many days? Then double it.", ["How many days", "Then double it."]),
        # a bare "and" joins one request's ends; a decimal point is not a sentence end
        ("How many days between 2024-01-01 and 2024-03-01?", None),
        ("Read notes.txt and tell me 12.5 times 2.", None),
    ],
)
def test_goal_parts_are_what_a_goal_asks_for_in_turn(goal: str, parts: list[str] | None) -> None:
    assert goal_parts(goal) == (parts or [goal])


def test_agent_offers_only_relevant_builtins_with_real_embedder(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path, no_memory=True, max_tools=3)
    agent = Agent(ScriptedModel([]), load_toolset(settings), settings=settings)
    assert len(agent.offered) > 3  # the read-only built-ins
    shown = [d.name for d in agent._tools_for("What is 1234 * 5678?")[0]]
    assert shown[0] == "calculator" and len(shown) <= 3
    dates = [d.name for d in agent._tools_for("What day of the week is 2024-03-15?")[0]]
    assert dates[0] == "weekday"
    assert "shell" not in agent.offered  # execute tools are never offered without approval
    assert "ask_user" not in agent.offered  # nobody to ask in a non-interactive run
    assert agent._tools_for("plan a trip") == ([], [])  # nothing relevant: plan without tools
    # a goal in parts: a plan step per part, each with the tool that fits that part best
    names, lead = agent._tools_for("Read numbers.txt, then add the two numbers in it.")
    assert lead == [["read_file"], ["calculator"]]
    assert {"read_file", "calculator"} <= {d.name for d in names}


def test_only_tools_near_the_best_score_are_offered(tmp_path: Path) -> None:
    from agentkit.registry import Toolset
    from agentkit.tool import tool

    @tool
    def adder(a: int) -> int:
        """math math math"""
        return a

    @tool
    def mixer(a: int) -> int:
        """math math file"""
        return a

    @tool
    def reader(a: int) -> int:
        """math file file"""
        return a

    @tool
    def dater(a: int) -> int:
        """date"""
        return a

    def offered(**overrides: float) -> list[str]:
        settings = Settings(
            workspace=tmp_path, no_memory=True, max_tools=3, tool_min_score=0.1, **overrides
        )
        agent = Agent(ScriptedModel([]), Toolset([adder, mixer, reader, dater]), settings=settings)
        agent._own_embedder = KeywordEmbedder()
        names, lead = agent._tools_for("math")
        assert lead == [[d.name for d in names]]  # the first step may use any of them
        return [d.name for d in names]

    # similarity to "math": adder 1.0, mixer 0.89, reader 0.45, dater 0
    assert offered() == ["adder", "mixer"]
    assert offered(tool_score_margin=1.0) == ["adder", "mixer", "reader"]
    assert offered(tool_score_margin=0.05) == ["adder"]
