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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agentkit.errors import ConfigError
from agentkit.mcp.config import McpSettings

__all__ = [
    "ENV_PREFIX",
    "ResolvedSettings",
    "SandboxSettings",
    "Settings",
    "config_path",
    "data_dir",
    "load_settings",
]

ENV_PREFIX = "AGENTKIT_"
Source = Literal["default", "file", "env", "cli"]


class SandboxSettings(BaseModel):
    """The `[sandbox]` table: how shell/python commands and file tools are confined."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    mode: Literal["auto", "bubblewrap", "process-group"] = Field(
        default="auto",
        description="auto = bubblewrap when bwrap works here, else process-group (kill only)",
    )
    network: bool = Field(default=False, description="let sandboxed commands reach the network")
    allow_hardlinks: bool = Field(
        default=False, description="let file tools open files with more than one hard link"
    )


class Settings(BaseModel):
    """Every tunable of agentkit. Field names are the TOML keys; env vars are AGENTKIT_<NAME>."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # model runtime
    model: str | None = Field(None, description="GGUF path or alias; None = bundled SmolLM2")
    n_ctx: int = Field(4096, ge=256, le=1_048_576, description="context window in tokens")
    threads: int | None = Field(
        None,
        ge=1,
        description="CPU threads for llama.cpp and the embedder; None = physical cores - 1 "
        "(survives a busy CPU; see docs/benchmarks-decoder.md). Old name: n_threads",
    )
    decoder: Literal["llguidance", "gbnf"] = Field(
        "llguidance",
        description="structured-output decoder: llguidance (fast) or llama.cpp's GBNF "
        "grammar sampler (for a platform without llguidance or a schema it rejects)",
    )
    gpu_layers: int | Literal["auto"] = Field(
        "auto", description="layers to offload; auto = all when llama.cpp has GPU support"
    )
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    repeat_penalty: float = Field(1.1, ge=1.0, le=2.0)
    seed: int = 0
    # a model served over the OpenAI HTTP API: model = "openai:http://HOST:PORT/v1"
    remote_model: str | None = Field(None, description="model name sent to an openai: server")
    api_key_env: str | None = Field(
        None, description="environment variable holding the server's API key (never the key)"
    )
    request_timeout: float = Field(120.0, gt=0, description="seconds per model server request")

    # planner budgets
    max_steps: int = Field(12, ge=1, le=500, description="tool calls + decisions per run")
    max_time: float = Field(
        600.0, gt=0, allow_inf_nan=False, description="wall-clock seconds per run"
    )
    max_tokens: int = Field(60_000, ge=256, description="prompt + completion tokens per run")

    # decision policy (see docs/policy.md)
    policy: Literal["auto", "plain", "small"] = Field(
        "auto",
        description="how model requests are shaped: plain (capable models), small (aids for "
        "small models), auto = small below 1B parameters",
    )
    disable_aids: list[str] = Field(
        default_factory=list, description="aids of the small policy to turn off, by name"
    )

    # tools
    max_tools: int = Field(4, ge=1, le=64, description="tools shown per run, most relevant first")
    workspace: Path = Field(Path(), description="directory file/shell tools are confined to")
    tool_timeout: float = Field(
        30.0, gt=0, allow_inf_nan=False, description="default per-call tool timeout, seconds"
    )
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
    sandbox: SandboxSettings = Field(
        default_factory=SandboxSettings,
        description="[sandbox] table: mode, network, hard links",
    )

    # storage
    home: Path | None = Field(None, description="data directory (journal, memory)")
    memory_dir: Path | None = Field(None, description="Chroma directory; default <home>/memory")
    chroma_url: str | None = Field(None, description="use a Chroma server instead of a directory")
    no_memory: bool = Field(False, description="run without vector memory")
    embedder: str = Field("minilm", description="'minilm' or a path to a GGUF embedding model")

    # MCP servers as tool sources: [mcp.servers.NAME] tables (see docs/mcp.md)
    mcp: McpSettings = Field(default_factory=McpSettings, description="MCP servers to use")

    debug: bool = False

    @field_validator("disable_aids")
    @classmethod
    def _known_aids(cls, value: list[str]) -> list[str]:
        from agentkit.policy.aids import AID_NAMES

        unknown = [name for name in value if name not in AID_NAMES]
        if unknown:
            raise ValueError(f"unknown aid {unknown[0]!r}; known aids: {', '.join(AID_NAMES)}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _old_names(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(old in data for old in _ALIASES):
            data = {_ALIASES.get(k, k): v for k, v in data.items()}
        return data

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

    @field_validator("workspace")
    @classmethod
    def _workspace_not_a_file(cls, value: Path) -> Path:
        # A missing workspace is created on first use; a file in its place never works,
        # and would otherwise fail only at the first tool call, after the model planned.
        if value.exists() and not value.is_dir():
            raise ValueError(f"{value} is not a directory; pass --workspace DIR")
        return value

    @property
    def n_threads(self) -> int | None:
        """The old name of `threads`."""
        return self.threads

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


_LIST_FIELDS = {"allow_tools", "deny_tools", "tools_path", "http_allowlist", "disable_aids"}
# Old key -> field, still accepted in the file, the environment and Settings(...).
_ALIASES = {"n_threads": "threads"}


# Fields that are TOML tables; each key is AGENTKIT_<TABLE>_<KEY> in the environment.
_TABLES: dict[str, type[BaseModel]] = {"sandbox": SandboxSettings}


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """AGENTKIT_<NAME> for every field; pydantic coerces the strings ("true", "8", "auto")."""
    values: dict[str, Any] = {}
    for table, model in _TABLES.items():
        keys = {
            key: text.strip()
            for key in model.model_fields
            if (text := environ.get(f"{ENV_PREFIX}{table}_{key}".upper(), "")).strip()
        }
        if keys:
            values[table] = keys
    for name in [*_ALIASES, *Settings.model_fields]:  # a new name set later wins
        if name in _TABLES:
            continue
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is None:
            continue
        name = _ALIASES.get(name, name)
        if name in _LIST_FIELDS:
            sep = os.pathsep if name == "tools_path" else ","
            values[name] = [part.strip() for part in raw.split(sep) if part.strip()]
        elif raw.strip():  # an empty variable means "not set", as in most shells' idiom
            values[name] = raw.strip()
    return values


_MAX_DEPTH = 16  # settings nest two levels; deeper values only exhaust the recursion limit


def _depth(value: Any) -> int:
    """How deeply lists and tables nest in `value`, counted without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth + 1)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _from_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    if not path.is_file():
        raise ConfigError(
            f"config file {path} is not a regular file; point {ENV_PREFIX}CONFIG at a TOML file"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}; fix or remove it") from exc
    except RecursionError:
        data = None
    if data is None or _depth(data) > _MAX_DEPTH:
        raise ConfigError(
            f"config file {path} nests deeper than {_MAX_DEPTH} levels; fix or remove it"
        )
    data = _flatten_tables(data)
    data = {_ALIASES.get(k, k): v for k, v in data.items()}
    unknown = sorted(set(data) - set(Settings.model_fields))
    if unknown:
        close = difflib.get_close_matches(unknown[0], Settings.model_fields, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(
            f"unknown key {unknown[0]!r} in config file {path}; "
            f"{hint}see `agentkit config show` for valid keys"
        )
    return data


# [model] and [memory] tables in the TOML file, spelled as the flat keys they stand for.
_TABLE_KEYS = {
    "model": {"name": "remote_model", "api_key_env": "api_key_env", "timeout": "request_timeout"},
    "memory": {"chroma_url": "chroma_url", "url": "chroma_url", "dir": "memory_dir"},
}


def _flatten_tables(data: dict[str, Any]) -> dict[str, Any]:
    """The flat keys a `[model]` or `[memory]` table stands for.

    `[model] backend = "openai"` with `base_url` becomes model = "openai:URL"; `path`
    becomes model; `name`, `api_key_env` and `timeout` become remote_model, api_key_env
    and request_timeout. `[memory] chroma_url` (or `url`) and `dir` become chroma_url and
    memory_dir. Other keys pass through, so unknown ones are still reported."""
    flat = dict(data)
    for table, keys in _TABLE_KEYS.items():
        section = flat.get(table)
        if not isinstance(section, dict):
            continue
        del flat[table]
        section = dict(section)
        if table == "model":
            backend = section.pop("backend", "llama")
            url = section.pop("base_url", None)
            if backend == "openai":
                if not url:
                    raise ConfigError(
                        "[model] backend = 'openai' needs base_url = 'http://HOST/v1'"
                    )
                flat["model"] = f"openai:{url}"
            elif backend != "llama":
                raise ConfigError(f"unknown [model] backend {backend!r}; use 'llama' or 'openai'")
            if "path" in section:
                flat["model"] = section.pop("path")
        for key, value in section.items():
            flat[keys.get(key, key)] = value
    return flat


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
            if key in _TABLES and isinstance(value, Mapping) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}  # a table merges key by key
            else:
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
    dotted = ".".join(str(part) for part in err["loc"][:2]) or "?"
    where = {
        "file": f"config file {path}",
        "env": f"environment variable {ENV_PREFIX}{dotted.replace('.', '_').upper()}",
        "cli": "command line",
        "default": "defaults",
    }[sources.get(key, "default")]
    value = repr(err["input"])
    value = value if len(value) <= 60 else value[:57] + "..."
    return ConfigError(f"invalid setting {dotted!r} = {value} from {where}: {err['msg']}")
