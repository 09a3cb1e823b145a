"""Building the configured model: a GGUF through llama.cpp, a server speaking the OpenAI
API (`openai:URL`), or a scripted test model."""

from __future__ import annotations

from pathlib import Path

from agentkit.config import Settings
from agentkit.llm.base import Model

__all__ = ["OPENAI_PREFIX", "SCRIPTED_PREFIX", "is_remote", "load_model"]

SCRIPTED_PREFIX = "scripted:"
OPENAI_PREFIX = "openai:"  # the same as agentkit.llm.openai_compat's, without importing httpx


def is_remote(spec: str | None) -> bool:
    """Whether --model names a server (openai:URL) rather than a GGUF file."""
    return spec is not None and spec.startswith(OPENAI_PREFIX)


def load_model(settings: Settings) -> Model:
    spec = settings.model
    if spec is not None and spec.startswith(SCRIPTED_PREFIX):
        from agentkit.testing import load_script

        return load_script(Path(spec.removeprefix(SCRIPTED_PREFIX)))
    if is_remote(spec):
        from agentkit.llm.openai_compat import OpenAICompatModel

        return OpenAICompatModel.from_settings(settings)
    from agentkit.testing import check_model_load

    check_model_load(spec)  # tests can forbid real models (ALLOW_MODEL_LOADS)
    from agentkit.llm.llama import LlamaModel

    return LlamaModel.from_settings(settings)
