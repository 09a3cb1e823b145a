"""An MCP server that crashes mid-call, times out, or dies mid-run: one error
observation each time, never a traceback or a hang, and no server process left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from agentkit.config import Settings
from agentkit.mcp.client import close_all
from agentkit.registry import load_toolset
from agentkit.tool import Observation, ToolContext

pytestmark = pytest.mark.integration

SLOW = "trigger_long_running_operation"


def settings_for(kit: Any, tmp_path: Path, server_dir: Path, timeout: float = 30) -> Settings:
    server = {
        "command": "node",
        "args": [str(kit.node_path(kit.EVERYTHING)), "stdio"],
        "cwd": str(server_dir),
        "timeout": timeout,
    }
    return Settings(home=tmp_path / "home", workspace=tmp_path, mcp={"servers": {"every": server}})


def started(kit: Any, folder: Path, limit: float = 30) -> list[int]:
    deadline = time.monotonic() + limit
    while not (pids := kit.processes_in(folder)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pids, "the MCP server never started"
    return list(pids)


def kill_all(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue


def test_a_server_killed_mid_call_is_one_error_then_restarts(
    kit: Any, tmp_path: Path, server_dir: Path
) -> None:
    settings = settings_for(kit, tmp_path, server_dir)
    warnings: list[str] = []
    toolset = load_toolset(settings, warn=warnings.append)
    ctx = ToolContext.create(settings, interactive=False)
    box: dict[str, Observation] = {}
    worker = threading.Thread(
        target=lambda: box.update(obs=toolset.call(SLOW, {"duration": 30, "steps": 30}, ctx))
    )
    try:
        worker.start()
        time.sleep(1.0)  # the call is now in flight on the server
        kill_all(started(kit, server_dir))
        worker.join(30)
        assert not worker.is_alive()
        observation = box["obs"]
        assert not observation.ok and observation.error == "exception"
        assert "closed the connection" in observation.text and "Traceback" not in observation.text
        assert kit.wait_gone(server_dir) == []
        again = toolset.call("echo", {"message": "again"}, ctx)  # starts the server anew
        assert again.ok and again.text == "Echo: again"
    finally:
        close_all()
    assert kit.wait_gone(server_dir) == []


def test_a_call_past_the_timeout_is_a_timeout_observation(
    kit: Any, tmp_path: Path, server_dir: Path
) -> None:
    settings = settings_for(kit, tmp_path, server_dir, timeout=2)
    toolset = load_toolset(settings, warn=lambda _: None)
    ctx = ToolContext.create(settings, interactive=False)
    try:
        observation = toolset.call(SLOW, {"duration": 20, "steps": 20}, ctx)
        assert not observation.ok and observation.error == "timeout"
        assert "timed out after 2s" in observation.text
        assert toolset.call("echo", {"message": "still here"}, ctx).ok
    finally:
        close_all()
    assert kit.wait_gone(server_dir) == []


def test_a_server_killed_mid_run_fails_one_step(
    kit: Any, env: dict[str, str], tmp_path: Path, server_dir: Path
) -> None:
    """A workflow run whose MCP server dies during a step: that step fails with one
    message, the next step restarts the server, the run ends normally."""
    config = (
        "[mcp.servers.every]\n"
        f'command = "node"\nargs = {json.dumps([str(kit.node_path(kit.EVERYTHING)), "stdio"])}\n'
        f"cwd = {json.dumps(str(server_dir))}\n"
    )
    Path(env["AGENTKIT_CONFIG"]).write_text(config, encoding="utf-8")
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "name: mcp-crash\n"
        "steps:\n"
        f"  - {{id: slow, tool: {SLOW}, args: {{duration: 30, steps: 30}}, on_error: continue}}\n"
        "  - {id: again, tool: echo, args: {message: after the crash}}\n"
        "outputs:\n"
        '  slow_ok: "{{ steps.slow.ok }}"\n'
        '  again: "{{ steps.again.output }}"\n',
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [*kit.AGENTKIT, "run", "-f", str(flow), "--json", "-w", str(tmp_path), "--no-memory"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        pids = started(kit, server_dir, limit=60)
        time.sleep(1.0)
        kill_all(pids)
        out, err = proc.communicate(timeout=120)
    finally:
        kit.stop(proc)
    assert "Traceback" not in err
    outputs = json.loads(out)
    assert outputs["slow_ok"] in (False, "False") and outputs["again"] == "Echo: after the crash"
    assert "closed the connection" in err
    assert kit.wait_gone(server_dir) == []


def test_ctrl_c_during_a_call_closes_the_server(
    kit: Any, env: dict[str, str], tmp_path: Path, server_dir: Path
) -> None:
    config = (
        "[mcp.servers.every]\n"
        f'command = "node"\nargs = {json.dumps([str(kit.node_path(kit.EVERYTHING)), "stdio"])}\n'
        f"cwd = {json.dumps(str(server_dir))}\n"
    )
    Path(env["AGENTKIT_CONFIG"]).write_text(config, encoding="utf-8")
    arguments = json.dumps({"duration": 30, "steps": 30})
    proc = subprocess.Popen(
        [*kit.AGENTKIT, "tools", "call", SLOW, arguments, "-w", str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started(kit, server_dir, limit=60)
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        kit.stop(proc)
    assert proc.returncode != 0 and "Traceback" not in err
    assert kit.wait_gone(server_dir) == []
