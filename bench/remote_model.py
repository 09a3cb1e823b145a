"""Benchmark of a run through OpenAICompatModel (a benchmark, not a test): how much of
each step's prompt the server reused from its KV cache, as the server reports it.

    .venv/bin/python bench/remote_model.py [--goal TEXT] [--quick]

It starts llama-cpp-python's server on the bundled GGUF (127.0.0.1, a free port),
runs `agentkit run GOAL --model openai:URL --json` through it, and reads the server's
own log: llama-cpp-python reports no cached tokens in its replies, but logs
"Llama.generate: N prefix-match hit, remaining M prompt tokens to eval" per request.
Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agentkit.services import model_server

HIT = re.compile(r"Llama\.generate: (\d+) prefix-match hit, remaining (\d+) prompt tokens")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goal", default="What weekday was 2024-03-15, and what is 7 * 6?")
    parser.add_argument("--quick", action="store_true", help="a one-tool goal (CI)")
    parser.add_argument(
        "--plain-prompts",
        action="store_true",
        help="focused_prompts = false: one growing prompt, the prefix-reuse case",
    )
    args = parser.parse_args()
    goal = "What is 1234 * 5678?" if args.quick else args.goal
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTKIT_")}
        env |= {"AGENTKIT_HOME": str(Path(tmp) / "home"), "AGENTKIT_CONFIG": str(Path(tmp) / "x")}
        if args.plain_prompts:
            env["AGENTKIT_FOCUSED_PROMPTS"] = "false"
        with model_server(log=log, threads=os.cpu_count() or 1) as server:
            skip = len(HIT.findall(log.read_text(errors="replace")))  # requests before the run
            argv = [sys.executable, "-m", "agentkit", "run", goal, "--model",
                    f"openai:{server.url}", "--no-memory", "--json", "-q"]  # fmt: skip
            start = time.perf_counter()
            done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=1800)
            seconds = time.perf_counter() - start
        hits = [(int(a), int(b)) for a, b in HIT.findall(log.read_text(errors="replace"))][skip:]
    result = json.loads(done.stdout) if done.stdout.strip() else {}
    reused = sum(a for a, _ in hits)
    total = reused + sum(b for _, b in hits)
    probe = 1  # the first request is the schema probe, on a short prompt of its own
    steps = hits[probe + 1 :]  # after the probe and the first real prompt
    steady = sum(a for a, _ in steps) / max(1, sum(a + b for a, b in steps))
    print(f"run through {server.url}: status {result.get('status')}, {seconds:.1f} s wall")
    print(
        f"server-reported prompt reuse over {len(hits)} requests: {reused}/{total} tokens "
        f"({reused / max(1, total):.0%}); after the first prompt: {steady:.0%}"
    )
    usage = result.get("usage", {})
    print(
        f"agentkit usage: {usage.get('prompt_tokens')} prompt tokens, "
        f"{usage.get('cached_prompt_tokens')} reported cached (llama-cpp-python reports none)"
    )


if __name__ == "__main__":
    main()
