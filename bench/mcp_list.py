"""How long `agentkit tools list` takes with two MCP servers configured, cold and cached.

Cold: the tool-list cache is empty, so both servers are started, listed and closed.
Cached: the listing comes from the cache in the data directory; no server starts.
Goal: cached <= 1.5 s. Servers: mcp-server-time (PyPI) and server-everything (npm,
from tests/mcp/node_modules; a second mcp-server-time when it is not installed).

    python bench/mcp_list.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVERYTHING = ROOT / "tests/mcp/node_modules/@modelcontextprotocol/server-everything/dist/index.js"


def servers() -> list[str]:
    time_server = [sys.executable, "-m", "mcp_server_time", "--local-timezone", "UTC"]
    second = (
        ["node", str(EVERYTHING), "stdio"]
        if EVERYTHING.exists()
        else [*time_server[:-1], "Asia/Tokyo"]
    )
    return [f"time={shlex.join(time_server)}", f"second={shlex.join(second)}"]


def list_once(env: dict[str, str], flags: list[str], *extra: str) -> tuple[float, int]:
    argv = [sys.executable, "-m", "agentkit", "tools", "list", "--json", *flags, *extra]
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"tools list failed: {done.stderr.strip()[-500:]}")
    tools = json.loads(done.stdout)
    return seconds, sum(1 for t in tools if str(t["source"]).startswith("mcp:"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 7")
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.quick else 7)
    flags = [part for spec in servers() for part in ("--mcp", spec)]
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTKIT_")}
        env |= {"AGENTKIT_HOME": home, "AGENTKIT_CONFIG": str(Path(home) / "none.toml")}
        cold, cached, count = [], [], 0
        for _ in range(repeat):  # alternate, so a busy machine slows both alike
            seconds, count = list_once(env, flags, "--refresh")
            cold.append(seconds)
            seconds, count = list_once(env, flags)
            cached.append(seconds)
        base, _ = list_once(env, [])
    result = {
        "servers": [spec.split("=", 1)[0] for spec in servers()],
        "mcp_tools": count,
        "repeat": repeat,
        "cold_median_s": round(statistics.median(cold), 3),
        "cached_median_s": round(statistics.median(cached), 3),
        "no_mcp_s": round(base, 3),
        "goal_cached_s": 1.5,
    }
    result["cached_meets_goal"] = result["cached_median_s"] <= 1.5
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
