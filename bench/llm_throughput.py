"""Decode speed raw vs constrained, fast-forward, threads under load, and one real run.

    python bench/llm_throughput.py [--model GGUF] [--quick] [--json] [--skip-run]

Prints, for the same prompts and schemas:

1. raw tok/s, and constrained tok/s counted over *sampled* tokens only (forced tokens
   are appended by the decoder, not chosen, so counting them would inflate the rate),
   and its ratio to raw;
2. the wall time of a decision call, constrained with fast-forward, against an
   unconstrained decode of the very same tokens (one evaluation per token, as any
   unconstrained call that emits that text has to do), and the ratio; the forced share;
3. decode and prompt (batch) tok/s with 1 and 2 threads, alone and beside a CPU-bound
   competitor process (`python -c "while True: pass"`);
4. `agentkit run "What is 1234 * 5678?"` end to end: wall seconds and the share of it
   spent in the model.

Decode rates are measured with the prompt already in the KV cache (each call is made
twice and the second is timed), so they are generation only. Raw and constrained calls
alternate prompt by prompt so that load from other processes hits both alike.
bench/run.py imports `measure_decode`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from agentkit.llm.base import Message, Usage
from agentkit.llm.llama import LlamaModel

PROMPTS = [
    "List three things to pack for a weekend hiking trip.",
    "Explain in two sentences why the sky is blue.",
    "Suggest a name for a bakery and give one reason for it.",
]
# Bounded, like every schema agentkit sends: the grammar cost is measured, not a runaway.
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "answer": {"type": "string", "minLength": 1, "maxLength": 400},
        "items": {"type": "array", "items": {"type": "string", "maxLength": 80}, "maxItems": 5},
    },
    "required": ["answer", "items"],
    "additionalProperties": False,
}
TOOLS = {
    "calculator": {"expression": {"type": "string", "maxLength": 200}},
    "web_search": {"query": {"type": "string", "maxLength": 200}},
    "read_file": {"path": {"type": "string", "maxLength": 200}},
}


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


# The shape of agentkit's decision schema (agentkit/decision.py), written out here so the
# benchmark measures the decoder, not whatever the decision policy does this week.
DECISION_SCHEMA: dict[str, Any] = {
    "anyOf": [
        _obj(
            {
                "action": {"const": "call"},
                "calls": {
                    "type": "array",
                    "items": {
                        "anyOf": [
                            _obj({"tool": {"const": name}, "arguments": _obj(params)})
                            for name, params in TOOLS.items()
                        ]
                    },
                    "minItems": 1,
                    "maxItems": 1,
                },
            }
        ),
        _obj({"action": {"const": "final"}, "answer": {"type": "string", "maxLength": 300}}),
    ]
}
DECISION_PROMPT = [
    Message(
        role="system",
        content="You pick the next action as JSON. Tools: calculator(expression) evaluates "
        "arithmetic; web_search(query) finds pages; read_file(path) returns a file's text.\n"
        'Example. Goal: What is 17 + 25?\n{"action": "call", "calls": [{"tool": '
        '"calculator", "arguments": {"expression": "17 + 25"}}]}',
    ),
    Message(role="user", content="Goal: What is 1234 * 5678?"),
]


@dataclass
class DecodeRate:
    tokens: int
    seconds: float

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0


def _timed(model: LlamaModel, prompt: str, schema: dict[str, Any] | None, max_tokens: int) -> Usage:
    messages = [Message(role="user", content=prompt)]
    model.complete(messages, schema=schema, max_tokens=max_tokens)  # puts the prompt in cache
    return model.complete(messages, schema=schema, max_tokens=max_tokens).usage


def measure_decode(
    model: LlamaModel,
    *,
    max_tokens: int = 64,
    repeats: int = 2,
    prompts: list[str] = PROMPTS,
    ratios: list[float] | None = None,
) -> tuple[DecodeRate, DecodeRate]:
    """Raw tok/s and constrained tok/s over sampled tokens, alternated prompt by prompt;
    each pair's ratio (constrained over raw) is appended to `ratios` when given."""
    raw, constrained = DecodeRate(0, 0.0), DecodeRate(0, 0.0)
    for _ in range(repeats):
        for prompt in prompts:
            a = _timed(model, prompt, None, max_tokens)
            raw.tokens += a.completion_tokens
            raw.seconds += a.seconds
            b = _timed(model, prompt, SCHEMA, max_tokens)
            constrained.tokens += b.sampled_tokens
            constrained.seconds += b.seconds
            if ratios is not None and a.tokens_per_second:
                ratios.append(b.sampled_tokens_per_second / a.tokens_per_second)
    return raw, constrained


def _replay_unconstrained(model: LlamaModel, messages: list[Message], tokens: list[int]) -> float:
    """Seconds to decode `tokens` the unconstrained way: evaluate the prompt's new tail,
    then for each token read the logits, pick the best (the sampler's work), evaluate it."""
    import numpy as np

    llm = model._llm
    prompt = model.tokenize(model.render(messages)[0])
    started = time.perf_counter()
    cached = model._guided._reuse_prefix(prompt)
    pending = prompt[cached:]
    for token in tokens:
        llm.eval(pending)
        logits = np.ctypeslib.as_array(llm._ctx.get_logits_ith(-1), shape=(llm.n_vocab(),))
        int(np.argmax(logits))
        pending = [token]
    return time.perf_counter() - started


def measure_decision(model: LlamaModel, repeats: int) -> dict[str, Any]:
    """A decision call with fast-forward vs an unconstrained decode of the same tokens."""
    messages = list(DECISION_PROMPT)
    constrained, unconstrained = [], []
    usage = Usage()
    text = ""
    for _ in range(repeats + 1):  # the first round warms the cache and compiles the schema
        completion = model.complete(messages, schema=DECISION_SCHEMA, max_tokens=96)
        text, usage = completion.text, completion.usage
        tokens = model._llm.tokenize(text.encode(), add_bos=False, special=False)
        constrained.append(usage.seconds)
        unconstrained.append(_replay_unconstrained(model, messages, tokens))
    c, u = statistics.median(constrained[1:]), statistics.median(unconstrained[1:])
    return {
        "text": text,
        "constrained_seconds": round(c, 4),
        "unconstrained_same_text_seconds": round(u, 4),
        "speedup": round(u / c, 3) if c else None,
        "sampled_tokens": usage.sampled_tokens,
        "forced_tokens": usage.forced_tokens,
        "forced_share": round(usage.forced_share, 3),
    }


@contextmanager
def competitor(on: bool) -> Iterator[None]:
    """A CPU-bound process beside the measurement (or nothing)."""
    if not on:
        yield
        return
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    time.sleep(0.3)  # let it get scheduled
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


def _rates_with_threads(
    model: LlamaModel, decode_threads: int, batch_threads: int, decode_tokens: int
) -> tuple[float, float]:
    """(decode tok/s, prompt tok/s) with the given decode and batch (prompt) threads."""
    model._llm._ctx.set_n_threads(decode_threads, batch_threads)
    messages = [Message(role="user", content=PROMPTS[0])]
    model.complete(messages, max_tokens=2)
    decode = model.complete(messages, max_tokens=decode_tokens).usage
    long_prompt = " ".join(f"Note {i}: item {i} costs {i * 3} euros." for i in range(40))
    model.complete([Message(role="user", content="reset")], max_tokens=1)
    prompt = model.complete([Message(role="user", content=long_prompt)], max_tokens=1).usage
    evaluated = prompt.evaluated_prompt_tokens
    return decode.tokens_per_second, evaluated / prompt.seconds if prompt.seconds else 0.0


SPLITS = ((1, 1), (1, 2), (2, 2))  # (decode, batch) threads


def measure_threads(model: LlamaModel, repeats: int, decode_tokens: int) -> list[dict[str, Any]]:
    """Medians over `repeats` rounds of decode and prompt tok/s, per thread split and
    load; the rounds interleave every configuration so that drifting load hits all alike.
    The model's own per-call choice of prompt threads is held off meanwhile."""
    configs = [(busy, split) for busy in (False, True) for split in SPLITS]
    samples: dict[tuple[bool, tuple[int, int]], list[tuple[float, float]]] = {
        c: [] for c in configs
    }
    adaptive, model.threads = model.threads, model.threads.model_copy(update={"idle_batch": None})
    try:
        for _ in range(repeats):
            for busy in (False, True):
                with competitor(busy):
                    for d, b in SPLITS:
                        rates = _rates_with_threads(model, d, b, decode_tokens)
                        samples[busy, (d, b)].append(rates)
    finally:
        model.threads = adaptive
        model._llm._ctx.set_n_threads(model.threads.decode, model.threads.batch)
        model.batch_threads = model.threads.batch
    return [
        {
            "threads": f"{d}/{b}",
            "competitor": busy,
            "decode_tok_s": round(statistics.median(s[0] for s in samples[busy, (d, b)]), 1),
            "prompt_tok_s": round(statistics.median(s[1] for s in samples[busy, (d, b)]), 1),
        }
        for busy, (d, b) in configs
    ]


def measure_run(goal: str = "What is 1234 * 5678?") -> dict[str, Any]:
    """`agentkit run GOAL --json` in a fresh home: wall seconds and the model's share."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTKIT_")}
        env |= {"AGENTKIT_HOME": f"{tmp}/home", "AGENTKIT_CONFIG": f"{tmp}/none.toml"}
        argv = [sys.executable, "-m", "agentkit", "run", goal, "--json", "--quiet"]
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - started
    if done.returncode != 0:
        return {"failed": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}
    usage = json.loads(done.stdout)["usage"]
    return {
        "goal": goal,
        "process_wall_seconds": round(wall, 2),
        "run_wall_seconds": round(usage["wall_seconds"], 2),
        "model_seconds": round(usage["llm_seconds"], 2),
        "model_share_of_process": round(usage["llm_seconds"] / wall, 3),
        "model_calls": usage["model_calls"],
    }


def run(model_spec: str | None, *, quick: bool, skip_run: bool = False) -> dict[str, Any]:
    model = LlamaModel(model_spec)
    max_tokens, repeats = (16, 1) if quick else (48, 5)
    ratios: list[float] = []
    raw, constrained = measure_decode(model, max_tokens=max_tokens, repeats=repeats, ratios=ratios)
    ratio = constrained.tokens_per_second / raw.tokens_per_second if raw.seconds else 0.0
    return {
        "model": model.name,
        "threads_default": model.threads.model_dump(),
        "raw_tokens_per_second": round(raw.tokens_per_second, 1),
        "constrained_sampled_tokens_per_second": round(constrained.tokens_per_second, 1),
        "constrained_over_raw": round(ratio, 3),
        "constrained_over_raw_median_of_pairs": round(statistics.median(ratios), 3),
        "decision": measure_decision(model, repeats=1 if quick else 5),
        "threads": measure_threads(model, repeats=1 if quick else 3, decode_tokens=max_tokens),
        "run": {"skipped": "--skip-run"} if skip_run else measure_run(),
    }


def _print(r: dict[str, Any]) -> None:
    d = r["decision"]
    print(f"model {r['model']}  (default threads {r['threads_default']})")
    print(f"raw decode                      {r['raw_tokens_per_second']:>8.1f} tok/s")
    print(
        f"constrained, sampled tokens     {r['constrained_sampled_tokens_per_second']:>8.1f} tok/s"
    )
    print(f"constrained / raw               {r['constrained_over_raw']:>8.3f}")
    print(f"  median of per-pair ratios     {r['constrained_over_raw_median_of_pairs']:>8.3f}")
    print(f"decision call {d['text']}")
    print(f"  constrained (fast-forward)    {d['constrained_seconds']:>8.3f} s")
    print(f"  unconstrained, same text      {d['unconstrained_same_text_seconds']:>8.3f} s")
    print(f"  speed-up                      {d['speedup']:>8.3f}x")
    print(f"  forced tokens                 {d['forced_tokens']} of "
          f"{d['forced_tokens'] + d['sampled_tokens']} ({d['forced_share']:.0%})")  # fmt: skip
    print("threads (decode/batch)  competitor  decode tok/s  prompt tok/s")
    for row in r["threads"]:
        print(
            f"{row['threads']:>22}  {'yes' if row['competitor'] else 'no':>10}"
            f"  {row['decode_tok_s']:>12.1f}  {row['prompt_tok_s']:>12.1f}"
        )
    run_ = r["run"]
    if "process_wall_seconds" in run_:
        print(
            f"agentkit run {run_['goal']!r}: {run_['process_wall_seconds']} s wall, "
            f"{run_['model_seconds']} s in the model ({run_['model_share_of_process']:.0%}), "
            f"{run_['model_calls']} model calls"
        )
    else:
        print(f"agentkit run: {next(iter(run_.values()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="GGUF path or alias (default: bundled)")
    parser.add_argument("--quick", action="store_true", help="one short pass of everything (CI)")
    parser.add_argument("--skip-run", action="store_true", help="skip the agentkit run timing")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    result = run(args.model, quick=args.quick, skip_run=args.skip_run)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(result)


if __name__ == "__main__":
    main()
