"""`agentkit batch` as a real subprocess: the local process pool and a local Ray cluster,
on the scripted model and then on the bundled GGUF; workers killed mid-goal.

Ray's own servers listen on every interface whatever address they are given, so the Ray
tests run the batch inside a fresh network namespace that has only the loopback device
(`unshare --net`, as root): nothing there can be reached from outside the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

AGENTKIT = [sys.executable, "-m", "agentkit"]
TIMEOUT = 600

PLAIN = {
    "rules": [
        ["write the final answer", {"answer": "all done", "citations": []}],
        ["Make a short plan", {"steps": [
            {"id": 1, "title": "Think it over", "tool": None, "depends_on": []},
            {"id": 2, "title": "Say it", "tool": None, "depends_on": [1]},
        ]}],
        ["Step 1:", {"action": "done", "result": "thought it over"}],
        ["Step 2:", {"action": "done", "result": "said it"}],
    ]
}  # fmt: skip

TOOL = '''
import os
import time
from pathlib import Path

from agentkit.tool import tool


@tool(permission="write")
def record(n: int) -> str:
    """Append n to the calls log; the first time n is PAUSE_ON, wait to be killed.

    Args:
        n: the number to record.
    """
    with open(os.environ["CALLS_LOG"], "a", encoding="utf-8") as handle:
        handle.write(f"{n}\\n")
    marker = Path(os.environ["CALLS_LOG"] + ".paused")
    if str(n) == os.environ.get("PAUSE_ON") and not marker.exists():
        marker.write_text("")
        Path(os.environ["PID_FILE"]).write_text(str(os.getpid()))
        time.sleep(120)
    return f"recorded {n}"
'''


def _call(n: int) -> dict[str, Any]:
    return {"action": "call", "calls": [{"tool": "record", "arguments": {"n": n}}]}


RECORD = {
    "rules": [
        ["write the final answer", {"answer": "recorded 1, 2 and 3", "citations": ["obs-1"]}],
        ["interrupted before it finished", {"action": "done", "result": "2 was recorded"}],
        ["Make a short plan", {"steps": [
            {"id": i, "title": f"Record {i}", "tool": "record", "depends_on": []} for i in (1, 2, 3)
        ]}],
        ["Step 1:", _call(1)],
        ["Step 2:", _call(2)],
        ["Step 3:", _call(3)],
    ]
}  # fmt: skip


def _write(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def _results(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _runs(env: dict[str, str]) -> list[dict[str, Any]]:
    done = subprocess.run([*AGENTKIT, "runs", "list", "--json", "-n", "100"], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    runs: list[dict[str, Any]] = json.loads(done.stdout)
    return runs


# Brings the namespace's loopback device up (SIOCSIFFLAGS: IFF_UP | IFF_LOOPBACK |
# IFF_RUNNING), then becomes the command: no dependency on iproute2's `ip`.
_LOOPBACK_UP = (
    "import fcntl, os, socket, struct, sys\n"
    "fcntl.ioctl(socket.socket(), 0x8914, struct.pack('16sH22x', b'lo', 0x49))\n"
    "os.execvp(sys.argv[1], sys.argv[1:])\n"
)


def _netns(argv: list[str]) -> list[str]:
    """`argv` inside a new network namespace with only a loopback device, brought up."""
    return ["unshare", "--net", sys.executable, "-c", _LOOPBACK_UP, *argv]


def _netns_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(_netns(["true"]), capture_output=True, timeout=30)
    return probe.returncode == 0


def _private_ray() -> None:
    pytest.importorskip("ray", reason="needs the ray extra: pip install 'agentkit[ray]'")
    if not _netns_works():
        pytest.skip("needs `unshare --net` (root) to keep a private Ray on the loopback")


def batch(env: dict[str, str], *args: str, netns: bool = False) -> subprocess.CompletedProcess[str]:
    argv = [*AGENTKIT, "batch", *args, "--no-memory", "-q"]
    return subprocess.run(
        _netns(argv) if netns else argv, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )


def test_local_pool_runs_goals_reports_a_bad_line_and_skips_finished_ids(
    env: dict[str, str], tmp_path: Path
) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(PLAIN))
    goals = _write(tmp_path / "goals.jsonl", [
        {"goal": "say something nice", "id": "nice"},
        {"goal": "say something kind"},
        '{"goal": "a line cut short',
        {"goal": "say something gentle", "id": "ws", "workspace": str(tmp_path / "ws")},
    ])  # fmt: skip
    out = tmp_path / "results.jsonl"
    argv = [str(goals), "--out", str(out), "--model", f"scripted:{script}", "--workers", "2"]
    done = batch(env, *argv)
    assert done.returncode == 1  # one line was malformed
    assert "goals.jsonl line 3: not JSON" in done.stderr
    rows = _results(out)
    ok = [r for r in rows if r["status"] == "succeeded"]
    ids = sorted(r["id"] for r in ok)
    assert len(ids) == 3 and ids[0].startswith("g-") and ids[1:] == ["nice", "ws"]
    for row in ok:  # the fields of `agentkit run --json`, plus the goal's id and workspace
        assert {"run_id", "status", "goal", "answer", "plan", "steps", "usage", "worker"} <= set(
            row
        )
    (bad,) = [r for r in rows if r["status"] == "error"]
    assert bad["line"] == 3 and "line 3" in bad["error"]
    assert {r["run_id"] for r in _runs(env)} == {r["run_id"] for r in ok}
    # The same file again: finished ids are skipped, no new runs.
    again = batch(env, *argv)
    assert "3 skipped" in again.stderr and len(_runs(env)) == 3
    # --rerun runs them all again and rewrites the results.
    batch(env, *argv, "--rerun")
    assert len(_runs(env)) == 6 and len(_results(out)) == 4


def _killed_mid_goal(env: dict[str, str], tmp_path: Path, *extra: str, netns: bool) -> None:
    """One goal calling record(1..3); its worker is SIGKILLed during record(2)."""
    (tmp_path / "record_tool.py").write_text(TOOL)
    script = tmp_path / "record.json"
    script.write_text(json.dumps(RECORD))
    goals = _write(tmp_path / "goals.jsonl", [{"goal": "record three numbers", "id": "rec"}])
    log, pid_file = tmp_path / "calls.log", tmp_path / "worker.pid"
    env = {**env, "CALLS_LOG": str(log), "PAUSE_ON": "2", "PID_FILE": str(pid_file)}
    # the scripted calls write after reading a result: not the taint rule's concern here
    env["AGENTKIT_TAINT_APPROVAL"] = "false"
    argv = [*AGENTKIT, "batch", str(goals), "--out", str(tmp_path / "out.jsonl"), "--no-memory",
            "-q", "--model", f"scripted:{script}", "--tools", str(tmp_path / "record_tool.py"),
            "--yes", *extra]  # fmt: skip
    proc = subprocess.Popen(_netns(argv) if netns else argv, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not pid_file.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pid_file.exists(), proc.communicate(timeout=60)
        time.sleep(0.2)  # the pid is written just before the tool sleeps
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    (row,) = _results(tmp_path / "out.jsonl")
    assert row["status"] == "succeeded" and row["id"] == "rec"
    assert log.read_text().split() == ["1", "2", "3"]  # every call ran exactly once
    (run,) = _runs(env)
    assert run["run_id"] == row["run_id"] and run["status"] == "succeeded"


def test_local_worker_killed_mid_goal_has_the_goal_resumed_once(
    env: dict[str, str], tmp_path: Path
) -> None:
    _killed_mid_goal(env, tmp_path, "--workers", "2", netns=False)


@pytest.mark.slow
def test_ray_worker_killed_mid_goal_has_the_goal_resumed_once(
    env: dict[str, str], tmp_path: Path
) -> None:
    _private_ray()
    _killed_mid_goal(env, tmp_path, "--ray", "--workers", "2", netns=True)


@pytest.mark.slow
def test_ray_runs_scripted_goals_into_the_drivers_journal(
    env: dict[str, str], tmp_path: Path
) -> None:
    _private_ray()
    script = tmp_path / "script.json"
    script.write_text(json.dumps(PLAIN))
    goals = _write(tmp_path / "goals.jsonl", [{"goal": f"say thing {i}"} for i in range(4)])
    out = tmp_path / "out.jsonl"
    done = batch(env, str(goals), "--out", str(out), "--model", f"scripted:{script}", "--ray",
                 "--workers", "2", netns=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = _results(out)
    assert [r["status"] for r in rows] == ["succeeded"] * 4
    assert {r["run_id"] for r in _runs(env)} == {r["run_id"] for r in rows}
    assert len({r["worker"] for r in rows}) == 2  # both actors ran goals


@pytest.mark.slow
def test_ray_runs_three_goals_on_the_real_model(env: dict[str, str], tmp_path: Path) -> None:
    _private_ray()
    goals = _write(tmp_path / "goals.jsonl", [
        {"goal": "What is 1234 * 5678?", "id": "mul"},
        {"goal": "What is 7 * 6?", "id": "small"},
        {"goal": "plan a trip", "id": "trip"},
    ])  # fmt: skip
    out = tmp_path / "out.jsonl"
    env = {**env, "AGENTKIT_N_THREADS": "1"}
    done = batch(env, str(goals), "--out", str(out), "--ray", "--workers", "2", netns=True)
    rows = {r["id"]: r for r in _results(out)}
    assert set(rows) == {"mul", "small", "trip"}, done.stderr
    assert all(r["status"] in {"succeeded", "failed", "budget_exhausted"} for r in rows.values())
    assert rows["mul"]["status"] == "succeeded" and "7006652" in rows["mul"]["answer"]
    assert all(r["usage"]["prompt_tokens"] > 0 for r in rows.values())
    assert {r["run_id"] for r in _runs(env)} == {r["run_id"] for r in rows.values()}
