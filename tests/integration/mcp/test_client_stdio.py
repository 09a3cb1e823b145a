"""MCP servers as tool sources over stdio, against real third-party servers:
`mcp-server-time` (PyPI) and `@modelcontextprotocol/server-everything` (npm, on node)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration


def write_config(env: dict[str, str], servers: dict[str, dict[str, Any]]) -> None:
    """Servers as [mcp.servers.NAME] tables in the test's own config file."""
    lines = []
    for name, table in servers.items():
        lines.append(f"[mcp.servers.{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    Path(env["AGENTKIT_CONFIG"]).write_text("\n".join(lines) + "\n", encoding="utf-8")


def listed(kit: Any, env: dict[str, str], *args: str) -> dict[str, dict[str, Any]]:
    done = kit.agentkit(env, "tools", "list", "--json", *args)
    assert done.returncode == 0, done.stderr
    return {t["name"]: t for t in json.loads(done.stdout)}


def test_time_server_is_listed_cached_and_called(
    kit: Any, env: dict[str, str], server_dir: Path
) -> None:
    write_config(
        env,
        {"time": {"command": sys.executable, "args": kit.TIME_SERVER[1:], "cwd": str(server_dir)}},
    )
    tools = listed(kit, env)
    current = tools["get_current_time"]
    assert current["source"] == "mcp:time" and current["permission"] == "read"
    assert current["parameters"]["properties"]["timezone"]["maxLength"] == 500
    assert current["parameters"]["additionalProperties"] is False
    cache = Path(env["AGENTKIT_HOME"]) / "mcp" / "tools"
    assert len(list(cache.glob("*.json"))) == 1
    assert kit.wait_gone(server_dir) == []  # the listing closed the server it started

    assert listed(kit, env)["get_current_time"] == current  # from the cache, same tools
    assert kit.processes_in(server_dir) == []  # ... without starting the server
    assert "get_current_time" in listed(kit, env, "--refresh")

    done = kit.agentkit(env, "tools", "call", "get_current_time", '{"timezone": "Asia/Tokyo"}')
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert reply["timezone"] == "Asia/Tokyo" and reply["datetime"].endswith("+09:00")

    bad = kit.agentkit(env, "tools", "call", "get_current_time", '{"timezone": "Mars/Olympus"}')
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("error: get_current_time failed:") and "Mars" in bad.stderr
    missing = kit.agentkit(env, "tools", "call", "get_current_time", "{}")
    assert missing.returncode == 1 and "invalid arguments" in missing.stderr
    assert kit.wait_gone(server_dir) == []


def test_everything_server_tools_and_results(kit: Any, env: dict[str, str]) -> None:
    flag = f"every={shlex.join(kit.everything())}"
    tools = listed(kit, env, "--mcp", flag)
    mine = {name: t for name, t in tools.items() if t["source"] == "mcp:every"}
    assert {"echo", "get_sum", "get_tiny_image", "get_structured_content"} <= set(mine)
    assert all("-" not in name for name in mine)  # get-sum is offered as get_sum
    for item in mine.values():
        assert item["permission"] in {"read", "write", "execute"}

    def call(name: str, arguments: dict[str, Any]) -> str:
        done = kit.agentkit(env, "tools", "call", name, json.dumps(arguments), "--mcp", flag)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert call("echo", {"message": "hello from agentkit"}) == "Echo: hello from agentkit"
    assert "5" in call("get_sum", {"a": 2, "b": 3})
    image = call("get_tiny_image", {})
    assert "[image image/png" in image and "not shown" in image
    weather = json.loads(call("get_structured_content", {"location": "Chicago"}))
    assert "temperature" in weather
    wrong = kit.agentkit(env, "tools", "call", "get_sum", '{"a": "two", "b": 3}', "--mcp", flag)
    assert wrong.returncode == 1 and "invalid arguments for get_sum" in wrong.stderr


def test_a_second_server_with_the_same_tools_is_namespaced(kit: Any, env: dict[str, str]) -> None:
    first = f"every={shlex.join(kit.everything())}"
    second = f"other={shlex.join(kit.everything())}"
    done = kit.agentkit(env, "tools", "list", "--json", "--mcp", first, "--mcp", second)
    assert done.returncode == 0, done.stderr
    names = {t["name"]: t["source"] for t in json.loads(done.stdout)}
    assert names["echo"] == "mcp:every" and names["other_echo"] == "mcp:other"
    assert "MCP tool other/echo is offered as other_echo (echo is taken" in done.stderr


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("no-such-mcp-server-command", "failed to start: [Errno 2]"),
        (f"{sys.executable} -c 'import sys; sys.exit(3)'", "failed to start"),
        (f"{sys.executable} -c 'import time; time.sleep(120)'", "did not start within 3s"),
    ],
    ids=["missing-command", "exits-at-once", "never-answers"],
)
def test_a_broken_server_is_one_warning(
    kit: Any, env: dict[str, str], server_dir: Path, command: str, message: str
) -> None:
    words = shlex.split(command)
    write_config(
        env,
        {
            "broken": {
                "command": words[0],
                "args": words[1:],
                "cwd": str(server_dir),
                "timeout": 3,
            }
        },
    )
    done = kit.agentkit(env, "tools", "list", timeout=60)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    warnings = [ln for ln in done.stderr.splitlines() if "broken" in ln]
    assert len(warnings) == 1 and warnings[0].startswith("warning: skipped MCP server broken:")
    assert message in warnings[0]
    assert "calculator" in done.stdout  # the other tools are still there
    assert kit.wait_gone(server_dir) == []
