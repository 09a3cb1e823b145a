"""Options shared by several commands, and turning flags into `Settings`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from agentkit.config import ResolvedSettings, load_settings

__all__ = [
    "GpuLayersOpt",
    "JsonOpt",
    "ModelOpt",
    "NCtxOpt",
    "ThreadsOpt",
    "WorkspaceOpt",
    "YesOpt",
    "resolve",
]

ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help="GGUF path or alias (default: bundled SmolLM2-135M)."),
]
NCtxOpt = Annotated[int | None, typer.Option("--n-ctx", help="Context window in tokens.")]
GpuLayersOpt = Annotated[
    str | None,
    typer.Option("--gpu-layers", help="Layers to offload to the GPU, or 'auto'."),
]
ThreadsOpt = Annotated[
    int | None,
    typer.Option(
        "--threads", min=1, help="CPU threads for the model and embedder (default: cores - 1)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
YesOpt = Annotated[
    bool | None, typer.Option("--yes", "-y", help="Approve write/execute tools without asking.")
]
WorkspaceOpt = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="Directory that file and shell tools are confined to."),
]


def resolve(**cli: Any) -> ResolvedSettings:
    """Effective settings for flags given on the command line (None means not given)."""
    return load_settings(cli)
