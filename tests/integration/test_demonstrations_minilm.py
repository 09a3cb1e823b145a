"""The demonstration store gives exactly the neighbours and similarities of the in-process
ranking it replaced, on the bundled library with the real MiniLM embedder: from a cold
data directory, and again from the stored rows as a later process reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentkit.memory.embedders import make_embedder
from agentkit.policy.aids.demonstrations import Library, load_library
from agentkit.resources import prompts_dir
from tests.unit.demo_helpers import CountingEmbedder, forget_open_clients, reference_nearest

pytestmark = pytest.mark.integration

GOALS = [
    "What is 17 * 23?",
    "Take 15% of 240 and then add 12.",
    "How many days are there between 2024-02-01 and 2024-03-15?",
    "Read notes.txt and summarize it in one sentence.",
    "What does the file budget.csv say about travel costs?",
    "Plan a trip.",
    "Give me advice on staying focused while working from home.",
    "Why do leaves change colour in autumn?",
    "Write a short poem about the sea and save it to sea.txt.",
    "Read prices.txt, add up the numbers, and write the total to total.txt.",
    "Remember that my bike lock code is 2231.",
    "List the files in this folder and tell me which is largest.",
]
RESTRICTED = ["calculator", "read_file", "write_file"]


def test_store_retrieval_equals_the_in_process_ranking(tmp_path: Path) -> None:
    demos = load_library([prompts_dir()], None)
    every_tool = sorted({t for d in demos for t in d.tools})
    embedder = make_embedder("minilm")
    cold = Library(demos, embedder, tmp_path)
    forget_open_clients()  # the warm library reads what the cold one stored, as a new process
    counting = CountingEmbedder(embedder, embedder.name)
    warm = Library(demos, counting, tmp_path)
    assert counting.texts == []
    filtered = 0  # goals whose neighbours the restricted tool set changes
    for goal in GOALS:
        unrestricted = reference_nearest(demos, embedder, goal, every_tool)
        filtered += reference_nearest(demos, embedder, goal, RESTRICTED) != unrestricted
        for usable in (every_tool, RESTRICTED, []):
            expected = reference_nearest(demos, embedder, goal, usable)
            for library in (cold, warm):
                found = library.nearest(goal, usable)
                assert [s.demo.goal for s in found] == [g for _, g in expected], (goal, usable)
                for got, (want, _) in zip(found, expected, strict=True):
                    assert abs(got.similarity - want) <= 1e-5, (goal, usable, got.demo.goal)
    assert filtered >= 3  # the tool filter was exercised, not only the ranking
