"""`agentkit run` on the bundled model with an MCP server as its only time source."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_the_run_calls_the_time_servers_tool(kit: Any, env: dict[str, str], tmp_path: Path) -> None:
    """The model is offered the server's tools through the same path as any tool, and
    the run calls one and answers from it. (Which timezone SmolLM2-135M passes is the
    decision policy's business; at the time of writing it passes the server's own
    suggested default, "UTC", rather than Asia/Tokyo.) Every built-in stays usable: the
    built-in `today` and `weekday` that the nearest demonstrations use fit the goal less
    well than the server's tool, so the small policy offers the server's tool alone
    (agentkit.policy.aids.demo_tools.better_uncovered)."""
    done = kit.agentkit(
        env,
        "run",
        "What time is it in Tokyo right now?",
        "--mcp",
        f"time={shlex.join(kit.TIME_SERVER)}",
        "--no-memory",
        "--json",
        "-w",
        str(tmp_path),
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["status"] == "succeeded"
    calls = [s for s in result["steps"] if s["tool"] in {"get_current_time", "convert_time"}]
    assert calls, f"no MCP tool was called: {[s['tool'] for s in result['steps']]}"
    assert calls[0]["ok"] and '"datetime"' in calls[0]["observation"]
    assert result["answer"]
