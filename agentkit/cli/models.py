"""`agentkit models`: what model would run, and can it use the GPU."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from agentkit.cli.common import JsonOpt, ModelOpt, ThreadsOpt, resolve

if TYPE_CHECKING:
    from agentkit.config import Settings

__all__ = ["models"]


def models(model: ModelOpt = None, threads: ThreadsOpt = None, as_json: JsonOpt = False) -> None:
    """Show the active model: path, size, quantisation, context length, chat template, GPU.

    Also the threads and the decoder it would run with."""
    from agentkit.llm.factory import is_remote
    from agentkit.llm.llama import inspect_model
    from agentkit.llm.threads import describe_threads, thread_counts

    settings = resolve(model=model, threads=threads).settings
    if is_remote(settings.model):
        _remote(settings, as_json)
        return
    info = inspect_model(settings.model)
    counts = thread_counts(settings.threads)
    if as_json:
        payload = {**info.model_dump(), "threads": counts.model_dump()}
        typer.echo(json.dumps({**payload, "decoder": settings.decoder}, indent=2))
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
        ("threads", describe_threads(counts)),
        ("decoder", settings.decoder),
    ]
    for key, value in rows:
        typer.echo(f"{key:<15} {value}")


def _remote(settings: Settings, as_json: bool) -> None:
    """A model on a server: where, which, and how the server constrains output."""
    from agentkit.llm.openai_compat import OpenAICompatModel

    remote = OpenAICompatModel.from_settings(settings)
    info = {"model": remote.name, "server": remote.url, "remote_model": remote.remote_model,
            "structured_output": remote.probe()}  # fmt: skip
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    for key, value in info.items():
        typer.echo(f"{key.replace('_', ' '):<17} {value}")
