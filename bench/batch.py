"""Benchmark of `agentkit batch` (a benchmark, not a test): runs per minute on the
bundled model with 1 and then 2 local worker processes, and how many times the model
was loaded (one per worker process, whatever the number of goals).

    .venv/bin/python bench/batch.py [--goals 20] [--workers 1,2] [--model GGUF] [--quick]

Each worker gets its share of the cores (n_threads = cores / workers). The short goals
are arithmetic questions the calculator answers. Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def goals(n: int) -> list[dict[str, str]]:
    return [{"goal": f"What is {12 + i} * {7 + i}?", "id": f"mul{i}"} for i in range(n)]


def measure(n_goals: int, workers: int, model: str | None, tmp: Path) -> dict[str, Any]:
    home = tmp / f"home{workers}"
    goals_file = tmp / f"goals{workers}.jsonl"
    goals_file.write_text("".join(json.dumps(g) + "\n" for g in goals(n_goals)))
    out = tmp / f"out{workers}.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTKIT_")}
    env |= {"AGENTKIT_HOME": str(home), "AGENTKIT_CONFIG": str(tmp / "none.toml")}
    argv = [sys.executable, "-m", "agentkit", "batch", str(goals_file), "--out", str(out),
            "--workers", str(workers), "--no-memory", "-q"]  # fmt: skip
    if model:
        argv += ["--model", model]
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - start
    rows = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    succeeded = sum(r.get("status") == "succeeded" for r in rows)
    return {
        "workers": workers,
        "goals": n_goals,
        "succeeded": succeeded,
        "seconds": round(seconds, 1),
        "runs_per_min": round(60 * len(rows) / seconds, 1) if seconds else 0.0,
        "model_loads": len({r.get("worker") for r in rows if r.get("worker")}),
        "exit": done.returncode,
        "stderr_tail": done.stderr.strip().splitlines()[-1:] if done.returncode else [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goals", type=int, default=20)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--model", default=None, help="GGUF path or alias (default: bundled)")
    parser.add_argument("--quick", action="store_true", help="4 goals (CI)")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    n_goals = 4 if args.quick else args.goals
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in [int(w) for w in args.workers.split(",")]:
            row = measure(n_goals, workers, args.model, Path(tmp))
            results.append(row)
            print(
                f"batch of {row['goals']} goals on {workers} worker(s): {row['seconds']} s, "
                f"{row['runs_per_min']} runs/min, {row['succeeded']} succeeded, "
                f"model loaded {row['model_loads']} time(s)"
                + (f" [exit {row['exit']}: {row['stderr_tail']}]" if row["exit"] else "")
            )
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
