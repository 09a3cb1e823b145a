"""Decode speed raw vs grammar-constrained, and KV-cache reuse across calls sharing a prefix.

    python bench/llm_throughput.py [--model GGUF] [--max-tokens 64] [--json]

Decode speed is measured on a prompt that is already in the KV cache (the same call is
made twice and the second is timed), so both figures are generation only, not prompt
evaluation. bench/run.py imports `measure_decode` and `measure_prefix_reuse`.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
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
        "items": {
            "type": "array",
            "items": {"type": "string", "maxLength": 80},
            "maxItems": 5,
        },
    },
    "required": ["answer", "items"],
    "additionalProperties": False,
}
SYSTEM = (
    "You are a planning assistant for a local task runner. You receive a goal, the tools "
    "available and the history of earlier steps. Tools: web_search(query) finds pages; "
    "read_file(path) returns a file's text; write_file(path, text) saves text; "
    "calculator(expression) evaluates arithmetic; http_get(url) fetches a URL; "
    "shell(command) runs a command in the workspace. Always pick the single most useful "
    "next action, cite the observations you rely on, and keep answers short and factual. "
) * 3  # a realistically long, stable prefix


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
    model: LlamaModel, *, max_tokens: int = 64, repeats: int = 2, prompts: list[str] = PROMPTS
) -> tuple[DecodeRate, DecodeRate]:
    """Raw and grammar decode rates, alternated prompt by prompt so load drifts hit both."""
    raw, constrained = DecodeRate(0, 0.0), DecodeRate(0, 0.0)
    for _ in range(repeats):
        for prompt in prompts:
            for rate, schema in ((raw, None), (constrained, SCHEMA)):
                usage = _timed(model, prompt, schema, max_tokens)
                rate.tokens += usage.completion_tokens
                rate.seconds += usage.seconds
    return raw, constrained


@dataclass
class PrefixReuse:
    prompt_tokens: int  # of the second call
    cached_prompt_tokens: int
    evaluated_prompt_tokens: int
    first_call_seconds: float
    second_call_seconds: float


def measure_prefix_reuse(model: LlamaModel) -> PrefixReuse:
    """Two calls sharing a long system prefix: the second evaluates only its new suffix."""
    model.complete([Message(role="user", content="Reset the cache.")], max_tokens=1)
    first = model.complete(
        [Message(role="system", content=SYSTEM), Message(role="user", content=PROMPTS[0])],
        max_tokens=8,
    ).usage
    second = model.complete(
        [Message(role="system", content=SYSTEM), Message(role="user", content=PROMPTS[1])],
        max_tokens=8,
    ).usage
    return PrefixReuse(
        prompt_tokens=second.prompt_tokens,
        cached_prompt_tokens=second.cached_prompt_tokens,
        evaluated_prompt_tokens=second.evaluated_prompt_tokens,
        first_call_seconds=round(first.seconds, 3),
        second_call_seconds=round(second.seconds, 3),
    )


def run(model_spec: str | None = None, max_tokens: int = 32, repeats: int = 1) -> dict[str, Any]:
    model = LlamaModel(model_spec)
    raw, constrained = measure_decode(model, max_tokens=max_tokens, repeats=repeats)
    return {
        "model": model.name,
        "raw_tokens_per_second": round(raw.tokens_per_second, 1),
        "grammar_tokens_per_second": round(constrained.tokens_per_second, 1),
        "grammar_over_raw": round(constrained.tokens_per_second / raw.tokens_per_second, 3),
        "raw_tokens": raw.tokens,
        "grammar_tokens": constrained.tokens,
        "prefix_reuse": asdict(measure_prefix_reuse(model)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="GGUF path or alias (default: bundled)")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    result = run(args.model, args.max_tokens, args.repeats)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    reuse = result["prefix_reuse"]
    print(f"model {result['model']}")
    print(f"raw decode      {result['raw_tokens_per_second']:>7.1f} tok/s")
    print(f"grammar decode  {result['grammar_tokens_per_second']:>7.1f} tok/s")
    print(f"grammar / raw   {result['grammar_over_raw']:>7.3f}")
    print(
        f"second call sharing a prefix: {reuse['prompt_tokens']} prompt tokens, "
        f"{reuse['cached_prompt_tokens']} from cache, {reuse['evaluated_prompt_tokens']} evaluated"
    )


if __name__ == "__main__":
    main()
