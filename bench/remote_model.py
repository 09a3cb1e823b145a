"""Benchmark of a run through OpenAICompatModel (a benchmark, not a test): how much of
each request's prompt the server reused from its KV cache, as the server reports it.

    .venv/bin/python bench/remote_model.py [--goal TEXT] [--policy small,plain]
                                           [--server-cache on,off] [--quick]

For each policy and server-cache setting it starts llama-cpp-python's server on the
bundled GGUF (`agentkit.llm.serve`, 127.0.0.1, a free port; a fresh server each time
so no run inherits another's cache), runs `agentkit run GOAL --model openai:URL
--policy P --json` through it, and prints per request (from the run's journal): what
it was for, prompt tokens, cached tokens as the server reported them
(`usage.prompt_tokens_details.cached_tokens`), and how many leading characters the
prompt shares with the previous request's and with the best earlier one's (what a
one-slot cache and a multi-state cache could reuse at most). `--server-cache off`
starts the server with `--cache false`: only the last request's KV cache is kept.
The server's own log ("N prefix-match hit") is summed as a cross-check. The schema
probe before the run is not one of the run's requests. Numbers are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentkit.services import model_server

HIT = re.compile(r"Llama\.generate: (\d+) prefix-match hit")


@dataclass
class Call:
    purpose: str
    prompt_tokens: int
    cached: int
    prefix_prev: int  # characters shared with the previous request's prompt
    prefix_best: int  # ... with the earlier prompt sharing the most
    chars: int


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def calls_of(events: list[dict[str, Any]]) -> list[Call]:
    out: list[Call] = []
    seen: list[str] = []
    for event in events:
        if event.get("type") != "model_called":
            continue
        prompt, usage = str(event.get("prompt", "")), event.get("usage", {})
        prev = _common(seen[-1], prompt) if seen else 0
        best = max((_common(p, prompt) for p in seen), default=0)
        out.append(
            Call(
                purpose=str(event.get("purpose")),
                prompt_tokens=int(usage.get("prompt_tokens", 0)),
                cached=int(usage.get("cached_prompt_tokens", 0)),
                prefix_prev=prev,
                prefix_best=best,
                chars=len(prompt),
            )
        )
        seen.append(prompt)
    return out


def dump(events: list[dict[str, Any]], to: Path, name: str) -> None:
    """Each request's prompt as the journal holds it, to read where they diverge."""
    to.mkdir(parents=True, exist_ok=True)
    prompts = [e for e in events if e.get("type") == "model_called"]
    for i, event in enumerate(prompts, 1):
        (to / f"{name}-{i}-{event.get('purpose')}.txt").write_text(str(event.get("prompt")))


def run_once(goal: str, policy: str, cache: str, tmp: Path, prompts: Path | None) -> dict[str, Any]:
    log = tmp / f"server-{policy}-{cache}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTKIT_")}
    home = tmp / f"home-{policy}-{cache}"
    env |= {"AGENTKIT_HOME": str(home), "AGENTKIT_CONFIG": str(tmp / "none.toml")}
    extra = ["--cache", "false"] if cache == "off" else []
    agentkit = [sys.executable, "-m", "agentkit"]
    with model_server(log=log, threads=os.cpu_count() or 1, extra=extra) as server:
        argv = [*agentkit, "run", goal, "--model", f"openai:{server.url}", "--policy", policy,
                "--no-memory", "--workspace", str(tmp), "--json", "-q"]  # fmt: skip
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=1800)
    result: dict[str, Any] = json.loads(done.stdout) if done.stdout.strip() else {}
    events: list[dict[str, Any]] = []
    if result.get("run_id"):
        exported = subprocess.run(
            [*agentkit, "runs", "export", str(result["run_id"])],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        events = json.loads(exported.stdout).get("events", []) if exported.stdout else []
    if prompts is not None:
        dump(events, prompts, f"{policy}-cache-{cache}")
    logged = [int(n) for n in HIT.findall(log.read_text(errors="replace"))]
    return {
        "status": _status(result, done.stderr),
        "calls": calls_of(events),
        "usage": result.get("usage", {}),
        "logged_hits": sum(logged),
    }


def _status(result: dict[str, Any], stderr: str) -> str:
    if not result:
        return f"gave no result: {stderr.strip()[-200:]}"
    reason = result.get("reason")
    return f"{result.get('status')} ({reason})" if reason else str(result.get("status"))


def report(policy: str, cache: str, outcome: dict[str, Any]) -> dict[str, Any]:
    calls: list[Call] = outcome["calls"]
    prompt = sum(c.prompt_tokens for c in calls)
    cached = sum(c.cached for c in calls)
    later = calls[1:]
    later_prompt = sum(c.prompt_tokens for c in later)
    later_cached = sum(c.cached for c in later)
    print(f"\npolicy {policy}, server prompt cache {cache}: run {outcome['status']}")
    print(f"  {'request':<8} {'prompt':>7} {'cached':>7}  {'shared chars: prev / best / all':>32}")
    for c in calls:
        shared = f"{c.prefix_prev} / {c.prefix_best} / {c.chars}"
        print(f"  {c.purpose:<8} {c.prompt_tokens:>7} {c.cached:>7}  {shared:>32}")
    reuse = cached / max(1, prompt)
    # What any cache could reuse at most: each prompt's longest prefix shared with an
    # earlier prompt, in characters, scaled to tokens (an estimate: chars per token vary).
    ceiling = sum(c.prompt_tokens * c.prefix_best / max(1, c.chars) for c in calls)
    print(
        f"  {len(calls)} requests: {prompt} prompt tokens, {cached} cached as the server "
        f"reports them: reuse {reuse:.0%}; after the first request "
        f"{later_cached}/{later_prompt} ({later_cached / max(1, later_prompt):.0%})"
    )
    print(
        f"  ceiling set by the prompts themselves (shared leading characters with the best "
        f"earlier prompt, scaled to tokens): about {ceiling:.0f} tokens, "
        f"{ceiling / max(1, prompt):.0%}"
    )
    print(
        f"  cross-checks: the run's own usage says {outcome['usage'].get('prompt_tokens')} "
        f"prompt / {outcome['usage'].get('cached_prompt_tokens')} cached; the server log's "
        f"prefix-match hits add up to {outcome['logged_hits']} (the probe's included)"
    )
    return {
        "policy": policy,
        "server_cache": cache,
        "status": outcome["status"],
        "requests": len(calls),
        "prompt_tokens": prompt,
        "cached_tokens": cached,
        "reuse": round(reuse, 3),
        "reuse_after_first": round(later_cached / max(1, later_prompt), 3),
        "prefix_ceiling": round(ceiling / max(1, prompt), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goal", default="What weekday was 2024-03-15, and what is 7 * 6?")
    parser.add_argument("--policy", default="small,plain", help="comma-separated policies")
    parser.add_argument("--server-cache", default="on", help="on, off or on,off")
    parser.add_argument("--json-out", type=Path, help="also write the summary rows here")
    parser.add_argument("--dump-prompts", type=Path, help="write each request's prompt here")
    parser.add_argument("--quick", action="store_true", help="a one-tool goal, small policy (CI)")
    args = parser.parse_args()
    goal = "What is 1234 * 5678?" if args.quick else args.goal
    policies = ["small"] if args.quick else args.policy.split(",")
    caches = args.server_cache.split(",")
    if bad := [c for c in caches if c not in {"on", "off"}]:
        sys.exit(f"error: --server-cache takes on and/or off, not {bad[0]!r}")
    rows = []
    print(f"goal: {goal}")
    with tempfile.TemporaryDirectory() as tmp:
        for policy in policies:
            for cache in caches:  # one server at a time: one model load at a time
                rows.append(
                    report(
                        policy, cache, run_once(goal, policy, cache, Path(tmp), args.dump_prompts)
                    )
                )
    print("\nsummary (reuse = cached / prompt tokens over the run's requests):")
    for row in rows:
        print(
            f"  policy {row['policy']:<6} cache {row['server_cache']:<3}: {row['requests']} "
            f"requests, {row['prompt_tokens']} prompt, {row['cached_tokens']} cached, reuse "
            f"{row['reuse']:.0%} (after the first request {row['reuse_after_first']:.0%}; "
            f"the prompts' shared prefixes allow about {row['prefix_ceiling']:.0%})"
        )
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
