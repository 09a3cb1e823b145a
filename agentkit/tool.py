"""Defining tools: `@tool` turns a typed, documented function into a `Tool`.

What the model sees (`ToolDefinition`: name, description, JSON schema) is kept apart
from what runs (`Tool`: the function, its validating arguments model, timeout and
source). Running a tool safely (validation, permission, timeout) is `Toolset.call`'s
job, in `agentkit.registry`.

    @tool(permission="write")
    def save_note(text: str, ctx: ToolContext) -> str:
        '''Save a note to notes.txt.

        Args:
            text: what to save.
        '''
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import pydantic_core
from pydantic import BaseModel, ValidationError

from agentkit.config import Settings
from agentkit.errors import PluginError
from agentkit.toolschema import arguments_model, bounded_schema

if TYPE_CHECKING:
    from agentkit.checkpoints.recorder import Checkpointer

__all__ = [
    "MAX_OBSERVATION_CHARS",
    "Approver",
    "Observation",
    "Permission",
    "Tool",
    "ToolContext",
    "ToolDefinition",
    "ToolExample",
    "WritesFn",
    "render_result",
    "tool",
    "truncate",
]

MAX_OBSERVATION_CHARS = 4000  # about 1000 tokens: big enough to be useful, small for a 4k context
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")

Approver = Callable[[str, dict[str, Any]], bool]
# What a file tool will leave at its path: (validated arguments, current bytes or None when
# absent) -> new bytes. Shown as a diff when approving, and used on resume to tell whether
# an interrupted call took effect.
WritesFn = Callable[[Mapping[str, Any], bytes | None], bytes]


class Permission(StrEnum):
    READ = "read"  # no side effects
    WRITE = "write"  # changes files or state
    EXECUTE = "execute"  # runs code or commands


class ToolExample(BaseModel):
    """A worked call: a goal and the arguments that serve it. Shown to the model as an
    earlier exchange, it teaches a small model how goal text maps to argument values."""

    goal: str
    arguments: dict[str, Any]


class ToolDefinition(BaseModel):
    """What the model sees. `parameters` is a closed, bounded, `$ref`-free JSON schema."""

    name: str
    description: str
    parameters: dict[str, Any]
    permission: Permission
    examples: list[ToolExample] = []


class Observation(BaseModel):
    """The result of one tool call, as text for the model.

    `error` is None on success, else one of "invalid_arguments", "exception",
    "timeout", "refused", "not_found".
    """

    tool: str
    ok: bool
    text: str
    error: str | None = None
    seconds: float


def _deny(name: str, arguments: dict[str, Any]) -> bool:
    return False


def _ask_on_terminal(
    name: str, arguments: dict[str, Any], detail: str = "", *, settings: Settings | None = None
) -> bool:
    """Ask on the terminal; `detail` (the diff to be applied, what a checkpoint covers) is
    shown above the question, after the sandbox mode for confined tools."""
    from agentkit.sandbox import CONFINED_TOOLS, describe

    shown = json.dumps(arguments, ensure_ascii=False, default=str)
    shown = shown if len(shown) <= 300 else shown[:300] + "…"
    if settings is not None and name in CONFINED_TOOLS:  # say how far the command reaches
        sys.stderr.write(f"agentkit: {name} runs in: {describe(settings.sandbox)}\n")
    if detail:
        sys.stderr.write(detail.rstrip("\n") + "\n")
    from agentkit.asking import ask

    return ask(f"agentkit: allow tool {name} {shown}? [y/N] ").strip().lower() in {"y", "yes"}


@dataclass(frozen=True, kw_only=True)
class ToolContext:
    """What a running tool may use. A tool asks for it by annotating a parameter with it."""

    workspace: Path
    run_id: str
    approve: Approver
    settings: Settings
    interactive: bool
    memory: Any | None = None
    timeout: float | None = None  # this call's budget in seconds; set by Toolset.call
    # Saves what a write/execute call may change before it runs (agentkit.checkpoints);
    # None outside a journaled run, e.g. for `agentkit tools call`.
    checkpoints: Checkpointer | None = None

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        run_id: str = "adhoc",
        memory: Any | None = None,
        approve: Approver | None = None,
        interactive: bool | None = None,
        checkpoints: Checkpointer | None = None,
    ) -> ToolContext:
        """A context for `settings`; prompts on the terminal only when stdin is a TTY."""
        tty = sys.stdin.isatty() if interactive is None else interactive
        workspace = settings.workspace.expanduser().resolve()
        workspace.mkdir(parents=True, exist_ok=True)
        ask = functools.partial(_ask_on_terminal, settings=settings)
        chosen = approve if approve is not None else (ask if tty else _deny)
        return cls(
            workspace=workspace,
            run_id=run_id,
            approve=chosen,
            settings=settings,
            interactive=tty,
            memory=memory,
            checkpoints=checkpoints,
        )


class Tool:
    """A function plus what the model needs to call it. Still callable like the function."""

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        permission: Permission | str = Permission.READ,
        timeout: float | None = None,
        source: str = "python",
        examples: Mapping[str, Mapping[str, Any]] | None = None,
        paths: tuple[str, ...] = (),
        writes: WritesFn | None = None,
    ) -> None:
        tool_name = name or fn.__name__
        if not _NAME.match(tool_name):
            raise PluginError(f"tool name {tool_name!r} must be letters, digits and _ (max 64)")
        try:
            level = Permission(permission)
        except ValueError:
            raise PluginError(
                f"tool {tool_name!r}: permission must be read, write or execute"
            ) from None
        if timeout is not None and timeout <= 0:
            raise PluginError(f"tool {tool_name!r}: timeout must be positive")
        self.fn = fn
        self.args_model, self.context_param, summary = arguments_model(fn, tool_name, ToolContext)
        text = description or summary
        if not text:
            raise PluginError(f"tool {tool_name!r} has no docstring; say what it does in one line")
        schema = bounded_schema(self.args_model.model_json_schema(), where=f"tool {tool_name!r}")
        self.definition = ToolDefinition(
            name=tool_name,
            description=text,
            parameters=schema,
            permission=level,
            examples=self._checked_examples(tool_name, examples or {}),
        )
        self.timeout = timeout
        self.source = source
        # Arguments that name the workspace files a write tool changes: only those are
        # checkpointed. A write tool without them, and every execute tool, gets a snapshot
        # of the whole workspace.
        self.paths = tuple(paths)
        unknown = [p for p in self.paths if p not in self.args_model.model_fields]
        if unknown:
            raise PluginError(f"tool {tool_name!r}: paths names unknown argument {unknown[0]!r}")
        self.writes = writes
        self.is_async = inspect.iscoroutinefunction(fn)
        functools.update_wrapper(self, fn)

    def _checked_examples(
        self, tool_name: str, examples: Mapping[str, Mapping[str, Any]]
    ) -> list[ToolExample]:
        """Each example's arguments must be a valid call: a wrong example teaches wrong calls."""
        checked = []
        for goal, arguments in examples.items():
            try:
                self.args_model.model_validate(dict(arguments))
            except ValidationError as exc:
                problem = exc.errors()[0]
                where = ".".join(str(p) for p in problem["loc"]) or "arguments"
                raise PluginError(
                    f"tool {tool_name!r}: example {goal!r} is not a valid call "
                    f"({where}: {problem['msg']}); fix its arguments"
                ) from None
            checked.append(ToolExample(goal=goal, arguments=dict(arguments)))
        return checked

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def permission(self) -> Permission:
        return self.definition.permission

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Tool {self.name} ({self.permission}) from {self.source}>"

    def validate(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Validated keyword arguments (nested models stay models); raises ValidationError."""
        parsed = self.args_model.model_validate(dict(arguments))
        return {key: getattr(parsed, key) for key in type(parsed).model_fields}

    def invoke(self, kwargs: dict[str, Any], ctx: ToolContext) -> Any:
        """Call the function with validated `kwargs` (a coroutine for async tools)."""
        if self.context_param is not None:
            kwargs = {**kwargs, self.context_param: ctx}
        return self.fn(**kwargs)

    def with_source(self, source: str) -> Tool:
        clone = copy.copy(self)
        clone.source = source
        return clone


@overload
def tool(fn: Callable[..., Any], /) -> Tool: ...
@overload
def tool(
    fn: None = None,
    /,
    *,
    name: str | None = None,
    permission: Permission | str = Permission.READ,
    timeout: float | None = None,
    description: str | None = None,
    examples: Mapping[str, Mapping[str, Any]] | None = None,
    paths: tuple[str, ...] = (),
    writes: WritesFn | None = None,
) -> Callable[[Callable[..., Any]], Tool]: ...
def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    permission: Permission | str = Permission.READ,
    timeout: float | None = None,
    description: str | None = None,
    examples: Mapping[str, Mapping[str, Any]] | None = None,
    paths: tuple[str, ...] = (),
    writes: WritesFn | None = None,
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Make a tool from a function with type hints and a docstring; bare or with options.
    `examples` maps a goal to the arguments that serve it (see `ToolExample`). `paths`
    names the arguments that are workspace paths a write tool changes, and `writes`
    computes what it leaves there (see `WritesFn`): both make checkpoints precise."""

    def wrap(func: Callable[..., Any]) -> Tool:
        return Tool(
            func,
            name=name,
            description=description,
            permission=permission,
            timeout=timeout,
            examples=examples,
            paths=paths,
            writes=writes,
        )

    return wrap(fn) if fn is not None else wrap


def render_result(value: Any) -> str:
    """Observation text for a return value: str as is, models and containers as JSON."""
    if value is None:
        return "done"
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    return pydantic_core.to_json(value, fallback=str).decode()


def truncate(text: str, limit: int = MAX_OBSERVATION_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[truncated {len(text) - limit} chars]"
