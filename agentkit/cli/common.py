"""Options shared by several commands, and turning flags into `Settings`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentkit.errors import ConfigError

if TYPE_CHECKING:  # agentkit.config builds pydantic models: not for `agentkit --help`
    from agentkit.config import ResolvedSettings

__all__ = [
    "GpuLayersOpt",
    "JsonOpt",
    "MemoryUrlOpt",
    "ModelOpt",
    "NCtxOpt",
    "RemoteModelOpt",
    "ThreadsOpt",
    "WorkspaceOpt",
    "YesOpt",
    "json_depth",
    "parse_json_object",
    "resolve",
]

MAX_JSON_DEPTH = 64  # tool arguments nest a few levels; deeper is a mistake or an attack

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
    from agentkit.config import load_settings

    return load_settings(cli)


def json_depth(value: Any) -> int:
    """How deeply `value` nests lists and objects, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            stack.extend(
                (child, depth + 1) for child in (item.values() if isinstance(item, dict) else item)
            )
    return deepest


def parse_json_object(text: str, what: str, example: str) -> dict[str, Any]:
    """`text` as a JSON object, or a one-line ConfigError naming `what` and an example."""
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{what} is not valid JSON ({exc.msg}); e.g. '{example}'") from None
    except RecursionError:
        raise ConfigError(f"{what} nests too deeply to parse; e.g. '{example}'") from None
    if not isinstance(parsed, dict):
        raise ConfigError(f"{what} must be a JSON object, e.g. '{example}'")
    if json_depth(parsed) > MAX_JSON_DEPTH:
        raise ConfigError(f"{what} nests deeper than {MAX_JSON_DEPTH} levels; flatten it")
    return parsed
