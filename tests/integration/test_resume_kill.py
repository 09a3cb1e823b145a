"""A real `agentkit run` killed with SIGKILL mid-run resumes without re-running tool calls."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

AGENTKIT = [sys.executable, "-m", "agentkit"]

TOOL = '''
import os
import time

from agentkit.tool import tool


@tool(permission="write")
def record(n: int) -> str:
    """Append n to the calls log, then pause.

    Args:
        n: the number to record.
    """
    with open(os.environ["CALLS_LOG"], "a", encoding="utf-8") as handle:
        handle.write(f"{n}\\n")
    if str(n) == os.environ.get("PAUSE_ON"):
        time.sleep(30)
    return f"recorded {n}"
'''


def _call(n: int) -> dict[str, Any]:
    return {"action": "call", "calls": [{"tool": "record", "arguments": {"n": n}}]}


SCRIPT = {
    "rules": [
        ["write the final answer", {"answer": "recorded 1, 2 and 3", "citations": ["obs-1"]}],
        ["interrupted before it finished", {"action": "done", "result": "2 was recorded"}],
        [
            "Make a short plan",
            {
                "steps": [
                    {"id": i, "title": f"Record {i}", "tool": "record", "depends_on": []}
                    for i in (1, 2, 3)
                ]
            },
        ],
        ["Step 1:", _call(1)],
        ["Step 2:", _call(2)],
        ["Step 3:", _call(3)],
    ]
}


@pytest.mark.integration
def test_sigkill_then_resume_never_reruns_a_call(tmp_path: Path) -> None:
    (tmp_path / "record_tool.py").write_text(TOOL, encoding="utf-8")
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SCRIPT), encoding="utf-8")
    log = tmp_path / "calls.log"
    env = {
        **os.environ,
        "AGENTKIT_HOME": str(tmp_path / "home"),
        "AGENTKIT_CONFIG": str(tmp_path / "none.toml"),
        "CALLS_LOG": str(log),
        "PAUSE_ON": "2",
        # `record` is a write tool that follows tool results: with taint_approval on, each
        # later call would need a terminal. This test is about resume, not taint.
        "AGENTKIT_TAINT_APPROVAL": "false",
    }
    argv = [
        *AGENTKIT, "run", "record three numbers", "--model", f"scripted:{script}",
        "--tools", str(tmp_path / "record_tool.py"), "--yes", "--no-memory",
        "--workspace", str(tmp_path / "ws"), "--quiet",
    ]  # fmt: skip
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if log.exists() and log.read_text().splitlines() == ["1", "2"]:
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail(f"run never reached call 2: {proc.communicate()}")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)

    listed = subprocess.run(
        [*AGENTKIT, "runs", "list", "--json"], env=env, capture_output=True, text=True, check=True
    )
    runs = json.loads(listed.stdout)
    assert len(runs) == 1 and runs[0]["status"] == "running"
    run_id = runs[0]["run_id"]

    env["PAUSE_ON"] = ""
    resumed = subprocess.run(
        [*AGENTKIT, "runs", "resume", run_id[:12], "--json", "--quiet"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)
    assert result["status"] == "succeeded" and result["run_id"] == run_id
    assert log.read_text().splitlines() == ["1", "2", "3"]  # nothing ran twice
    errors = [step["error"] for step in result["steps"]]
    assert errors == [None, "interrupted", None]
