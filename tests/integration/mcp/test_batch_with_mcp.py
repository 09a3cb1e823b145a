"""`agentkit batch --mcp`: every goal of a batch calls the real `mcp-server-time` server,
on the local worker pool (and on a private Ray cluster); each worker starts the server
once, however many goals it runs, and every call is in the journal."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

CITIES = {"tokyo": "Asia/Tokyo", "paris": "Europe/Paris", "lima": "America/Lima"}


# Ray's servers listen on every interface: a Ray batch runs in a fresh network namespace
# with only a loopback device, brought up here (as in tests/integration/test_batch.py).
_LOOPBACK_UP = (
    "import fcntl, os, socket, struct, sys\n"
    "fcntl.ioctl(socket.socket(), 0x8914, struct.pack('16sH22x', b'lo', 0x49))\n"
    "os.execvp(sys.argv[1], sys.argv[1:])\n"
)
_NETNS = ["unshare", "--net", sys.executable, "-c", _LOOPBACK_UP]


def _script() -> dict[str, Any]:
    """Each goal's plan has one step titled after its city; the step calls the server's
    get_current_time for that city's timezone. (A one-step plan's call is asked with the
    goal as its step, so the call rule matches the goal.)"""
    rules: list[Any] = [["write the final answer", {"answer": "looked it up", "citations": []}]]
    for city, zone in CITIES.items():
        call = {"tool": "get_current_time", "arguments": {"timezone": zone}}
        rules.append([f"Step 1: the time in {city} now", {"action": "call", "calls": [call]}])
    for city in CITIES:
        step = {"id": 1, "title": f"Time in {city}", "tool": "get_current_time", "depends_on": []}
        rules.append([f"the time in {city} now", {"steps": [step]}])
    return {"rules": rules}


def _time_server(server_dir: Path, starts: Path) -> str:
    """The real server, behind a shell that logs each start (its pid) and runs it in
    `server_dir`, where the test can look for leftover processes."""
    server = shlex.join([sys.executable, "-m", "mcp_server_time", "--local-timezone", "UTC"])
    shell = f"cd {shlex.quote(str(server_dir))} && echo $$ >> {shlex.quote(str(starts))} && "
    return "time=" + shlex.join(["sh", "-c", shell + "exec " + server])


def _batch(
    kit: Any, env: dict[str, str], tmp_path: Path, server_dir: Path, *extra: str
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]], list[str]]:
    script = tmp_path / "time.json"
    script.write_text(json.dumps(_script()), encoding="utf-8")
    goals = tmp_path / "goals.jsonl"
    goals.write_text(
        "".join(json.dumps({"goal": f"the time in {c} now", "id": c}) + "\n" for c in CITIES),
        encoding="utf-8",
    )
    out, starts = tmp_path / "out.jsonl", tmp_path / "starts.log"
    argv = [*kit.AGENTKIT, "batch", str(goals), "--out", str(out), "--model",
            f"scripted:{script}", "--mcp", _time_server(server_dir, starts), "--no-memory",
            "-q", *extra]  # fmt: skip
    done = subprocess.run(
        [*_NETNS, *argv] if "--ray" in extra else argv,
        env={**env, "AGENTKIT_DENY_TOOLS": "today"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    started = starts.read_text().split() if starts.exists() else []
    return done, rows, started


def _check(kit: Any, env: dict[str, str], rows: list[dict[str, Any]]) -> None:
    """Every goal called the server for its own city, and the journal has each call."""
    assert sorted(r["id"] for r in rows) == sorted(CITIES)
    for row in rows:
        assert row["status"] == "succeeded", row
        (step,) = [s for s in row["steps"] if s["tool"] == "get_current_time"]
        reply = json.loads(step["observation"])
        assert step["ok"] and reply["timezone"] == CITIES[row["id"]], step
        shown = kit.agentkit(env, "runs", "show", row["run_id"], "--json")
        assert shown.returncode == 0, shown.stderr
        events = json.loads(shown.stdout)["events"]
        called = [e for e in events if e["type"] == "tool_called"]
        seen = [e for e in events if e["type"] == "observation"]
        assert [(e["tool"], e["arguments"]) for e in called] == [
            ("get_current_time", {"timezone": CITIES[row["id"]]})
        ]
        assert seen[0]["ok"] and CITIES[row["id"]] in seen[0]["text"]


def test_local_pool_goals_call_the_time_server_started_once_per_worker(
    kit: Any, env: dict[str, str], tmp_path: Path, server_dir: Path
) -> None:
    done, rows, started = _batch(kit, env, tmp_path, server_dir, "--workers", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    _check(kit, env, rows)
    workers = {r["worker"] for r in rows}
    # One start per worker that ran goals (3 goals, at most 2 workers), not one per goal.
    assert len(started) == len(workers) <= 2, (started, workers)
    assert kit.wait_gone(server_dir) == []  # the workers closed their servers


def test_a_bad_mcp_flag_is_one_line_before_any_goal_runs(
    kit: Any, env: dict[str, str], tmp_path: Path
) -> None:
    goals = tmp_path / "goals.jsonl"
    goals.write_text('{"goal": "anything"}\n', encoding="utf-8")
    done = kit.agentkit(env, "batch", str(goals), "--mcp", "no-command-here", "-q")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "--mcp 'no-command-here': use NAME=COMMAND" in done.stderr
    assert not (tmp_path / "goals.results.jsonl").exists()


@pytest.mark.slow
def test_ray_goals_call_the_time_server_started_once_per_actor(
    kit: Any, env: dict[str, str], tmp_path: Path, server_dir: Path
) -> None:
    """The servers travel in the settings each Ray actor builds its tools from."""
    pytest.importorskip("ray", reason="needs the ray extra: pip install 'agentkit[ray]'")
    if (
        shutil.which("unshare") is None
        or subprocess.run([*_NETNS, "true"], capture_output=True, timeout=30).returncode
    ):
        pytest.skip("needs `unshare --net` (root) to keep a private Ray on the loopback")
    done, rows, started = _batch(kit, env, tmp_path, server_dir, "--ray", "--workers", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    _check(kit, env, rows)
    workers = {r["worker"] for r in rows}
    assert len(started) == len(workers) <= 2, (started, workers)
    assert kit.wait_gone(server_dir) == []  # each actor closed its server before it was killed
