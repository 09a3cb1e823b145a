"""The evaluation benchmarks in one run: prints a table and writes bench/results.json.

    python bench/run.py [--model GGUF] [--quick] [--skip-memory] [--memory-sizes 1000]

--quick (what CI runs) makes one short pass, skips the memory benchmark (CI runs
bench/memory.py --quick on its own) and writes no results file unless --out is given.

1. decode tok/s, raw vs grammar-constrained (bench/llm_throughput.py);
2. prompt tokens evaluated per step with KV-cache reuse vs re-evaluating the whole prompt,
   over a 10-tool-call planner run;
3. framework overhead: (agent wall time - model time) / model time over that run;
4. `agentkit --help` start-up time vs `python -c "import typer"` (median of several);
5. memory ingest and query figures from bench/memory.py, when it exists.

The planner run uses scripted decisions (so it makes exactly 10 calls whatever the model)
but every prompt really goes through llama.cpp, so token and cache figures are real. The
scripted replies are then evaluated as part of the next prompt rather than generated,
which slightly understates cache reuse compared with a fully live run.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from llm_throughput import measure_decode

from agentkit.errors import AgentkitError
from agentkit.llm.base import Completion, JsonSchema, Message
from agentkit.llm.llama import LlamaModel

HERE = Path(__file__).parent
CALLS_PER_STEP = 5
STEPS = 2  # 2 plan steps x 5 calls = a 10-call run


class ReplayOverLlama:
    """Scripted replies; each prompt is still evaluated by llama.cpp for real usage."""

    def __init__(self, llama: LlamaModel) -> None:
        self.llama = llama
        self.name = f"replay over {llama.name}"
        self.calls_in_step = 0
        self.lookups = 0

    def _reply(self, schema: JsonSchema | None) -> Any:
        props = (schema or {}).get("properties", {})
        if "steps" in props:
            steps: list[dict[str, Any]] = [
                {"id": i, "title": f"Collect part {i}", "tool": None, "depends_on": []}
                for i in range(1, STEPS + 1)
            ]
            return {"steps": steps}
        if "citations" in props:
            return {"answer": f"Collected {self.lookups} values.", "citations": []}
        if self.calls_in_step == CALLS_PER_STEP:
            self.calls_in_step = 0
            return {"action": "done", "result": "collected"}
        self.calls_in_step += 1
        self.lookups += 1
        key = f"item-{self.lookups}"
        return {"action": "call", "calls": [{"tool": "lookup", "arguments": {"key": key}}]}

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: JsonSchema | None = None,
        max_tokens: int = 256,
        repeat_penalty: float | None = None,
    ) -> Completion:
        # One grammar-forced token: the prompt is evaluated (or reused) exactly as live.
        probe = self.llama.complete(messages, schema={"type": "boolean"}, max_tokens=1)
        return Completion(text=json.dumps(self._reply(schema)), usage=probe.usage)


def planner_run(llama: LlamaModel) -> dict[str, Any]:
    try:
        from agentkit.agent import Agent
        from agentkit.config import Settings
        from agentkit.registry import Toolset
        from agentkit.tool import tool
    except ImportError as exc:
        return {"skipped": f"planner not available ({exc})"}

    @tool
    def lookup(key: str) -> str:
        """Look a key up in the catalogue.

        Args:
            key: what to look up.
        """
        return f"{key}: 42 units in stock, aisle {len(key)}"

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.model_validate(
            {"workspace": Path(tmp), "yes": True, "no_memory": True, "max_steps": 40}
        )
        model = ReplayOverLlama(llama)
        agent = Agent(model=model, tools=Toolset([lookup]), memory=None, settings=settings)
        try:
            result = agent.run("Collect the stock of ten catalogue items and report it.")
        except AgentkitError as exc:  # e.g. a user prompt template that no longer renders
            return {"skipped": f"planner run failed: {exc}"}
    u = result.usage
    evaluated = u.prompt_tokens - u.cached_prompt_tokens
    return {
        "status": result.status,
        "tool_calls": len(result.steps),
        "model_calls": u.model_calls,
        "prompt_tokens_naive": u.prompt_tokens,
        "prompt_tokens_evaluated": evaluated,
        "evaluated_per_call": round(evaluated / max(u.model_calls, 1), 1),
        "naive_per_call": round(u.prompt_tokens / max(u.model_calls, 1), 1),
        "evaluated_over_naive": round(evaluated / u.prompt_tokens, 3) if u.prompt_tokens else None,
        "llm_seconds": round(u.llm_seconds, 3),
        "wall_seconds": round(u.wall_seconds, 3),
        "framework_overhead": round((u.wall_seconds - u.llm_seconds) / u.llm_seconds, 3)
        if u.llm_seconds
        else None,
    }


def _median_seconds(argv: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def startup(repeats: int) -> dict[str, Any]:
    bindir = Path(sys.executable).parent
    cli = _median_seconds([str(bindir / "agentkit"), "--help"], repeats)
    typer = _median_seconds([sys.executable, "-c", "import typer"], repeats)
    return {
        "agentkit_help_seconds": round(cli, 3),
        "import_typer_seconds": round(typer, 3),
        "ratio": round(cli / typer, 2),
        "repeats": repeats,
    }


def memory(sizes: str) -> dict[str, Any]:
    script = HERE / "memory.py"
    if not script.is_file():
        return {"skipped": "bench/memory.py not available"}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "memory.json"
        argv = [sys.executable, str(script), "--sizes", sizes, "--json-out", str(out)]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0 or not out.is_file():
            return {"skipped": f"bench/memory.py failed: {done.stderr.strip()[-300:]}"}
        data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="GGUF path or alias (default: bundled)")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-sizes", default="1000")
    parser.add_argument("--quick", action="store_true", help="one short pass (CI)")
    parser.add_argument("--out", type=Path, default=None, help="default bench/results.json")
    args = parser.parse_args()
    out: Path | None = args.out or (None if args.quick else HERE / "results.json")

    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, "
        f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}",
    }
    llama = LlamaModel(args.model)
    results["model"] = llama.name
    raw, constrained = measure_decode(llama, max_tokens=8 if args.quick else 32, repeats=1)
    results["decode"] = {
        "raw_tokens_per_second": round(raw.tokens_per_second, 1),
        "grammar_tokens_per_second": round(constrained.tokens_per_second, 1),
        "grammar_over_raw": round(constrained.tokens_per_second / raw.tokens_per_second, 3),
    }
    results["planner"] = planner_run(llama)
    results["startup"] = startup(repeats=2 if args.quick else 7)
    skip = "--quick" if args.quick else "--skip-memory" if args.skip_memory else None
    results["memory"] = {"skipped": skip} if skip else memory(args.memory_sizes)
    _print(results)
    if out is not None:
        out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {out}")


def _print(r: dict[str, Any]) -> None:
    d, p, s = r["decode"], r["planner"], r["startup"]
    print(f"{r['date']}  {r['machine']}  model {r['model']}")
    rows = [
        ("decode raw tok/s", d["raw_tokens_per_second"]),
        ("decode grammar tok/s (sampled tokens)", d["grammar_tokens_per_second"]),
        ("grammar / raw", d["grammar_over_raw"]),
    ]
    if "skipped" in p:
        print(f"planner: skipped: {p['skipped']}")
    else:
        rows += [
            ("planner tool calls / model calls", f"{p['tool_calls']} / {p['model_calls']}"),
            ("prompt tokens per call, naive", p["naive_per_call"]),
            ("prompt tokens per call, evaluated", p["evaluated_per_call"]),
            ("evaluated / naive", p["evaluated_over_naive"]),
            ("framework overhead (wall-model)/model", p["framework_overhead"]),
        ]
    rows += [
        ("`agentkit --help` s", s["agentkit_help_seconds"]),
        ("`import typer` s", s["import_typer_seconds"]),
        ("startup ratio", s["ratio"]),
    ]
    for name, value in rows:
        print(f"  {name:<40}{value}")
    mem = r["memory"]
    print(f"memory: {mem['skipped']}" if "skipped" in mem else f"memory: {json.dumps(mem)[:400]}")


if __name__ == "__main__":
    main()
