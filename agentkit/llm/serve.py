"""Serve a GGUF over the OpenAI HTTP API with llama-cpp-python's server (its `server` extra).

    python -m agentkit.llm.serve --model PATH --port 8080      # binds 127.0.0.1 by default

It is `python -m llama_cpp.server` with four differences:

- the host defaults to 127.0.0.1;
- on CPUs with AMX the model loads without llama.cpp's extra weight buffers, which
  crash on any batch of more than one token (see `llama.load_llama`);
- its prompt cache is on (`--cache true`, in RAM, `--cache_size` 512 MiB, every byte
  of a state counted) unless `--cache` is given. Without it the server keeps only the
  KV cache of the *last* request, so one short request between two long ones that
  share a prefix throws that prefix away; with it, the state after each request is
  kept and the one sharing the longest prefix restored;
- replies report the prompt tokens it did not evaluate again, in OpenAI's
  `usage.prompt_tokens_details.cached_tokens` (llama-cpp-python itself reports none,
  only a log line per request), so clients can count the reuse.
"""

from __future__ import annotations

import sys
from typing import Any, NotRequired

# pydantic (the server's response models) takes only typing_extensions' TypedDict on 3.11.
from typing_extensions import TypedDict

__all__ = ["CACHE_BYTES", "CompletionUsage", "main", "server_args"]

CACHE_BYTES = 512 << 20  # about 20 states of a 1,500-token prompt on the bundled model


class PromptTokensDetails(TypedDict):
    cached_tokens: int


class CompletionUsage(TypedDict):
    """llama-cpp-python's `usage`, plus OpenAI's optional count of cached prompt tokens."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: NotRequired[PromptTokensDetails]


def _plain_buffers() -> None:
    import llama_cpp.llama_cpp as native

    from agentkit.llm.llama import _cpu_has_amx

    if not _cpu_has_amx():
        return
    defaults = native.llama_model_default_params

    def plain() -> Any:
        params = defaults()
        params.use_extra_bufts = False
        return params

    native.llama_model_default_params = plain


def _report_cached_tokens() -> None:
    """Count each chat completion's reused prompt tokens and put them in its `usage`.

    `Llama.generate` trims the KV cache to the prompt's longest common prefix (after
    restoring a prompt-cache state, if one matches longer) and then evaluates the rest
    in its first `eval` call: the number of tokens held at that moment is the reuse,
    the same number its "N prefix-match hit" log line shows. The reply type's `usage`
    gains an optional `prompt_tokens_details`, or the server's response model would
    drop the field. Must run before `llama_cpp.server.app` is imported.
    """
    import llama_cpp.llama_types as types
    from llama_cpp.llama import Llama

    types.CreateChatCompletionResponse.__annotations__["usage"] = CompletionUsage

    generate, evaluate, chat = Llama.generate, Llama.eval, Llama.create_chat_completion

    # `self` is a llama_cpp.Llama; Any, since the counters are attributes of our own.
    def counting_generate(self: Any, *args: Any, **kwargs: Any) -> Any:
        self._agentkit_counting = True
        return generate(self, *args, **kwargs)

    def counting_eval(self: Any, tokens: Any) -> None:
        if getattr(self, "_agentkit_counting", False):
            self._agentkit_counting = False
            self._agentkit_cached += self.n_tokens
        evaluate(self, tokens)

    def reporting_chat(self: Any, *args: Any, **kwargs: Any) -> Any:
        self._agentkit_cached = 0
        reply = chat(self, *args, **kwargs)
        usage: Any = reply.get("usage") if isinstance(reply, dict) else None  # not a stream
        if isinstance(usage, dict):
            cached = min(self._agentkit_cached, int(usage.get("prompt_tokens", 0)))
            usage["prompt_tokens_details"] = {"cached_tokens": cached}
        return reply

    Llama.generate = counting_generate  # type: ignore[method-assign]
    Llama.eval = counting_eval  # type: ignore[method-assign]
    Llama.create_chat_completion = reporting_chat  # type: ignore[method-assign]


def _lean_prompt_cache() -> None:
    """Keep the prompt cache's states small, and its size cap honest.

    A saved state holds a copy of the logits of every evaluated token (up to n_batch
    rows of n_vocab floats: 100 MB on the bundled model) besides the KV cache, and
    `LlamaRAMCache` counts only the KV part against `--cache_size`: twenty states took
    3.6 GB. Unless the server keeps all logits (`--logits_all`, for logprobs), sampling
    never reads the stored ones, so one row is kept (restoring broadcasts it), and the
    cap counts every byte a state holds.
    """
    from llama_cpp.llama import Llama
    from llama_cpp.llama_cache import LlamaRAMCache

    save = Llama.save_state

    def lean_save(self: Any) -> Any:
        state = save(self)
        if not self._logits_all and len(state.scores) > 1:
            state.scores = state.scores[-1:].copy()
        return state

    def honest_size(self: Any) -> int:
        return sum(
            s.llama_state_size + s.scores.nbytes + s.input_ids.nbytes
            for s in self.cache_state.values()
        )

    Llama.save_state = lean_save  # type: ignore[method-assign]
    LlamaRAMCache.cache_size = property(honest_size)  # type: ignore[method-assign,assignment]


def _given(args: list[str], flag: str) -> bool:
    return any(a == flag or a.startswith(flag + "=") for a in args)


def server_args(args: list[str]) -> list[str]:
    """`args` with agentkit's defaults for what they leave out."""
    args = list(args)
    if not _given(args, "--host"):
        args += ["--host", "127.0.0.1"]
    if not _given(args, "--cache"):
        args += ["--cache", "true", "--cache_type", "ram"]
        if not _given(args, "--cache_size"):
            args += ["--cache_size", str(CACHE_BYTES)]
    if not _given(args, "--model"):
        from agentkit.llm.resolve import bundled_model_path

        args += ["--model", str(bundled_model_path())]
    return args


def main(argv: list[str] | None = None) -> None:
    args = server_args(list(sys.argv[1:] if argv is None else argv))
    _report_cached_tokens()  # before the app module builds its response models
    _lean_prompt_cache()
    try:
        from llama_cpp.server.__main__ import main as serve
    except ImportError as exc:
        sys.exit(
            f"error: llama-cpp-python's server extra is missing ({exc.name}); "
            "run `pip install 'agentkit[server]'`"
        )
    _plain_buffers()
    sys.argv = ["llama_cpp.server", *args]
    serve()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()
