"""The memory on a real Chroma server (`chroma run` from the installed chromadb, on
127.0.0.1), with embeddings computed on the client by the offline MiniLM."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentkit.memory import Memory
from agentkit.services import Server, chroma_server, free_port

pytestmark = pytest.mark.integration

AGENTKIT = [sys.executable, "-m", "agentkit"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with chroma_server(tmp_path / "chroma", log=tmp_path / "chroma.log") as started:
        yield started


def agentkit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AGENTKIT, *args], env=env, capture_output=True, text=True, timeout=300)


def test_ingest_search_and_stats_through_the_server(
    server: Server, env: dict[str, str], tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "rivers.md").write_text("The Danube flows through Vienna and Budapest.\n")
    (docs / "cheese.md").write_text("Gruyère is a hard cheese from Switzerland.\n")
    done = agentkit(env, "memory", "ingest", str(docs), "--memory-url", server.url)
    assert done.returncode == 0, done.stderr
    found = agentkit(env, "memory", "search", "a river in Hungary", "--memory-url", server.url,
                     "--json")  # fmt: skip
    assert json.loads(found.stdout)[0]["source"].endswith("rivers.md")
    stats = json.loads(
        agentkit(env, "memory", "stats", "--memory-url", server.url, "--json").stdout
    )
    assert stats["backend"] == "server" and stats["location"] == server.url
    assert stats["by_kind"]["document"] == 2
    # Nothing was written next to the client: the server holds the memory.
    assert not (Path(env["AGENTKIT_HOME"]) / "memory").exists()


def test_doctor_says_which_backend(server: Server, env: dict[str, str]) -> None:
    env = {**env, "AGENTKIT_CHROMA_URL": server.url}
    done = agentkit(env, "doctor", "--json")
    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    assert checks["memory dir"]["status"] == "OK"
    assert checks["memory dir"]["detail"].startswith(f"backend: Chroma server {server.url}")


def test_two_processes_writing_at_once_lose_nothing(
    server: Server, env: dict[str, str], tmp_path: Path
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    for i in range(10):  # both writers ingest these: upserts, never duplicates
        (shared / f"s{i}.txt").write_text(f"Shared note number {i} about lighthouses.\n")
    dirs = []
    for writer in ("a", "b"):
        folder = tmp_path / writer
        folder.mkdir()
        for i in range(100):
            (folder / f"{i}.txt").write_text(f"Writer {writer} item {i}: a fact about {i} owls.\n")
        dirs.append(folder)
    procs = [
        subprocess.Popen(
            [*AGENTKIT, "memory", "ingest", str(folder), str(shared), "--memory-url", server.url],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for folder in dirs
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    with Memory(url=server.url) as memory:
        assert memory.stats()["by_kind"]["document"] == 210
        sources = {item.source for item in memory.items(kind="document")}
        expected = {str(p.resolve()) for d in [*dirs, shared] for p in d.iterdir()}
        assert sources == expected  # all 200 items, and the 10 shared ones once
        hit = memory.search("Writer b item 42: a fact about 42 owls.", k=1)
        assert hit and hit[0].source.endswith("/b/42.txt")


STOPPER = '''
import os
import signal

from agentkit.tool import tool


@tool
def stop_memory_server() -> str:
    """Stop the shared memory server."""
    os.kill(int(os.environ["CHROMA_PID"]), signal.SIGKILL)
    return "stopped"
'''

SCRIPT = {
    "rules": [
        ["write the final answer", {"answer": "it stopped", "citations": ["obs-1"]}],
        [
            "Make a short plan",
            {
                "steps": [
                    {
                        "id": 1,
                        "title": "Stop the server",
                        "tool": "stop_memory_server",
                        "depends_on": [],
                    }
                ]
            },
        ],
        ["Step 1:", {"action": "call", "calls": [{"tool": "stop_memory_server", "arguments": {}}]}],
    ]
}


def test_a_server_that_dies_mid_run_leaves_the_run_going_without_memory(
    server: Server, env: dict[str, str], tmp_path: Path
) -> None:
    assert server.proc is not None
    (tmp_path / "stopper.py").write_text(STOPPER)
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SCRIPT))
    env = {**env, "CHROMA_PID": str(server.proc.pid)}
    done = agentkit(
        env, "run", "stop the memory server", "--model", f"scripted:{script}",
        "--tools", str(tmp_path / "stopper.py"), "--memory-url", server.url, "--json", "-q",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "succeeded"
    warnings = [line for line in done.stderr.splitlines() if server.url in line]
    assert warnings, done.stderr
    # The errno depends on timing (refused, reset, or a kept-alive connection dropped),
    # so the test checks that each failure was a one-line warning that says what to do.
    assert all(line.endswith("or run with --no-memory") for line in warnings), done.stderr
    assert "Traceback" not in done.stderr


def test_no_server_at_start_is_a_one_line_error(env: dict[str, str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = agentkit(env, "memory", "stats", "--memory-url", url)
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"error: cannot reach the Chroma server at {url}")
