"""Options shared by several commands, and turning flags into `Settings`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:  # agentkit.config builds pydantic models: not for `agentkit --help`
    from agentkit.config import ResolvedSettings

__all__ = [
    "GpuLayersOpt",
    "JsonOpt",
    "MemoryUrlOpt",
    "ModelOpt",
    "NCtxOpt",
    "RemoteModelOpt",
    "WorkspaceOpt",
    "YesOpt",
    "resolve",
]

ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help="GGUF path or alias (default: bundled SmolLM2-135M), or openai:URL for a server.",
    ),
]
RemoteModelOpt = Annotated[
    str | None,
    typer.Option("--remote-model", help="Model name to ask an openai:URL server for."),
]
MemoryUrlOpt = Annotated[
    str | None,
    typer.Option("--memory-url", help="Chroma server (http://HOST:PORT) instead of a directory."),
]
NCtxOpt = Annotated[int | None, typer.Option("--n-ctx", help="Context window in tokens.")]
GpuLayersOpt = Annotated[
    str | None,
    typer.Option("--gpu-layers", help="Layers to offload to the GPU, or 'auto'."),
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
    from agentkit.config import load_settings

    return load_settings(cli)
