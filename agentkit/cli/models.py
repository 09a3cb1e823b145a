"""`agentkit models`: what model would run, and can it use the GPU."""

from __future__ import annotations

import json

import typer

from agentkit.cli.common import JsonOpt, ModelOpt, resolve

__all__ = ["models"]


def models(model: ModelOpt = None, as_json: JsonOpt = False) -> None:
    """Show the active model: path, size, quantisation, context length, chat template, GPU."""
    from agentkit.llm.llama import inspect_model

    settings = resolve(model=model).settings
    info = inspect_model(settings.model)
    if as_json:
        typer.echo(json.dumps(info.model_dump(), indent=2))
        return
    rows = [
        ("model", info.name),
        ("path", info.path),
        ("size", f"{info.size_bytes / 1e6:.1f} MB"),
        ("architecture", info.architecture),
        ("quantization", info.quantization),
        ("context length", str(info.context_length or "unknown")),
        ("chat template", "found" if info.chat_template else "missing (plain transcript)"),
        ("gpu offload", "available" if info.gpu_offload_available else "not available (CPU build)"),
    ]
    for key, value in rows:
        typer.echo(f"{key:<15} {value}")
