"""One settings model, resolved with precedence CLI flag > AGENTKIT_* env > TOML file > default.

`load_settings()` returns the effective `Settings` together with where each value came
from, so `agentkit config show` can explain itself.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agentkit.errors import ConfigError

__all__ = [
    "ENV_PREFIX",
    "ResolvedSettings",
    "Settings",
    "config_path",
    "data_dir",
    "load_settings",
]

ENV_PREFIX = "AGENTKIT_"
Source = Literal["default", "file", "env", "cli"]


class Settings(BaseModel):
    """Every tunable of agentkit. Field names are the TOML keys; env vars are AGENTKIT_<NAME>."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # model runtime
    model: str | None = Field(None, description="GGUF path or alias; None = bundled SmolLM2")
    n_ctx: int = Field(4096, ge=256, le=1_048_576, description="context window in tokens")
    n_threads: int | None = Field(None, ge=1, description="CPU threads; None = all cores")
    gpu_layers: int | Literal["auto"] = Field(
        "auto", description="layers to offload; auto = all when llama.cpp has GPU support"
    )
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    repeat_penalty: float = Field(1.1, ge=1.0, le=2.0)
    seed: int = 0

    # planner budgets
    max_steps: int = Field(12, ge=1, le=500, description="tool calls + decisions per run")
    max_time: float = Field(600.0, gt=0, description="wall-clock seconds per run")
    max_tokens: int = Field(60_000, ge=256, description="prompt + completion tokens per run")

    focused_prompts: bool = Field(
        True,
        description="a step's first decision is its planned tool's call, from a short prompt, "
        "or its result when it has no tool; the answer comes from a short prompt with worked "
        "examples (helps small models; costs some KV-cache reuse)",
    )

    # tools
    max_tools: int = Field(4, ge=1, le=64, description="tools shown per run, most relevant first")
    tool_min_score: float = Field(
        0.18,
        ge=0.0,
        le=1.0,
        description="least goal/tool similarity when ranking; 0 = top max_tools",
    )
    tool_score_margin: float = Field(
        0.15,
        ge=0.0,
        le=2.0,
        description="when ranking, offer only tools within this much of the best score",
    )
    workspace: Path = Field(Path(), description="directory file/shell tools are confined to")
    tool_timeout: float = Field(30.0, gt=0, description="default per-call tool timeout, seconds")
    yes: bool = Field(False, description="approve write/execute tools without asking")
    allow_tools: list[str] = Field(default_factory=list, description="tools approved up front")
    deny_tools: list[str] = Field(default_factory=list, description="tools never offered")
    tools_path: list[Path] = Field(default_factory=list, description="extra plugin files/dirs")
    http_allowlist: list[str] = Field(default_factory=list, description="hosts http_get may reach")
    prompts_dir: Path | None = Field(None, description="directory overriding prompt templates")
    taint_approval: bool = Field(
        True,
        description="once tool results or memory entered a run, a write/execute call whose "
        "target the goal does not name needs a fresh approval on a terminal (--yes and "
        "allow_tools do not count)",
    )
    checkpoint_max_file_bytes: int = Field(
        16 * 1024 * 1024,
        ge=0,
        description="largest file a checkpoint saves; bigger ones are recorded by hash only "
        "and cannot be restored by `runs undo`",
    )
    checkpoint_max_total_bytes: int = Field(
        256 * 1024 * 1024,
        ge=0,
        description="most new bytes one checkpoint saves; files past it are recorded by hash "
        "only and cannot be restored",
    )
    checkpoint_max_files: int = Field(
        20_000,
        ge=0,
        description="most entries a workspace snapshot (before shell/python/execute calls) "
        "covers; past it the snapshot is partial",
    )

    # storage
    home: Path | None = Field(None, description="data directory (journal, memory)")
    memory_dir: Path | None = Field(None, description="Chroma directory; default <home>/memory")
    chroma_url: str | None = Field(None, description="use a Chroma server instead of a directory")
    no_memory: bool = Field(False, description="run without vector memory")
    embedder: str = Field("minilm", description="'minilm' or a path to a GGUF embedding model")

    debug: bool = False

    @field_validator("gpu_layers", mode="before")
    @classmethod
    def _gpu_layers(cls, value: object) -> object:
        if isinstance(value, str) and value != "auto":
            try:
                return int(value)
            except ValueError:
                raise ValueError("must be an integer or 'auto'") from None
        return value

    @field_validator("workspace", "prompts_dir", "home", "memory_dir", "tools_path")
    @classmethod
    def _expand_user(cls, value: Path | list[Path] | None) -> Path | list[Path] | None:
        if isinstance(value, list):
            return [p.expanduser() for p in value]
        return value.expanduser() if value is not None else None

    @property
    def data_home(self) -> Path:
        return self.home if self.home is not None else data_dir()

    @property
    def memory_path(self) -> Path:
        return self.memory_dir if self.memory_dir is not None else self.data_home / "memory"

    @property
    def journal_path(self) -> Path:
        return self.data_home / "journal.db"


class ResolvedSettings(BaseModel):
    settings: Settings
    sources: dict[str, Source]
    config_file: Path


def data_dir() -> Path:
    env = os.environ.get(ENV_PREFIX + "HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("agentkit", appauthor=False)


def config_path() -> Path:
    env = os.environ.get(ENV_PREFIX + "CONFIG")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path("agentkit", appauthor=False) / "config.toml"


_LIST_FIELDS = {"allow_tools", "deny_tools", "tools_path", "http_allowlist"}


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """AGENTKIT_<NAME> for every field; pydantic coerces the strings ("true", "8", "auto")."""
    values: dict[str, Any] = {}
    for name in Settings.model_fields:
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is None:
            continue
        if name in _LIST_FIELDS:
            sep = os.pathsep if name == "tools_path" else ","
            values[name] = [part.strip() for part in raw.split(sep) if part.strip()]
        elif raw.strip():  # an empty variable means "not set", as in most shells' idiom
            values[name] = raw.strip()
    return values


def _from_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}; fix or remove it") from exc
    unknown = sorted(set(data) - set(Settings.model_fields))
    if unknown:
        close = difflib.get_close_matches(unknown[0], Settings.model_fields, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(
            f"unknown key {unknown[0]!r} in config file {path}; "
            f"{hint}see `agentkit config show` for valid keys"
        )
    return data


def load_settings(cli: Mapping[str, Any] | None = None) -> ResolvedSettings:
    """Merge defaults, the TOML file, AGENTKIT_* env vars and CLI flags (None = not given)."""
    path = config_path()
    layers: list[tuple[Source, dict[str, Any]]] = [
        ("file", _from_file(path)),
        ("env", _from_env(os.environ)),
        ("cli", {k: v for k, v in (cli or {}).items() if v is not None}),
    ]
    merged: dict[str, Any] = {}
    sources: dict[str, Source] = dict.fromkeys(Settings.model_fields, "default")
    for source, values in layers:
        for key, value in values.items():
            merged[key] = value
            sources[key] = source
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        raise _invalid(exc, sources, path) from exc
    return ResolvedSettings(settings=settings, sources=sources, config_file=path)


def _invalid(exc: ValidationError, sources: Mapping[str, Source], path: Path) -> ConfigError:
    """One line naming the key, where its value came from, the value and the rule it broke."""
    err = exc.errors()[0]
    key = str(err["loc"][0]) if err["loc"] else "?"
    where = {
        "file": f"config file {path}",
        "env": f"environment variable {ENV_PREFIX}{key.upper()}",
        "cli": "command line",
        "default": "defaults",
    }[sources.get(key, "default")]
    value = repr(err["input"])
    value = value if len(value) <= 60 else value[:57] + "..."
    return ConfigError(f"invalid setting {key!r} = {value} from {where}: {err['msg']}")
