"""A damaged vector index is detected, reported in one line, and rebuilt: no silent loss.

A real Chroma directory with 1,201 items, past Chroma's default HNSW sync threshold
(1,000), so the index files exist on disk. Deleting them leaves SQLite with every item
and the index with only those added after the last sync. The embedder is a small
deterministic one (a hash per text): the index, not embedding quality, is under test,
and 1,201 MiniLM embeddings would take most of a minute on a busy machine.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

import agentkit.memory.store as store
from agentkit.cli.app import app
from agentkit.errors import MemoryStoreError
from agentkit.memory import Memory

pytestmark = pytest.mark.integration

ITEMS = 1201


class HashEmbedder:
    """A unit vector from each text's SHA-256: identical texts meet at distance 0."""

    name = "hash-test"
    dim = 16

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = []
        for text in texts:
            raw = [b / 255 - 0.5 for b in hashlib.sha256(text.encode()).digest()[: self.dim]]
            norm = sum(x * x for x in raw) ** 0.5
            vectors.append([x / norm for x in raw])
        return vectors


def fill(path: Path) -> None:
    memory = Memory(path, embedder=HashEmbedder())
    assert len(memory.add_many([f"note number {i}" for i in range(ITEMS)])) == ITEMS
    memory.close()
    forget_open_clients()


def forget_open_clients() -> None:
    """Chroma shares one client per directory within a process, index loaded in memory;
    a later command is a new process that reads the index from disk. Act like one."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def delete_index_files(path: Path) -> list[Path]:
    files = [p for p in path.glob("*/*") if p.suffix in {".bin", ".pickle"}]
    for file in files:
        file.unlink()
    return files


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    path = tmp_path / "memory"
    fill(path)
    assert delete_index_files(path), "Chroma wrote no HNSW files; raise ITEMS"
    return path


def test_healthy_index_passes_the_probe(tmp_path: Path) -> None:
    fill(tmp_path / "memory")
    memory = Memory(tmp_path / "memory", embedder=HashEmbedder())
    assert memory.index_problem() is None
    assert memory.search("note number 3", min_score=0.99)[0].text == "note number 3"


def test_damaged_index_is_an_error_not_an_empty_result(damaged: Path) -> None:
    memory = Memory(damaged, embedder=HashEmbedder())
    assert memory.stats()["items"] == ITEMS  # SQLite still counts everything
    problem = memory.index_problem()
    assert problem is not None and f"{ITEMS} items are stored" in problem
    with pytest.raises(MemoryStoreError, match="agentkit memory rebuild"):
        memory.search("note number 5")


def test_rebuild_restores_every_item(damaged: Path) -> None:
    memory = Memory(damaged, embedder=HashEmbedder())
    assert memory.rebuild() == ITEMS
    assert memory.index_problem() is None
    for i in (0, 5, 600, ITEMS - 1):  # old and new items alike
        assert memory.search(f"note number {i}", min_score=0.99)[0].text == f"note number {i}"
    reopened = Memory(damaged, embedder=HashEmbedder())
    assert reopened.index_problem() is None and reopened.stats()["items"] == ITEMS


def test_cli_search_stats_and_rebuild(damaged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("AGENTKIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AGENTKIT_CONFIG", str(damaged.parent / "config.toml"))
    monkeypatch.setenv("AGENTKIT_MEMORY_DIR", str(damaged))
    monkeypatch.setattr(store, "make_embedder", lambda spec, **_: HashEmbedder())
    search = CliRunner().invoke(app, ["memory", "search", "note number 5"])
    assert search.exit_code == 1 and "Traceback" not in search.output
    errors = [line for line in search.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "agentkit memory rebuild" in errors[0]
    stats = CliRunner().invoke(app, ["memory", "stats"])
    assert stats.exit_code == 0 and "vector index lacks" in stats.stdout
    rebuilt = CliRunner().invoke(app, ["memory", "rebuild"])
    assert rebuilt.exit_code == 0 and f"rebuilt the index of {ITEMS} items" in rebuilt.stdout
    found = CliRunner().invoke(app, ["memory", "search", "note number 5", "--json"])
    assert found.exit_code == 0 and '"note number 5"' in found.stdout
