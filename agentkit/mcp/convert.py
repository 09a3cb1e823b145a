"""MCP tool descriptions to agentkit `ToolDefinition` parts, and MCP results to text.

Everything here works on plain JSON-like dicts (as the tool-list cache stores them), so
building tools from a cached listing never imports the `mcp` SDK.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agentkit.errors import PluginError, SchemaError
from agentkit.tool import Permission
from agentkit.toolschema import bounded_schema

__all__ = [
    "MAX_DESCRIPTION_CHARS",
    "agentkit_name",
    "argument_schema",
    "describe",
    "permission_of",
    "result_text",
]

MAX_DESCRIPTION_CHARS = 400  # a long description costs every prompt of a 4k-context run
_NOT_NAME = re.compile(r"[^A-Za-z0-9_]")
_META_KEYS = {"$schema", "$id", "$comment", "$anchor"}


def agentkit_name(remote: str, server: str, taken: set[str]) -> tuple[str, str | None]:
    """A valid, unused agentkit tool name for `remote`, and the collision that renamed it.

    Characters agentkit names cannot hold (`-`, `.`) become `_` silently; only a name
    already taken is namespaced as `<server>_<name>` and reported."""
    name = _NOT_NAME.sub("_", remote)
    if not name or name[0].isdigit():
        name = f"_{name}"
    name = name[:64]
    if name not in taken:
        return name, None
    spaced = _NOT_NAME.sub("_", f"{server}_{name}")[:64]
    suffix = 2
    while spaced in taken:
        spaced = f"{_NOT_NAME.sub('_', f'{server}_{name}')[:60]}_{suffix}"
        suffix += 1
    return spaced, f"{name} is taken"


def argument_schema(raw: dict[str, Any], *, max_length: int, max_items: int, where: str) -> Any:
    """The grammar-safe agentkit schema for an MCP `inputSchema`; PluginError if none exists."""
    from agentkit.llm.grammar import schema_to_gbnf
    from agentkit.llm.structured import check_bounded

    if raw.get("type", "object") != "object":
        raise PluginError(f"{where}: input schema is not an object")
    cleaned = {k: v for k, v in raw.items() if k not in _META_KEYS}
    if "definitions" in cleaned and "$defs" not in cleaned:  # draft-07 spelling
        cleaned["$defs"] = cleaned.pop("definitions")
        cleaned = json.loads(json.dumps(cleaned).replace("#/definitions/", "#/$defs/"))
    schema = bounded_schema(cleaned, max_length=max_length, max_items=max_items, where=where)
    try:
        check_bounded(schema)
        schema_to_gbnf(schema)
    except SchemaError as exc:
        raise PluginError(f"{where}: {exc}") from None
    return schema


def permission_of(annotations: dict[str, Any] | None, override: str | None) -> Permission:
    """Config first; then readOnlyHint = read, destructiveHint false = write, else execute.

    The hints come from the server and are only hints; with none at all the tool is
    treated as able to do anything, so it needs approval.
    """
    if override is not None:
        return Permission(override)
    hints = annotations or {}
    if hints.get("readOnlyHint") is True:
        return Permission.READ
    if hints.get("destructiveHint") is False:
        return Permission.WRITE
    return Permission.EXECUTE


def describe(remote: str, description: str | None, title: str | None) -> str:
    text = " ".join((description or title or f"MCP tool {remote}").split())
    return text if len(text) <= MAX_DESCRIPTION_CHARS else text[: MAX_DESCRIPTION_CHARS - 1] + "…"


def result_text(result: dict[str, Any]) -> tuple[bool, str]:
    """(ok, text) for a `CallToolResult` dumped as JSON (by alias)."""
    parts: list[str] = []
    for block in result.get("content") or []:
        kind = block.get("type")
        if kind == "text":
            parts.append(str(block.get("text", "")))
        elif kind in {"image", "audio"}:
            size = len(str(block.get("data", ""))) * 3 // 4
            parts.append(f"[{kind} {block.get('mimeType', '?')}, {size} bytes, not shown]")
        elif kind == "resource":
            res = block.get("resource") or {}
            if "text" in res:
                parts.append(f"[resource {res.get('uri', '?')}]\n{res['text']}")
            else:
                parts.append(f"[resource {res.get('uri', '?')} ({res.get('mimeType', 'binary')})]")
        elif kind == "resource_link":
            parts.append(f"[resource link {block.get('uri', '?')}: {block.get('name', '')}]")
        else:
            parts.append(f"[{kind} content, not shown]")
    structured = result.get("structuredContent")
    if structured is not None and not parts:
        parts.append(json.dumps(structured, ensure_ascii=False))
    text = "\n".join(p for p in parts if p) or ("error" if result.get("isError") else "done")
    return not result.get("isError", False), text
