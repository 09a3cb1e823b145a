"""From a typed Python function to a validating pydantic model and a grammar-friendly schema.

`arguments_model` reads the signature (types, defaults) and the docstring (summary and
per-parameter descriptions). `bounded_schema` rewrites pydantic's JSON schema into the
shape the planner's llama.cpp grammar needs: self-contained (no `$ref`), closed objects,
and an upper bound on every free string and array, so a tiny model can never emit forever.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from agentkit.errors import PluginError

__all__ = [
    "DEFAULT_MAX_ITEMS",
    "DEFAULT_MAX_LENGTH",
    "arguments_model",
    "bounded_schema",
    "parse_docstring",
]

DEFAULT_MAX_LENGTH = 2000
DEFAULT_MAX_ITEMS = 32
_FORMATTED_MAX_LENGTH = 64  # dates, times, uuids: short by nature

_PARAM_SECTIONS = {"args", "arguments", "parameters", "params", "keyword args"}
_OTHER_SECTIONS = {"returns", "return", "yields", "raises", "examples", "example", "notes"}
_OTHER_SECTIONS |= {"note", "see also", "attributes", "other parameters"}
_ENTRY = re.compile(r"^(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*(?::\s*(.*))?$")
_SPHINX = re.compile(r"^:param\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)$")


def _header(line: str, next_line: str) -> str | None:
    """'google' / 'numpy' for a parameter section header, 'other' for other sections."""
    name = line.rstrip(":").strip().lower()
    underlined = bool(next_line) and set(next_line) == {"-"}
    if not (line.endswith(":") or underlined) or name not in _PARAM_SECTIONS | _OTHER_SECTIONS:
        return None
    if name not in _PARAM_SECTIONS:
        return "other"
    return "numpy" if underlined else "google"


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Return (summary, {param: description}) from a Google, NumPy or Sphinx docstring."""
    lines = inspect.cleandoc(doc or "").splitlines()
    summary: list[str] = []
    params: dict[str, str] = {}
    section: str | None = None
    entry_indent: int | None = None
    current: str | None = None
    for i, raw in enumerate(lines):
        line, indent = raw.strip(), len(raw) - len(raw.lstrip())
        next_line = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if indent == 0 and (kind := _header(line, next_line)):
            section, entry_indent, current = kind, None, None
        elif line and set(line) == {"-"}:
            continue
        elif sphinx := _SPHINX.match(line):
            section, current = "sphinx", sphinx.group(1)
            params[current] = sphinx.group(2)
        elif line.startswith(":"):
            section, current = "other", None  # :returns:, :raises: ...
        elif section is None:
            summary.append(line)
        elif line and section in {"google", "numpy"}:
            entry_indent = indent if entry_indent is None else entry_indent
            entry = _ENTRY.match(line) if indent <= entry_indent else None
            if entry:
                current = entry.group(1).lstrip("*")
                # NumPy puts the type after the colon and the description below it.
                params[current] = "" if section == "numpy" else entry.group(2) or ""
            elif current:
                params[current] += " " + line
        elif line and section == "sphinx" and current:
            params[current] += " " + line
    return " ".join(" ".join(summary).split()), {k: " ".join(v.split()) for k, v in params.items()}


def arguments_model(
    fn: Callable[..., Any], tool_name: str, context_type: type
) -> tuple[type[BaseModel], str | None, str]:
    """Build the pydantic model for `fn`'s arguments.

    Returns (model, name of the context parameter or None, docstring summary).
    """
    summary, docs = parse_docstring(fn.__doc__)
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except (NameError, TypeError) as exc:
        raise PluginError(f"tool {tool_name!r}: cannot resolve type hints ({exc})") from exc
    fields: dict[str, Any] = {}
    ctx_param: str | None = None
    for param in inspect.signature(fn).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise PluginError(f"tool {tool_name!r}: *args/**kwargs are not supported; name them")
        hint = hints.get(param.name)
        if hint is context_type:
            ctx_param = param.name
            continue
        if hint is None:
            raise PluginError(f"tool {tool_name!r}: parameter {param.name!r} needs a type hint")
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = (hint, Field(default, description=docs.get(param.name)))
    model: type[BaseModel] = create_model(
        f"{tool_name}_arguments",
        __config__=ConfigDict(extra="forbid", protected_namespaces=()),
        **fields,
    )
    return model, ctx_param, summary


_LITERAL_KEYS = {"default", "const", "enum", "examples"}


def bounded_schema(
    schema: dict[str, Any],
    *,
    max_length: int = DEFAULT_MAX_LENGTH,
    max_items: int = DEFAULT_MAX_ITEMS,
    where: str = "tool",
) -> dict[str, Any]:
    """Inline `$defs`, drop titles, close objects and bound strings and arrays."""
    defs: dict[str, Any] = schema.get("$defs", {})

    def walk(node: Any, path: str, stack: frozenset[str]) -> Any:
        if isinstance(node, list):
            return [walk(item, f"{path}[{i}]", stack) for i, item in enumerate(node)]
        if not isinstance(node, dict):
            return node
        if isinstance(ref := node.get("$ref"), str):
            name = ref.rsplit("/", 1)[-1]
            if name in stack or name not in defs:
                raise PluginError(f"{where}: recursive or unknown type {name!r} at {path or '/'}")
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return {**walk(defs[name], path, stack | {name}), **walk(rest, path, stack)}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in {"title", "$defs", "discriminator"}:
                continue
            if key in _LITERAL_KEYS:
                out[key] = value  # data, not schema: never rewrite
            elif key in {"properties", "patternProperties"}:
                out[key] = {
                    p: _typed(walk(v, f"{path}/{p}", stack), f"{path}/{p}", where)
                    for p, v in value.items()
                }
            else:
                out[key] = walk(value, f"{path}/{key}", stack)
        _bound(out, path, where, max_length, max_items)
        return out

    result = walk(schema, "", frozenset())
    result["type"] = "object"
    result.setdefault("properties", {})
    return typing.cast(dict[str, Any], result)


def _typed(node: dict[str, Any], path: str, where: str) -> dict[str, Any]:
    if not {"type", "anyOf", "oneOf", "allOf", "enum", "const"} & node.keys():
        raise PluginError(f"{where}: {path} has no concrete type (Any?); give it one")
    return node


def _bound(node: dict[str, Any], path: str, where: str, max_length: int, max_items: int) -> None:
    kinds = node.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "object" in kinds:
        extra = node.get("additionalProperties", True)
        if isinstance(extra, dict):
            raise PluginError(
                f"{where}: {path or '/'} is an open mapping (dict); use a pydantic model"
            )
        node["additionalProperties"] = False
    free = not {"enum", "const", "pattern"} & node.keys()
    if "string" in kinds and free and "maxLength" not in node:
        node["maxLength"] = _FORMATTED_MAX_LENGTH if "format" in node else max_length
    if "array" in kinds:
        node.setdefault("maxItems", max_items)
        if "items" in node:
            _typed(node["items"], f"{path}/items", where)
