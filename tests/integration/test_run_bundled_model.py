"""`agentkit run --json` as a subprocess on the real bundled model: the JSON contract,
every exit code, and the quality bar of the planner (issue 4) on its two named goals."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

AGENTKIT = str(Path(sys.executable).with_name("agentkit"))
TIMEOUT = 600


def run(env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [AGENTKIT, "run", *args, "--workspace", str(tmp_path), "--json"]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=TIMEOUT)


def contract(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The one JSON object on stdout, checked against the documented contract."""
    result: dict[str, Any] = json.loads(done.stdout)
    assert {"run_id", "status", "goal", "answer", "plan", "steps", "usage"} <= set(result)
    for step in result["plan"]:
        assert {"id", "title", "tool", "depends_on"} <= set(step)
    for step in result["steps"]:
        assert {"index", "tool", "arguments", "ok", "observation", "seconds"} <= set(step)
    usage = result["usage"]
    keys = {"prompt_tokens", "cached_prompt_tokens", "completion_tokens", "llm_seconds"}
    assert keys | {"wall_seconds"} <= set(usage)
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    return result


def test_calculator_goal_is_answered_from_the_tool(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    done = run(subprocess_env, tmp_path, "What is 1234 * 5678?", "--no-memory")
    assert done.returncode == 0, done.stderr
    result = contract(done)
    assert result["status"] == "succeeded"
    assert [s["tool"] for s in result["steps"]][:1] == ["calculator"]
    assert result["steps"][0]["ok"] and result["steps"][0]["observation"] == "7006652"
    assert "7006652" in result["answer"] and "obs-1" in result["citations"]
    assert result["usage"]["cached_prompt_tokens"] > 0  # the system prompt is reused
    usage = result["usage"]  # the grammar fixes JSON keys and braces: forced, not sampled
    assert usage["forced_tokens"] > 0
    assert usage["sampled_tokens"] + usage["forced_tokens"] == usage["completion_tokens"]


def test_a_run_is_reproducible(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    """The same goal twice gives the same run: the same prompts (the fence marker is the
    goal's, not random), hence the same plan, calls, results and answer at temperature 0."""
    runs = []
    for attempt in ("first", "second"):
        workspace = tmp_path / attempt
        workspace.mkdir()
        done = run(subprocess_env, workspace, "What is 20% of 80, plus 5?", "--no-memory")
        assert done.returncode == 0, done.stderr
        result = contract(done)
        steps = [(s["tool"], s["arguments"], s["observation"]) for s in result["steps"]]
        runs.append((result["plan"], steps, result["answer"], result["usage"]["prompt_tokens"]))
    assert runs[0] == runs[1]


def test_plan_a_trip_has_steps_and_an_answer_without_repetition(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    done = run(subprocess_env, tmp_path, "plan a trip")
    assert done.returncode == 0, done.stderr
    result = contract(done)
    assert result["status"] == "succeeded" and len(result["plan"]) >= 2
    answer = result["answer"]
    assert answer.strip()
    sentences = [s.strip().lower() for s in re.split(r"[.!?\n]+", answer) if s.strip()]
    assert len(sentences) == len(set(sentences)), answer  # no sentence said twice
    words = answer.lower().split()
    assert not any(words[i : i + 3] == words[i + 3 : i + 6] for i in range(len(words) - 5))


def test_step_budget_exits_3_with_an_answer(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    goal = "What weekday was 2024-03-15, and what is 7 * 6?"
    done = run(subprocess_env, tmp_path, goal, "--no-memory", "--max-steps", "1")
    assert done.returncode == 3, done.stderr
    result = contract(done)
    assert result["status"] == "budget_exhausted" and result["answer"]


def test_bad_usage_exits_2_and_a_missing_model_exits_1(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    done = run(subprocess_env, tmp_path, "hi", "--max-steps", "0")
    assert done.returncode == 2
    done = run(subprocess_env, tmp_path, "hi", "--model", str(tmp_path / "missing.gguf"))
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_ctrl_c_exits_130_with_status_interrupted(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    argv = [AGENTKIT, "run", "plan a trip", "--workspace", str(tmp_path), "--json"]
    with subprocess.Popen(
        argv,
        env=subprocess_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell runs background jobs with SIGINT ignored, and Python then keeps it
        # ignored: restore the default so that the child turns it into KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as proc:
        assert proc.stderr is not None
        deadline = time.monotonic() + TIMEOUT
        for line in proc.stderr:  # interrupt once the first step has started
            if line.startswith("step 1") or time.monotonic() > deadline:
                break
        proc.send_signal(signal.SIGINT)
        stdout, _ = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 130
    result = json.loads(stdout)
    assert result["status"] == "interrupted" and len(result["plan"]) >= 2
