"""One memory test-suite, run against a local directory and against a real Chroma server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentkit.config import Settings
from agentkit.errors import ConfigError, MemoryStoreError
from agentkit.memory import Memory, MiniLMEmbedder

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` on loopback, for the life of this module."""
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        pytest.skip("the chroma server CLI is not installed")
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("w")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma server did not start: {(data / 'server.log').read_text()}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@pytest.fixture(params=["local", "server"])
def memory(
    request: pytest.FixtureRequest, tmp_path: Path, embedder: MiniLMEmbedder
) -> Iterator[Memory]:
    if request.param == "local":
        mem = Memory(tmp_path / "mem", embedder=embedder)
    else:
        mem = Memory(url=request.getfixturevalue("chroma_server"), embedder=embedder)
        mem.forget(everything=True)  # the server outlives each test
    with mem:
        yield mem


def test_add_and_search(memory: Memory) -> None:
    paris = memory.add("Paris is the capital of France", source="geo")
    memory.add("The mitochondria is the powerhouse of the cell", source="bio")
    hits = memory.search("Which city is France's capital?")
    assert hits[0].id == paris
    assert hits[0].kind == "note" and hits[0].source == "geo"
    assert 0.25 <= hits[0].score <= 1.0
    assert all(h.score >= 0.25 for h in hits)


def test_same_text_twice_is_one_item(memory: Memory) -> None:
    assert memory.add("water boils at 100 C") == memory.add("water boils at 100 C")
    assert memory.stats()["items"] == 1


def test_add_many_and_list_items(memory: Memory) -> None:
    texts = ["The office wifi password is tulip42.", "Lunch is at noon.", "Lunch is at noon."]
    ids = memory.add_many(texts, source="handbook")
    assert len(ids) == 3 and ids[1] == ids[2]  # the same text is one item
    assert ids[0] == memory.add(texts[0], source="handbook")  # the ids `add` gives
    listed = {item.id: item for item in memory.items(source="handbook")}
    assert set(listed) == set(ids) and {i.text for i in listed.values()} == set(texts)
    assert all(i.kind == "note" and i.score == 0.0 for i in listed.values())
    assert memory.items(kind="document", source="handbook") == []
    assert memory.search("wifi password", k=1)[0].id == ids[0]
    with pytest.raises(ConfigError, match="unknown memory kind"):
        memory.add_many(["x"], kind="secret")


def test_filters_threshold_and_k(memory: Memory) -> None:
    memory.add("run one found the API key in settings.toml", kind="observation", run_id="r1")
    memory.add("run two found the API key in env vars", kind="observation", run_id="r2")
    memory.add("note about API keys", source="me")
    assert {h.run_id for h in memory.search("API key", run_id="r1", min_score=0)} == {"r1"}
    assert {h.kind for h in memory.search("API key", kind="note", min_score=0)} == {"note"}
    assert {h.source for h in memory.search("API key", source="me", min_score=0)} == {"me"}
    assert len(memory.search("API key", k=2, min_score=0)) == 2
    assert memory.search("API key", k=50, min_score=0)  # k above the count is fine
    assert memory.search("recipe for banana bread", min_score=0.9) == []
    assert memory.search("   ") == []


def test_episode_and_observation(memory: Memory) -> None:
    ep = memory.add_episode(
        run_id="r9",
        goal="plan a trip to Rome",
        plan=["find flights", "book hotel"],
        status="done",
        answer="Fly on Monday",
    )
    obs = memory.add_observation(run_id="r9", tool="http_get", text="x" * 5000)
    items = {i.id: i for i in memory.search("trip to Rome flights", run_id="r9", min_score=0)}
    assert items[ep].kind == "episode" and "book hotel" in items[ep].text
    assert items[obs].source == "tool:http_get"
    assert len(items[obs].text) < 2100 and "truncated 3000" in items[obs].text
    assert memory.forget(run_id="r9") == 2
    assert memory.stats()["items"] == 0


def test_ingest_add_unchanged_replace(memory: Memory, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "guide.md").write_text("# Setup\n\n" + "Install with pip. " * 150)
    (docs / "sub" / "page.html").write_text("<p>The office cat is named Biscuit.</p>")
    (docs / "image.png").write_bytes(b"\x89PNG")
    seen: list[tuple[int, int]] = []
    report = memory.ingest(
        [docs, tmp_path / "missing.txt"], progress=lambda d, t, _: seen.append((d, t))
    )
    assert (report.documents_added, report.documents_replaced) == (2, 0)
    assert report.chunks_added >= 4
    assert seen[-1] == (2, 2)
    assert len(report.skipped) == 1 and "missing.txt" in report.skipped[0]
    hit = memory.search("what is the name of the cat?", kind="document")[0]
    assert "Biscuit" in hit.text and hit.source.endswith("page.html")

    again = memory.ingest([docs])
    assert (again.documents_unchanged, again.chunks_added) == (2, 0)

    (docs / "sub" / "page.html").write_text("<p>The office dog is named Pepper.</p>")
    changed = memory.ingest([docs])
    assert (changed.documents_replaced, changed.documents_unchanged) == (1, 1)
    assert (changed.chunks_added, changed.chunks_removed) == (1, 1)
    texts = [h.text for h in memory.search("office pet name", kind="document", min_score=0, k=50)]
    assert any("Pepper" in t for t in texts) and not any("Biscuit" in t for t in texts)

    assert memory.forget(source=str((docs / "guide.md").resolve())) >= 3
    stats = memory.stats()
    assert stats["by_kind"]["document"] == 1 and stats["sources"] == 1


def test_forget_everything_and_bad_arguments(memory: Memory) -> None:
    memory.add("one")
    memory.add("two", source="x")
    with pytest.raises(ConfigError):
        memory.forget()
    with pytest.raises(ConfigError):
        memory.forget(source="x", everything=True)
    with pytest.raises(ConfigError):
        memory.add("x", kind="bogus")
    assert memory.forget(everything=True) == 2
    assert memory.stats()["items"] == 0


def test_open_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTKIT_HOME", str(tmp_path / "home"))
    with Memory.open(Settings()) as mem:
        assert mem.location == str(tmp_path / "home" / "memory")
    with Memory.open(Settings(memory_dir=tmp_path / "elsewhere")) as mem:
        assert mem.stats()["location"] == str(tmp_path / "elsewhere")


def test_unwritable_directory(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = Path("/proc/agentkit-memory")  # even root cannot create this
    else:
        (tmp_path / "ro").mkdir(mode=0o500)
        target = tmp_path / "ro" / "mem"
    with pytest.raises(MemoryStoreError, match=r"not writable.*--no-memory"):
        Memory(target)


def test_corrupt_directory(tmp_path: Path) -> None:
    (tmp_path / "chroma.sqlite3").write_bytes(b"this is not a database" * 200)
    with pytest.raises(MemoryStoreError, match=r"corrupt.*move it aside") as info:
        Memory(tmp_path)
    assert "\n" not in str(info.value)


def test_unreachable_server() -> None:
    with pytest.raises(MemoryStoreError, match="cannot reach the Chroma server"):
        Memory(url=f"http://127.0.0.1:{_free_port()}")
