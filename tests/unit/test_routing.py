"""Tool routing: the tools shown to the model are the ones relevant to the goal."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from agentkit.agent import Agent
from agentkit.config import Settings
from agentkit.registry import load_toolset
from agentkit.routing import rank_tools
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
    ranked = rank_tools("some math please", tools, KeywordEmbedder())
    assert ranked[0][0] == "calc"
    assert ranked[0][1] > 0.99 and ranked[-1][1] == 0.0


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
    assert agent._tools_for("plan a trip") == ([], True)  # nothing relevant: plan without tools
