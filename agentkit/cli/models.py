"""`agentkit models`: what model would run, and can it use the GPU."""

from __future__ import annotations

import json

import typer

from agentkit.cli.common import JsonOpt, ModelOpt, ThreadsOpt, resolve

__all__ = ["models"]


def models(model: ModelOpt = None, threads: ThreadsOpt = None, as_json: JsonOpt = False) -> None:
    """Show the active model: path, size, quantisation, context length, chat template, GPU,
    threads and decoder."""
    from agentkit.llm.llama import inspect_model
    from agentkit.llm.threads import describe_threads, thread_counts

    settings = resolve(model=model, threads=threads).settings
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
