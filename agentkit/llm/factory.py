"""Building the configured model: a GGUF through llama.cpp, or a scripted test model."""

from __future__ import annotations

from pathlib import Path

from agentkit.config import Settings
from agentkit.llm.base import Model

__all__ = ["SCRIPTED_PREFIX", "load_model"]

SCRIPTED_PREFIX = "scripted:"


def load_model(settings: Settings) -> Model:
    spec = settings.model
    if spec is not None and spec.startswith(SCRIPTED_PREFIX):
        from agentkit.testing import load_script

        return load_script(Path(spec.removeprefix(SCRIPTED_PREFIX)))
    from agentkit.testing import check_model_load

    check_model_load(spec)  # tests can forbid real models (ALLOW_MODEL_LOADS)
    from agentkit.llm.llama import LlamaModel

    return LlamaModel.from_settings(settings)
