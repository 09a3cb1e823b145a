"""Loading BFCL data and translating its function docs into bounded JSON Schema.

BFCL v4 files are JSON Lines: `BFCL_v4_<category>.json` holds questions and function
docs, `possible_answer/BFCL_v4_<category>.json` the accepted calls. The data
directory is always an argument; the package never knows where it lives.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from agentkit.errors import ConfigError, SchemaError
from agentkit.llm.base import JsonSchema, Message

__all__ = [
    "ARRAY_LIMIT",
    "CATEGORIES",
    "STRING_LIMIT",
    "FunctionTool",
    "Item",
    "Kind",
    "kind_of",
    "load_items",
    "parameters_schema",
    "render_docs",
    "to_schema",
    "tools_of",
]

CATEGORIES = ("simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance")
_ALIASES = {"simple": "simple_python"}
STRING_LIMIT = 120  # longest accepted string in the public answers is 102 characters
ARRAY_LIMIT = 20  # longest accepted list in the public answers has 20 items

Kind = Literal["single", "parallel", "none"]


def kind_of(category: str) -> Kind:
    """How a category is scored: one call, a set of calls in any order, or no call."""
    if category.startswith("irrelevance"):
        return "none"
    if category.startswith("parallel"):
        return "parallel"
    if category.startswith(("simple", "multiple")):
        return "single"
    raise ConfigError(f"unknown BFCL category {category!r}; use one of {', '.join(CATEGORIES)}")


@dataclass(frozen=True)
class Item:
    id: str
    category: str
    messages: list[Message]
    functions: list[dict[str, Any]]  # BFCL function docs, as published
    answers: list[dict[str, dict[str, list[Any]]]]  # [{func_name: {param: [accepted...]}}]

    @property
    def kind(self) -> Kind:
        return kind_of(self.category)

    @property
    def request(self) -> str:
        """What the user asked: the last user message (a non-live item has one)."""
        return next((m.content for m in reversed(self.messages) if m.role == "user"), "")


@dataclass(frozen=True)
class FunctionTool:
    """A BFCL function as agentkit's decision schema sees a tool (satisfies ToolSpec)."""

    name: str
    parameters: dict[str, Any]
    description: str = ""


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except OSError as exc:
        raise ConfigError(f"cannot read BFCL file {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not JSON Lines (line {exc.lineno}: {exc.msg})") from exc


def load_items(
    data_dir: Path,
    categories: Iterable[str] = CATEGORIES,
    *,
    limit: int | None = None,
    skip: int = 0,
) -> list[Item]:
    """`limit` items of each category after its first `skip`, answers attached by id."""
    if not data_dir.is_dir():
        raise ConfigError(f"BFCL data directory not found: {data_dir}; pass --data DIR")
    items: list[Item] = []
    for raw_category in categories:
        category = _ALIASES.get(raw_category, raw_category)
        kind = kind_of(category)
        path = data_dir / f"BFCL_v4_{category}.json"
        if not path.is_file():
            raise ConfigError(f"no {path.name} in {data_dir}; is this a BFCL v4 data directory?")
        rows = _read_jsonl(path)[skip : None if limit is None else skip + limit]
        answers: dict[str, Any] = {}
        if kind != "none":
            answer_rows = _read_jsonl(data_dir / "possible_answer" / path.name)
            answers = {row["id"]: row["ground_truth"] for row in answer_rows}
        for row in rows:
            if kind != "none" and row["id"] not in answers:
                raise ConfigError(f"no possible answer for {row['id']} in possible_answer/")
            turn = row["question"][0]  # the non-live categories are single-turn
            messages = [Message(role=m["role"], content=m["content"]) for m in turn]
            items.append(
                Item(row["id"], category, messages, row["function"], answers.get(row["id"], []))
            )
    return items


# BFCL's Python-flavoured type names, and JSON Schema's own names passed through.
_TYPES = {
    "dict": "object",
    "object": "object",
    "float": "number",
    "number": "number",
    "integer": "integer",
    "int": "integer",
    "string": "string",
    "str": "string",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "list": "array",
    "tuple": "array",
}


def _any_value(bounded: bool) -> JsonSchema:
    """BFCL's `any`: a scalar or a flat list; bounded so the grammar always terminates."""
    if not bounded:
        return {}
    scalar: list[JsonSchema] = [
        {"type": "string", "maxLength": STRING_LIMIT},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "null"},
    ]
    flat = {"type": "array", "items": {"anyOf": scalar[:2]}, "maxItems": ARRAY_LIMIT}
    return {"anyOf": [*scalar, flat]}


def to_schema(doc: dict[str, Any], *, bounded: bool = True) -> JsonSchema:
    """One BFCL parameter doc as JSON Schema; descriptions and defaults stay in the prompt."""
    raw = doc.get("type", "any")
    if raw == "any":
        return _any_value(bounded)
    kind = _TYPES.get(raw)
    if kind is None:
        raise SchemaError(f"unknown BFCL parameter type {raw!r}")
    schema: JsonSchema = {"type": kind}
    if "enum" in doc:
        schema["enum"] = list(doc["enum"])
    if kind == "object":
        if "properties" in doc:
            schema.update(parameters_schema(doc, bounded=bounded))
        else:  # a free-form mapping, e.g. {"math": 90, "science": 75}
            schema["additionalProperties"] = _any_value(bounded)
    elif kind == "array":
        items = doc.get("items")
        schema["items"] = to_schema(items, bounded=bounded) if items else _any_value(bounded)
        if bounded:
            schema["maxItems"] = ARRAY_LIMIT
    elif kind == "string" and bounded and "enum" not in schema:
        schema["maxLength"] = STRING_LIMIT
    return schema


def parameters_schema(doc: dict[str, Any], *, bounded: bool = True) -> JsonSchema:
    """A function's `parameters` as a closed object: unknown arguments are never valid."""
    props = {name: to_schema(sub, bounded=bounded) for name, sub in doc["properties"].items()}
    return {
        "type": "object",
        "properties": props,
        "required": [name for name in doc.get("required", []) if name in props],
        "additionalProperties": False,
    }


def tools_of(functions: Sequence[dict[str, Any]]) -> list[FunctionTool]:
    return [
        FunctionTool(f["name"], parameters_schema(f["parameters"]), str(f.get("description", "")))
        for f in functions
    ]


def _type_name(doc: dict[str, Any]) -> str:
    raw = str(doc.get("type", "any"))
    if "enum" in doc:
        return "|".join(json.dumps(v) for v in doc["enum"])
    if raw in {"array", "tuple"} and "items" in doc:
        return f"list[{_type_name(doc['items'])}]"
    return raw


def render_docs(functions: Sequence[dict[str, Any]]) -> str:
    """Compact function docs: a signature line, then one line per parameter."""
    blocks = []
    for fn in functions:
        params = fn["parameters"].get("properties", {})
        required = set(fn["parameters"].get("required", []))
        sig = ", ".join(f"{p}{'' if p in required else '?'}" for p in params)
        lines = [f"{fn['name']}({sig}): {fn.get('description', '').strip()}"]
        for name, doc in params.items():
            note = "" if name in required else " Optional."
            desc = str(doc.get("description", "")).strip()
            lines.append(f"  {name} ({_type_name(doc)}): {desc}{note}")
        blocks.append("\n".join(lines))
    return "\n".join(blocks)
