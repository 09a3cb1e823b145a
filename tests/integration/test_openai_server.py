"""agentkit through a real OpenAI-compatible server: llama-cpp-python's server on the
bundled GGUF, started on 127.0.0.1 by the test (through agentkit.llm.serve)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentkit.llm.base import Message
from agentkit.llm.openai_compat import OpenAICompatModel
from agentkit.services import Server, free_port, model_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]
pytest.importorskip("llama_cpp.server.app", reason="needs llama-cpp-python's server extra")

AGENTKIT = [sys.executable, "-m", "agentkit"]
FIXTURE = Path(__file__).parents[1] / "fixtures" / "bfcl"
TIMEOUT = 600


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("server") / "server.log"
    with model_server(log=log) as started:
        yield started


def agentkit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*AGENTKIT, *args], env=env, capture_output=True, text=True, timeout=TIMEOUT
    )


def test_run_json_end_to_end_through_the_server(
    server: Server, env: dict[str, str], tmp_path: Path
) -> None:
    done = agentkit(
        env, "run", "What is 1234 * 5678?", "--model", f"openai:{server.url}",
        "--no-memory", "--workspace", str(tmp_path), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["status"] == "succeeded"
    assert result["steps"][0]["tool"] == "calculator"
    assert result["steps"][0]["observation"] == "7006652"
    assert "7006652" in result["answer"]
    assert result["usage"]["prompt_tokens"] > 0 and result["usage"]["completion_tokens"] > 0
    listing = agentkit(env, "runs", "list", "--json")
    (run,) = json.loads(listing.stdout)
    assert run["model"].endswith(".gguf") and run["settings"]["model"] == f"openai:{server.url}"


def test_eval_bfcl_through_the_server_is_never_invalid(server: Server, env: dict[str, str]) -> None:
    done = agentkit(
        env, "eval", "bfcl", "--data", str(FIXTURE), "-c", "simple_python", "--limit", "3",
        "--model", f"openai:{server.url}", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["total"] == 3 and report["invalid"] == 0
    for item in report["items"]:
        json.loads(item["output"])  # the server's grammar made every output JSON


def test_doctor_names_how_the_server_constrains(server: Server, env: dict[str, str]) -> None:
    done = agentkit(env, "doctor", "--model", f"openai:{server.url}", "--json")
    assert done.stdout.strip(), done.stderr
    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    assert checks["model"]["status"] == "OK" and "'grammar'" in checks["model"]["detail"]
    assert checks["grammar"]["status"] == "OK"
    shown = json.loads(agentkit(env, "models", "--model", f"openai:{server.url}", "--json").stdout)
    assert shown["server"] == server.url and shown["structured_output"] == "grammar"


def _model_calls(journal: Path) -> int:
    try:
        with sqlite3.connect(journal, timeout=5) as db:
            row = db.execute("SELECT count(*) FROM events WHERE type = 'model_called'").fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0])


def test_a_dead_server_fails_the_run_in_one_line_and_it_resumes(
    env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    journal = Path(env["AGENTKIT_HOME"]) / "journal.db"
    goal = "What weekday was 2024-03-15, and what is 7 * 6?"
    argv = [*AGENTKIT, "run", goal, "--model", f"openai:{url}", "--no-memory", "--json",
            "--workspace", str(tmp_path)]  # fmt: skip
    with model_server(port=port, log=tmp_path / "server.log") as first:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 300
        while _model_calls(journal) < 1 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        first.kill()  # SIGKILL mid-run: the next request finds nobody listening
        out, err = proc.communicate(timeout=TIMEOUT)
    result = json.loads(out)
    assert result["status"] == "failed", err
    reason = result["reason"]
    assert "\n" not in reason and url in reason and "cannot connect" in reason
    # The server is back on the same address: the run resumes and finishes.
    with model_server(port=port, log=tmp_path / "server2.log"):
        done = agentkit(env, "runs", "resume", result["run_id"], "--json", "--quiet")
    assert done.returncode in (0, 3), done.stderr
    resumed = json.loads(done.stdout)
    assert resumed["run_id"] == result["run_id"] and resumed["status"] != "failed"
    indexes = [step["index"] for step in resumed["steps"]]
    assert len(indexes) == len(set(indexes))  # no tool call ran twice


LONG_SYSTEM = Message(role="system", content="You answer questions about arithmetic. " * 60)
QUESTION = Message(role="user", content="What is 2 + 2?")
ANSWER_SCHEMA = {
    "type": "object",
    "properties": {"n": {"type": "integer"}},
    "required": ["n"],
    "additionalProperties": False,
}


def _cached_after_an_interruption(url: str) -> tuple[int, int]:
    """A long prompt, a short unrelated one, then the long one extended: the third's
    prompt and cached tokens, as the server reported them (through OpenAICompatModel)."""
    model = OpenAICompatModel(url)
    try:
        model.complete([LONG_SYSTEM, QUESTION], schema=ANSWER_SCHEMA, max_tokens=8)
        model.complete([Message(role="user", content="Hi.")], schema=ANSWER_SCHEMA, max_tokens=8)
        follow_up = [LONG_SYSTEM, QUESTION, Message(role="assistant", content='{"n": 4}'),
                     Message(role="user", content="And 3 + 3?")]  # fmt: skip
        usage = model.complete(follow_up, schema=ANSWER_SCHEMA, max_tokens=8).usage
    finally:
        model.close()
    return usage.prompt_tokens, usage.cached_prompt_tokens


def test_the_server_reports_reuse_across_an_interleaved_short_prompt(server: Server) -> None:
    prompt, cached = _cached_after_an_interruption(server.url)
    # agentkit.llm.serve turns llama-cpp-python's prompt cache on, and reports the reuse
    # in usage.prompt_tokens_details: the long prefix survives the short request between.
    assert prompt > 300 and 0.7 * prompt < cached < prompt, (prompt, cached)


def test_without_the_prompt_cache_only_the_last_prompt_is_reused(tmp_path: Path) -> None:
    with model_server(log=tmp_path / "server.log", extra=["--cache", "false"]) as single:
        prompt, cached = _cached_after_an_interruption(single.url)
    assert prompt > 300 and cached < 50, (prompt, cached)  # the short request evicted it
