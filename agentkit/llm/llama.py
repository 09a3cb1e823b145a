"""The llama.cpp implementation of `Model`, in-process through llama-cpp-python.

llama_cpp is imported lazily here so that `agentkit --help` never pays for it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from agentkit.errors import ContextOverflowError, EmptyOutputError, ModelFormatError
from agentkit.llm.base import Completion, JsonSchema, Message, Usage
from agentkit.llm.grammar import check_grammar, schema_to_gbnf
from agentkit.llm.guided import GuidedDecoder, Sampling
from agentkit.llm.resolve import resolve_model
from agentkit.llm.threads import CpuWatch, ThreadCounts, thread_counts

if TYPE_CHECKING:
    from agentkit.config import Settings

__all__ = [
    "Decoder",
    "LlamaModel",
    "ModelInfo",
    "gpu_offload_supported",
    "inspect_model",
    "load_llama",
]

Decoder = Literal["llguidance", "gbnf"]
log = logging.getLogger(__name__)
_gbnf_logged = False

# llama.cpp's general.file_type enum, for the quantisations people actually ship.
_FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
    10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
    16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 32: "BF16",
}  # fmt: skip


def gpu_offload_supported() -> bool:
    import llama_cpp

    return bool(llama_cpp.llama_supports_gpu_offload())


class ModelInfo(BaseModel):
    path: str
    size_bytes: int
    architecture: str
    name: str
    quantization: str
    context_length: int | None
    chat_template: bool
    gpu_offload_available: bool


def _cpu_has_amx() -> bool:
    try:
        return " amx_tile" in Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return False


def load_llama(path: Path, **kwargs: Any) -> Any:
    """`llama_cpp.Llama` for `path`, safe on AMX CPUs; load errors become ModelFormatError."""
    import llama_cpp.llama_cpp as native
    from llama_cpp import Llama

    # On AMX CPUs llama.cpp's extra (AMX/repacked) weight buffers segfault on any batch of
    # more than one token (seen with llama-cpp-python 0.3.36 in containers). Llama() does not
    # expose `use_extra_bufts`, so its default model params are swapped for this one load.
    defaults = native.llama_model_default_params

    def plain_buffers() -> Any:
        params = defaults()
        params.use_extra_bufts = False
        return params

    if _cpu_has_amx():
        native.llama_model_default_params = plain_buffers
    try:
        return Llama(model_path=str(path), verbose=False, **kwargs)
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelFormatError(
            f"llama.cpp could not load {path} ({exc}); the file is truncated, corrupt or "
            "of an unsupported architecture: download it again or pick another GGUF"
        ) from exc
    finally:
        native.llama_model_default_params = defaults


def _quantization(metadata: dict[str, str], path: Path) -> str:
    file_type = metadata.get("general.file_type")
    if file_type is not None and file_type.isdigit() and int(file_type) in _FILE_TYPES:
        return _FILE_TYPES[int(file_type)]
    for part in reversed(path.stem.replace("-", ".").split(".")):
        if part.upper().startswith(("Q", "F16", "BF16", "F32", "IQ")):
            return part.upper()
    return "unknown"


def read_metadata(path: Path) -> dict[str, str]:
    """A GGUF's metadata, loading only the vocabulary (no weights, no context)."""
    import llama_cpp
    from llama_cpp._internals import LlamaModel as _NativeModel

    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    try:
        native: Any = _NativeModel(path_model=str(path), params=params, verbose=False)
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelFormatError(
            f"llama.cpp could not read {path} ({exc}); the file is truncated or corrupt"
        ) from exc
    try:
        return dict(native.metadata())
    finally:
        native.close()


def inspect_model(spec: str | Path | None) -> ModelInfo:
    """Read a GGUF's metadata without loading its weights."""
    path = resolve_model(spec)
    meta = read_metadata(path)
    arch = meta.get("general.architecture", "unknown")
    ctx = meta.get(f"{arch}.context_length")
    return ModelInfo(
        path=str(path),
        size_bytes=path.stat().st_size,
        architecture=arch,
        name=meta.get("general.name", path.stem),
        quantization=_quantization(meta, path),
        context_length=int(ctx) if ctx and ctx.isdigit() else None,
        chat_template="tokenizer.chat_template" in meta,
        gpu_offload_available=gpu_offload_supported(),
    )


class LlamaModel:
    """A GGUF model loaded in-process. Consecutive prompts sharing a prefix reuse the KV cache."""

    def __init__(
        self,
        spec: str | Path | None = None,
        *,
        n_ctx: int = 4096,
        threads: int | None = None,
        gpu_layers: int | Literal["auto"] = "auto",
        temperature: float = 0.0,
        repeat_penalty: float = 1.1,
        seed: int = 0,
        decoder: Decoder = "llguidance",
    ) -> None:
        self.path = resolve_model(spec)
        if gpu_layers == "auto":
            gpu_layers = -1 if gpu_offload_supported() else 0
        self.gpu_layers = gpu_layers
        self.threads: ThreadCounts = thread_counts(threads)
        self._llm = load_llama(
            self.path,
            n_ctx=n_ctx,
            n_threads=self.threads.decode,
            n_threads_batch=self.threads.batch,
            n_gpu_layers=gpu_layers,
            seed=seed,
        )
        meta: dict[str, str] = dict(self._llm.metadata)
        self.name = meta.get("general.name", self.path.stem)
        self.temperature = temperature
        self.repeat_penalty = repeat_penalty
        self._formatter = self._chat_formatter(meta)
        self.seed = seed
        self.decoder: Decoder = decoder
        self._grammars: dict[str, Any] = {}  # GBNF, when decoder == "gbnf"
        self._guided = GuidedDecoder(self._llm)
        self._cpu = CpuWatch()
        self.batch_threads = self.threads.batch  # what the last prompt was evaluated with

    @classmethod
    def from_settings(cls, settings: Settings) -> LlamaModel:
        return cls(
            settings.model,
            n_ctx=settings.n_ctx,
            threads=settings.threads,
            gpu_layers=settings.gpu_layers,
            temperature=settings.temperature,
            repeat_penalty=settings.repeat_penalty,
            seed=settings.seed,
            decoder=settings.decoder,
        )

    @property
    def llama(self) -> Any:
        """The llama_cpp.Llama underneath, for what only its own API offers."""
        return self._llm

    @property
    def n_ctx(self) -> int:
        return int(self._llm.n_ctx())

    def _chat_formatter(self, meta: dict[str, str]) -> Any:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = meta.get("tokenizer.chat_template")
        if template is None:
            return None

        def token_text(key: str) -> str:
            token_id = meta.get(key)
            if token_id is None or not token_id.isdigit():
                return ""
            return str(self._llm._model.token_get_text(int(token_id)))

        return Jinja2ChatFormatter(
            template=template,
            eos_token=token_text("tokenizer.ggml.eos_token_id"),
            bos_token=token_text("tokenizer.ggml.bos_token_id"),
            add_generation_prompt=True,
        )

    def render(self, messages: Sequence[Message]) -> tuple[str, list[str]]:
        """The prompt text the GGUF's own chat template makes of `messages`, and its stops."""
        payload = [m.model_dump() for m in messages]
        if self._formatter is None:  # no template in the file: a plain transcript
            text = "".join(f"{m.role}: {m.content}\n" for m in messages) + "assistant: "
            return text, ["\nuser:"]
        result = self._formatter(messages=payload)
        stop = (
            result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        )
        return str(result.prompt), [s for s in stop if s]

    def tokenize(self, text: str) -> list[int]:
        tokens: list[int] = self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)
        return tokens

    def grammar(self, schema: JsonSchema) -> Any:
        """The compiled, cached grammar for `schema` under the active decoder (an llguidance
        matcher or a llama.cpp GBNF grammar); SchemaError if it cannot be built."""
        if self.decoder == "llguidance":
            return self._guided.matcher(schema)
        return self._gbnf(schema)

    def _gbnf(self, schema: JsonSchema) -> Any:
        """llama.cpp's GBNF grammar for `schema`: the explicit `decoder = "gbnf"` path."""
        from llama_cpp.llama_grammar import LlamaGrammar

        global _gbnf_logged
        if not _gbnf_logged:
            _gbnf_logged = True
            log.warning(
                "decoder = gbnf: structured output uses llama.cpp's GBNF grammar sampler "
                '(slower than llguidance); set decoder = "llguidance" to switch back'
            )
        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            text = schema_to_gbnf(schema)
            check_grammar(text, self._llm._model.vocab)
            self._grammars[key] = LlamaGrammar.from_string(text, verbose=False)
        return self._grammars[key]

    def cached_prefix(self, tokens: list[int]) -> int:
        """How many leading prompt tokens are already in the KV cache."""
        llm = self._llm
        held = llm._input_ids[: llm.n_tokens].tolist()
        n = 0
        for a, b in zip(held, tokens, strict=False):
            if a != b:
                break
            n += 1
        return min(n, len(tokens) - 1)  # llama.cpp always re-evaluates the last token

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: JsonSchema | None = None,
        max_tokens: int = 256,
        repeat_penalty: float | None = None,
    ) -> Completion:
        prompt, stop = self.render(messages)
        tokens = self.tokenize(prompt)
        room = self.n_ctx - len(tokens)
        if room < 8:
            raise ContextOverflowError(
                f"prompt is {len(tokens)} tokens but the context window is {self.n_ctx}; "
                "raise --n-ctx (AGENTKIT_N_CTX) or shorten the goal/history"
            )
        penalty = self.repeat_penalty if repeat_penalty is None else repeat_penalty
        budget = min(max_tokens, room)
        self._pick_batch_threads()
        if schema is not None and self.decoder == "llguidance":
            return self._complete_guided(tokens, schema, budget, penalty)
        grammar = self._gbnf(schema) if schema is not None else None
        cached = self.cached_prefix(tokens)
        started = time.perf_counter()
        result = self._llm.create_completion(
            prompt=tokens,
            max_tokens=budget,
            temperature=self.temperature,
            repeat_penalty=penalty,
            grammar=grammar,
            stop=stop,
        )
        seconds = time.perf_counter() - started
        text = str(result["choices"][0]["text"])
        self._check_not_empty(text)
        produced = int(result["usage"]["completion_tokens"])
        usage = Usage(
            prompt_tokens=len(tokens),
            cached_prompt_tokens=cached,
            completion_tokens=produced,
            sampled_tokens=produced,
            seconds=seconds,
            calls=1,
        )
        return Completion(text=text, usage=usage)

    def _pick_batch_threads(self) -> None:
        """Every core for this prompt if nothing else kept the CPU busy (ThreadCounts)."""
        if self.threads.idle_batch is None:  # a threads setting: fixed, nothing to look at
            return
        batch = self.threads.batch_for(self._cpu.others_busy())
        if batch != self.batch_threads:
            self._llm._ctx.set_n_threads(self.threads.decode, batch)
            self.batch_threads = batch
            log.debug("prompt evaluation now on %d threads", batch)

    def _complete_guided(
        self, tokens: list[int], schema: JsonSchema, budget: int, penalty: float
    ) -> Completion:
        sampling = Sampling(temperature=self.temperature, repeat_penalty=penalty, seed=self.seed)
        started = time.perf_counter()
        result = self._guided.decode(tokens, schema, budget, sampling)
        text = self._llm.detokenize(result.tokens).decode("utf-8", errors="replace")
        seconds = time.perf_counter() - started
        self._check_not_empty(text)
        usage = Usage(
            prompt_tokens=len(tokens),
            cached_prompt_tokens=result.cached_prompt_tokens,
            completion_tokens=len(result.tokens),
            sampled_tokens=result.sampled,
            forced_tokens=result.forced,
            resampled_tokens=result.resampled,
            seconds=seconds,
            calls=1,
        )
        return Completion(text=text, usage=usage)

    def _check_not_empty(self, text: str) -> None:
        if not text.strip():
            raise EmptyOutputError(
                f"{self.name} produced no output; try a larger model with --model or a higher "
                "temperature"
            )
