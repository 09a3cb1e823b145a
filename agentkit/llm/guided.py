"""Schema-constrained decoding over llama.cpp with an llguidance matcher.

Why our own loop: llama-cpp-python's sampler chain runs llama.cpp's GBNF grammar over
the whole vocabulary on every token (5-8 ms a token on two cores). Here each step is

1. evaluate the pending tokens (the prompt's new tail, or the last sampled token plus
   the tokens the grammar forces after it) in one llama.cpp batch;
2. sample from the raw logits (greedy, or temperature after a repeat penalty);
3. check only that token against the matcher (about a microsecond); only when it is
   rejected, compute the full token mask, apply it and sample again;
4. ask the matcher which tokens are now forced (JSON keys, braces, the rest of an
   unambiguous enum value) and queue them for step 1 instead of sampling them.

The KV cache is llama-cpp-python's own (`Llama.eval`, `input_ids`, `n_tokens`), so a
later call, constrained or not, reuses the prefix this one left behind. Nothing here
ever emits unconstrained output: a token the matcher refuses is never kept.
"""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentkit.errors import SchemaError
from agentkit.llm.base import JsonSchema

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from llguidance import LLMatcher, LLTokenizer
    from llguidance._lib import JsonCompileOptions

__all__ = ["DecodeResult", "GuidedDecoder", "Sampling"]

log = logging.getLogger(__name__)

MAX_RUN = 16  # the same token this many times in a row is a loop (see _stutters)

# json.dumps' own separators: the prompts' examples and history are written that way, so
# the model sees (and the grammar forces) one spelling, and the spaces are fast-forwarded.
# lenient: a keyword llguidance does not implement (an unknown `format` such as pydantic's
# "path", `uniqueItems`) is left to the validation every structured reply goes through
# afterwards; JSON Schema itself makes `format` an annotation unless asked otherwise.
_JSON_OPTIONS: JsonCompileOptions = {
    "whitespace_flexible": False,
    "item_separator": ", ",
    "key_separator": ": ",
    "lenient": True,
}


def _one_line(message: str) -> str:
    return " ".join(message.split())[:300]


@dataclass(frozen=True)
class Sampling:
    """How a token is drawn from the logits; llama.cpp's defaults where it has one."""

    temperature: float = 0.0  # 0 = greedy
    repeat_penalty: float = 1.0  # 1 = none
    penalty_last_n: int = 64  # how many recent completion tokens the penalty looks at
    top_k: int = 40
    top_p: float = 0.95
    seed: int = 0


@dataclass
class DecodeResult:
    tokens: list[int] = field(default_factory=list)  # the completion, end-of-text excluded
    sampled: int = 0  # tokens the model chose
    forced: int = 0  # tokens the grammar fixed, appended without sampling
    resampled: int = 0  # drawn again: the matcher rejected it, or it came MAX_RUN times
    cached_prompt_tokens: int = 0
    accepted: bool = False  # the matcher reached an accepting state


class GuidedDecoder:
    """One per loaded model: its llguidance tokenizer and a compiled matcher per schema."""

    def __init__(self, llm: Any) -> None:
        self._llm = llm
        self._tokenizer: LLTokenizer | None = None
        self._matchers: dict[str, LLMatcher] = {}
        self._mask: npt.NDArray[np.int32] | None = None
        self._view: npt.NDArray[np.float32] | None = None
        self._view_address: int | None = None

    def tokenizer(self) -> LLTokenizer:
        """Built on first use (it walks the whole vocabulary, a fraction of a second)."""
        if self._tokenizer is None:
            from llguidance.llamacpp import lltokenizer_from_vocab

            # It calls llama_token_get_attr, deprecated in llama-cpp-python, once per entry.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                self._tokenizer = lltokenizer_from_vocab(self._llm._model.vocab)
        return self._tokenizer

    def matcher(self, schema: JsonSchema) -> LLMatcher:
        """The compiled matcher for `schema`, reset; SchemaError if llguidance rejects it."""
        from llguidance import LLMatcher

        key = json.dumps(schema, sort_keys=True)
        matcher = self._matchers.get(key)
        if matcher is None:
            try:
                grammar = LLMatcher.grammar_from_json_schema(schema, defaults=_JSON_OPTIONS)
            except ValueError as exc:
                raise SchemaError(f"llguidance cannot compile this schema: {exc}") from exc
            matcher = LLMatcher(self.tokenizer(), grammar, log_level=0)
            if matcher.is_error():
                problem = _one_line(matcher.get_error())
                raise SchemaError(
                    f"llguidance cannot compile this schema ({problem}); simplify it, or set "
                    'decoder = "gbnf" to try llama.cpp\'s grammar instead'
                )
            for warning in matcher.get_grammar_warnings():
                log.debug("schema keyword left to validation: %s", warning)
            self._matchers[key] = matcher
        matcher.reset()
        return matcher

    def decode(
        self, prompt: list[int], schema: JsonSchema, max_tokens: int, sampling: Sampling
    ) -> DecodeResult:
        """Generate up to `max_tokens` completion tokens (sampled + forced) after `prompt`."""
        import numpy as np

        llm = self._llm
        matcher = self.matcher(schema)
        eos = self.tokenizer().eos_token
        rng = np.random.default_rng(sampling.seed)
        n_vocab = llm.n_vocab()
        result = DecodeResult(cached_prompt_tokens=self._reuse_prefix(prompt))
        forced = matcher.compute_ff_tokens()[:max_tokens]
        matcher.consume_tokens(forced)
        result.forced += len(forced)
        result.tokens += forced
        pending = prompt[result.cached_prompt_tokens :] + forced
        while not matcher.is_stopped() and len(result.tokens) < max_tokens:
            llm.eval(pending)
            logits = self._penalize(self._logits(n_vocab), result.tokens, sampling)
            token = _draw(logits, sampling, rng)
            if _stutters(result.tokens, token):
                token = self._unstick(matcher, logits, token, sampling, rng)
                result.resampled += 1
            elif matcher.try_consume_tokens([token]) != 1:
                result.resampled += 1
                token = _draw(self._masked(matcher, logits), sampling, rng)
                if not matcher.consume_token(token):
                    raise SchemaError(f"the grammar refused its own mask: {matcher.get_error()}")
            result.sampled += 1
            if token == eos:
                break
            room = max_tokens - len(result.tokens) - 1
            forced = matcher.compute_ff_tokens()[:room] if room > 0 else []
            matcher.consume_tokens(forced)
            result.forced += len(forced)
            result.tokens += [token, *forced]
            pending = [token, *forced]
        result.accepted = matcher.is_accepting()
        return result

    def _unstick(
        self,
        matcher: LLMatcher,
        logits: npt.NDArray[np.float32],
        token: int,
        sampling: Sampling,
        rng: np.random.Generator,
    ) -> int:
        """The best other token the grammar allows (the stuck one if it is the only one),
        consumed by the matcher."""
        import numpy as np

        logits[token] = -np.inf  # llama.cpp's buffer, rewritten by the next evaluation
        masked = self._masked(matcher, logits)
        if np.isfinite(masked.max()):
            token = _draw(masked, sampling, rng)
        if not matcher.consume_token(token):
            raise SchemaError(f"the grammar refused its own mask: {matcher.get_error()}")
        return token

    def _logits(self, n_vocab: int) -> npt.NDArray[np.float32]:
        """The last evaluated position's logits, a view of llama.cpp's output buffer (the
        view is kept while the buffer stays put: making one costs more than the check)."""
        import ctypes

        import numpy as np

        pointer = self._llm._ctx.get_logits_ith(-1)
        address = ctypes.cast(pointer, ctypes.c_void_p).value
        if self._view is None or address != self._view_address or self._view.size != n_vocab:
            self._view = np.ctypeslib.as_array(pointer, shape=(n_vocab,))
            self._view_address = address
        return self._view

    def _reuse_prefix(self, prompt: list[int]) -> int:
        """Keep the KV cache's common prefix with `prompt` (never all of it: the last
        prompt token is evaluated again for fresh logits)."""
        llm = self._llm
        held = llm.input_ids[: llm.n_tokens]
        n = 0
        for a, b in zip(held.tolist(), prompt, strict=False):
            if a != b:
                break
            n += 1
        n = min(n, len(prompt) - 1)
        llm.n_tokens = n  # Llama.eval drops the KV cells from n_tokens on before decoding
        return n

    @staticmethod
    def _penalize(
        logits: npt.NDArray[np.float32], history: list[int], sampling: Sampling
    ) -> npt.NDArray[np.float32]:
        """llama.cpp's repeat penalty over the recent completion tokens, in place: `logits`
        is llama.cpp's output buffer, rewritten by the next evaluation anyway."""
        if sampling.repeat_penalty == 1.0 or not sampling.penalty_last_n:
            return logits
        penalty = sampling.repeat_penalty
        for token in set(history[-sampling.penalty_last_n :]):
            value = logits[token]
            logits[token] = value / penalty if value > 0 else value * penalty
        return logits

    def _masked(
        self, matcher: LLMatcher, logits: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32]:
        """`logits` with every token the matcher forbids now set to -inf."""
        import numpy as np
        from llguidance.numpy import allocate_token_bitmask, fill_next_token_bitmask

        n_vocab = logits.shape[0]
        if self._mask is None:
            self._mask = allocate_token_bitmask(1, self.tokenizer().vocab_size)
        fill_next_token_bitmask(matcher, self._mask)
        allowed = np.unpackbits(self._mask.view(np.uint8), bitorder="little")[:n_vocab]
        if not allowed.any():
            raise SchemaError(f"the grammar allows no next token: {matcher.get_error()}")
        return np.where(allowed.astype(bool), logits, np.float32(-np.inf))


def _stutters(tokens: list[int], token: int) -> bool:
    """`token` would make MAX_RUN of the same token in a row. A JSON number has no length
    bound, and greedy decoding can loop in one forever (BFCL irrelevance_4: `-2.57694308`
    then 8s up to the token budget, so the call never closed); a string can loop the same
    way below its maxLength. Nothing a tool needs is the same token sixteen times over."""
    return len(tokens) >= MAX_RUN and all(t == token for t in tokens[-MAX_RUN:])


def _draw(logits: npt.NDArray[np.float32], sampling: Sampling, rng: np.random.Generator) -> int:
    """Greedy at temperature 0; otherwise top-k, top-p, then a draw at the temperature."""
    import numpy as np

    if sampling.temperature <= 0.0:
        return int(logits.argmax())
    k = min(sampling.top_k, logits.shape[0]) if sampling.top_k > 0 else logits.shape[0]
    top = np.argpartition(logits, -k)[-k:]
    top = top[np.argsort(logits[top])[::-1]]
    top = top[np.isfinite(logits[top])]
    scaled = logits[top].astype(np.float64) / sampling.temperature
    probs = np.exp(scaled - scaled.max())
    probs /= probs.sum()
    keep = int(np.searchsorted(np.cumsum(probs), sampling.top_p) + 1)
    probs = probs[:keep] / probs[:keep].sum()
    return int(top[rng.choice(len(probs), p=probs)])
