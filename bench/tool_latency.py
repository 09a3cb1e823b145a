"""How fast the tool boundary reacts: timeouts, refusals and process kills.

    python bench/tool_latency.py           # median of 5 each
    python bench/tool_latency.py --quick   # median of 3 (CI smoke run)

The unit tests assert *what* happens (a timeout observation, a refusal, a dead process
group); this script prints *how long* it takes, since wall-clock thresholds in tests
fail on a busy machine:

- a sync and an async tool that sleep 3 s under a 0.2 s timeout: seconds until the call
  returns (ideal: 0.2);
- the calculator on hostile input (huge powers, deep nesting): seconds to refuse;
- `shell` running a process tree under a 1 s timeout: seconds until the group is killed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from agentkit import Settings, ToolContext, Toolset, tool
from agentkit.plugins import load_file, tools_in
from agentkit.resources import tools_dir

__all__ = ["main"]

HOSTILE = ["pow(9, 99999)", "multiply(10**3000, 10**3000)", "(" * 150 + "1" + ")" * 45]


@tool(timeout=0.2)
def sleepy() -> str:
    """Sleep too long."""
    time.sleep(3)
    return "late"


@tool(timeout=0.2)
async def async_sleepy() -> str:
    """Sleep too long, asynchronously."""
    await asyncio.sleep(3)
    return "late"


def _median(repeats: int, work: Callable[[], object]) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 5")
    repeats = 3 if parser.parse_args().quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        ctx = ToolContext.create(Settings(workspace=Path(tmp), yes=True), interactive=False)
        one_second = ToolContext.create(
            Settings(workspace=Path(tmp), yes=True, tool_timeout=1), interactive=False
        )
        builtin = [
            *tools_in(load_file(tools_dir() / "calculator.py")),
            *tools_in(load_file(tools_dir() / "shell.py")),
        ]
        tools = Toolset([sleepy, async_sleepy, *builtin])
        tree = {"command": "sh -c 'sleep 60 & sleep 60' & sleep 60"}
        rows: dict[str, Callable[[], object]] = {
            "sync tool, 0.2 s timeout": lambda: tools.call("sleepy", {}, ctx),
            "async tool, 0.2 s timeout": lambda: tools.call("async_sleepy", {}, ctx),
            "shell process tree, 1 s timeout": lambda: tools.call("shell", tree, one_second),
        }
        for expression in HOSTILE:
            rows[f"calculator refuses {expression[:24]}"] = lambda e=expression: tools.call(
                "calculator", {"expression": e}, ctx
            )
        for name, work in rows.items():
            print(f"{name:<44} {_median(repeats, work):6.3f} s")


if __name__ == "__main__":
    main()
