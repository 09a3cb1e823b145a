"""The demonstration library in its Chroma collection (agentkit.policy.aids.demo_store):
embedded once, kept in step with the library files, filtered by usable tools, and still
working when the data directory cannot be written. Real Chroma, a deterministic embedder."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agentkit.config import Settings
from agentkit.errors import MemoryStoreError
from agentkit.policy.aids.demo_store import DIR_NAME, demo_key
from agentkit.policy.aids.demonstrations import (
    FILE_NAME,
    Demonstration,
    DemoStep,
    Library,
    append_demonstration,
    load_library,
)
from agentkit.policy.small import SmallPolicy
from agentkit.prompts import PromptRenderer
from agentkit.resources import prompts_dir
from tests.unit.demo_helpers import (
    CountingEmbedder,
    WordsEmbedder,
    forget_open_clients,
    reference_nearest,
)

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = load_library([prompts_dir()], None)
ALL_TOOLS = sorted({t for d in BUNDLED for t in d.tools})
GOALS = [
    "What is 41 times 12?",
    "Read notes.txt and summarize it in one sentence.",
    "Plan a weekend trip to the lakes.",
    "Write a haiku about snow and save it to snow.txt.",
    "Read costs.txt, add the numbers, and write the total to total.txt.",
]


def _counting() -> CountingEmbedder:
    return CountingEmbedder(WordsEmbedder(), "words-test")


def _stored_ids(library: Library) -> set[str]:
    assert library.store is not None
    return set(library.store.collection.get(include=[])["ids"])


def _goals(found: list[object]) -> list[str]:
    return [s.demo.goal for s in found]  # type: ignore[attr-defined]


def test_retrieval_matches_the_in_process_ranking(tmp_path: Path) -> None:
    embedder = WordsEmbedder()
    library = Library(BUNDLED, embedder, tmp_path)
    for goal in GOALS:
        for usable in (ALL_TOOLS, ["calculator", "read_file"], []):
            found = library.nearest(goal, usable)
            expected = reference_nearest(BUNDLED, embedder, goal, usable)
            assert _goals(found) == [g for _, g in expected], (goal, usable)
            for got, (want, _) in zip(found, expected, strict=True):
                assert got.similarity == pytest.approx(want, abs=1e-5)


def test_a_second_open_embeds_only_the_query(tmp_path: Path) -> None:
    first = _counting()
    Library(BUNDLED, first, tmp_path).nearest(GOALS[0], ALL_TOOLS)
    assert len(first.texts) == len(BUNDLED) + 1  # every goal once, then the query
    forget_open_clients()  # as a new process would
    second = _counting()
    found = Library(BUNDLED, second, tmp_path).nearest(GOALS[0], ALL_TOOLS)
    assert second.texts == [GOALS[0]]
    expected = reference_nearest(BUNDLED, WordsEmbedder(), GOALS[0], ALL_TOOLS)
    assert found and _goals(found) == [g for _, g in expected]  # the index came back whole
    assert (tmp_path / DIR_NAME / "chroma.sqlite3").is_file()


def test_a_kept_run_is_embedded_alone_and_retrieved(tmp_path: Path) -> None:
    Library(load_library([prompts_dir()], tmp_path), _counting(), tmp_path)
    kept = Demonstration(
        goal="Water the balcony plants every morning.",
        steps=[DemoStep(title="Water them", tool=None, result="Watered the plants.")],
    )
    append_demonstration(tmp_path, kept)
    embedder = _counting()
    library = Library(load_library([prompts_dir()], tmp_path), embedder, tmp_path)
    assert embedder.texts == [kept.goal]
    found = library.nearest("Water the plants on the balcony.", ALL_TOOLS)
    assert found[0].demo == kept


def test_an_edited_bundled_file_drops_the_stale_row(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    shutil.copy(prompts_dir() / FILE_NAME, prompts / FILE_NAME)
    before = load_library([prompts], None)
    old = next(d for d in before if d.tools == ["calculator"])
    Library(before, _counting(), tmp_path)
    text = (prompts / FILE_NAME).read_text(encoding="utf-8")
    new_goal = "Compute the product of 318 and 27 for the invoice."
    (prompts / FILE_NAME).write_text(text.replace(old.goal, new_goal, 1), encoding="utf-8")
    after = load_library([prompts], None)
    embedder = _counting()
    library = Library(after, embedder, tmp_path)
    assert embedder.texts == [new_goal]  # the edited demonstration only
    stored = _stored_ids(library)
    assert demo_key(old) not in stored and stored == {demo_key(d) for d in after}
    goals = _goals(library.nearest(old.goal, ALL_TOOLS, k=len(after)))
    assert old.goal not in goals and new_goal in goals


def test_demonstrations_using_an_unusable_tool_are_never_retrieved(tmp_path: Path) -> None:
    def demo(goal: str, *tools: str) -> Demonstration:
        steps = [DemoStep(title=f"use {t}", tool=t) for t in tools] or [DemoStep(title="say")]
        return Demonstration(goal=goal, steps=steps)

    both = demo("read the prices file and add the prices", "read_file", "calculator")
    adds = demo("add the prices", "calculator")
    says = demo("say the prices")
    library = Library([both, adds, says], WordsEmbedder(), tmp_path)
    goal = "read the prices file and add the prices"
    assert library.nearest(goal, ["read_file", "calculator"], k=3)[0].demo == both
    calculator_only = [s.demo for s in library.nearest(goal, ["calculator"], k=3)]
    assert both not in calculator_only and adds in calculator_only
    only_prose = library.nearest(goal, ["read_file"], k=3)
    assert [s.demo for s in only_prose] == [says]
    assert library.nearest(goal, [], k=3)[0].demo == says


def test_libraries_without_a_data_dir_stay_apart_in_one_process() -> None:
    full = Library(BUNDLED, WordsEmbedder())
    rest = Library(BUNDLED[1:], WordsEmbedder())
    left_out = BUNDLED[0].goal
    assert full.store is not None and full.store.directory is None
    assert full.nearest(left_out, ALL_TOOLS)[0].demo == BUNDLED[0]
    assert BUNDLED[0] not in [s.demo for s in rest.nearest(left_out, ALL_TOOLS, k=43)]
    again = _counting()
    Library(BUNDLED, again)
    assert again.texts == []  # the same library in the same process is embedded once


def _unwritable(tmp_path: Path) -> Path:
    if os.geteuid() == 0:
        return Path("/proc/agentkit-demonstrations")  # even root cannot create this
    (tmp_path / "ro").mkdir(mode=0o500)
    return tmp_path / "ro" / "home"


def test_an_unwritable_data_dir_falls_back_to_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    home = _unwritable(tmp_path)
    with caplog.at_level(logging.DEBUG, logger="agentkit.policy.aids.demo_store"):
        library = Library(BUNDLED, WordsEmbedder(), home)
        assert library.store is not None and library.store.directory is None
        assert "using an in-memory one" in caplog.text
        caplog.clear()
        Library(BUNDLED, WordsEmbedder(), home)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # warned once
    expected = reference_nearest(BUNDLED, WordsEmbedder(), GOALS[1], ALL_TOOLS)
    assert _goals(library.nearest(GOALS[1], ALL_TOOLS)) == [g for _, g in expected]


def test_a_corrupt_store_falls_back_to_memory(tmp_path: Path) -> None:
    (tmp_path / DIR_NAME).mkdir()
    (tmp_path / DIR_NAME / "chroma.sqlite3").write_bytes(b"this is not a database" * 200)
    library = Library(BUNDLED, WordsEmbedder(), tmp_path)
    assert library.store is not None and library.store.directory is None
    assert library.nearest(GOALS[0], ALL_TOOLS)


class _Broken:
    name = "broken"

    def embed(self, texts: object) -> list[list[float]]:
        raise MemoryStoreError("the embedding model file is missing; reinstall it")


def test_an_embedder_failure_means_a_run_without_demonstrations(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(MemoryStoreError, match="embedding model"):
        Library(BUNDLED, _Broken(), tmp_path)  # raised, not hidden behind a fallback
    settings = Settings(workspace=tmp_path, home=tmp_path / "home")
    policy = SmallPolicy(settings, PromptRenderer(), _Broken)
    with caplog.at_level(logging.WARNING, logger="agentkit.policy.small"):
        offer = policy.offer("Plan a weekend trip.", [])
    assert offer.preamble == [] and "demonstrations unavailable" in caplog.text


def test_two_processes_opening_a_cold_store_embed_each_demonstration_once(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    script = (
        "import json, sys; from pathlib import Path\n"
        "from agentkit.policy.aids.demonstrations import Library, load_library\n"
        "from agentkit.resources import prompts_dir\n"
        "from tests.unit.demo_helpers import CountingEmbedder, WordsEmbedder\n"
        "e = CountingEmbedder(WordsEmbedder(), 'words-test')\n"
        "lib = Library(load_library([prompts_dir()], None), e, Path(sys.argv[1]))\n"
        "found = lib.nearest(sys.argv[2], sorted({t for d in lib.demos for t in d.tools}))\n"
        "print(json.dumps({'embedded': len(e.texts) - 1, 'found': [s.demo.goal for s in found]}))\n"
    )
    env = {**subprocess_env, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-c", script, str(tmp_path), GOALS[4]]
    procs = [subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE) for _ in "ab"]
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        results.append(json.loads(out))
    assert sum(r["embedded"] for r in results) == len(BUNDLED)  # one embedded, one waited
    expected = reference_nearest(BUNDLED, WordsEmbedder(), GOALS[4], ALL_TOOLS)
    assert [r["found"] for r in results] == [[g for _, g in expected]] * 2
