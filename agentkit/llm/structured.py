"""Structured output: pydantic model or JSON schema in, validated instance out."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar, overload

from pydantic import BaseModel, ValidationError

from agentkit.errors import InvalidOutputError, SchemaError
from agentkit.llm.base import Completion, JsonSchema, Message, Model

__all__ = ["Structured", "check_bounded", "generate", "schema_of", "validate_json"]

T = TypeVar("T", bound=BaseModel)


class Structured(BaseModel):
    """A parsed structured reply plus the raw completion it came from."""

    value: Any
    completion: Completion


def schema_of(output: type[BaseModel] | JsonSchema) -> JsonSchema:
    if isinstance(output, dict):
        return output
    return output.model_json_schema()


def check_bounded(schema: JsonSchema) -> None:
    """Raise SchemaError unless every string and array in `schema` has an upper bound.

    A tiny model under a grammar with an unbounded string can emit until the token
    budget runs out; requiring bounds makes every structured call finite.
    """
    defs: dict[str, Any] = {**schema.get("$defs", {}), **schema.get("definitions", {})}
    seen: set[str] = set()

    def walk(node: Any, path: str) -> None:
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen and name in defs:
                seen.add(name)
                walk(defs[name], f"{path}->{name}")
            return
        kinds = node.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        unconstrained = "enum" not in node and "const" not in node and "pattern" not in node
        if "string" in kinds and unconstrained and "maxLength" not in node:
            raise SchemaError(
                f"string at {path or '/'} has no maxLength; bound it (e.g. Field(max_length=200))"
            )
        if "array" in kinds and "maxItems" not in node:
            raise SchemaError(
                f"array at {path or '/'} has no maxItems; bound it (e.g. Field(max_length=10))"
            )
        for key in ("properties", "patternProperties"):
            for prop, sub in node.get(key, {}).items():
                walk(sub, f"{path}/{prop}")
        for key in ("items", "additionalProperties", "not"):
            walk(node.get(key), f"{path}/{key}")
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            for i, sub in enumerate(node.get(key, [])):
                walk(sub, f"{path}/{key}[{i}]")

    walk(schema, "")


@overload
def validate_json(text: str, output: type[T]) -> T: ...
@overload
def validate_json(text: str, output: JsonSchema) -> Any: ...
def validate_json(text: str, output: type[BaseModel] | JsonSchema) -> Any:
    """Parse and validate model output; SchemaError names what is wrong."""
    try:
        # strict=False: llama.cpp's JSON grammar lets raw newlines into strings.
        data = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        raise InvalidOutputError(
            f"model output is not valid JSON ({exc.msg}): {text[:80]!r}"
        ) from exc
    if isinstance(output, dict):
        import jsonschema

        try:
            jsonschema.validate(data, output)
        except jsonschema.ValidationError as exc:
            raise InvalidOutputError(
                f"model output does not match the schema: {exc.message}"
            ) from exc
        return data
    try:
        return output.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise InvalidOutputError(f"model output invalid at {loc or '/'}: {first['msg']}") from exc


@overload
def generate(
    model: Model,
    messages: Sequence[Message],
    output: type[T],
    *,
    max_tokens: int = ...,
    repeat_penalty: float | None = ...,
) -> tuple[T, Completion]: ...
@overload
def generate(
    model: Model,
    messages: Sequence[Message],
    output: JsonSchema,
    *,
    max_tokens: int = ...,
    repeat_penalty: float | None = ...,
) -> tuple[Any, Completion]: ...
def generate(
    model: Model,
    messages: Sequence[Message],
    output: type[BaseModel] | JsonSchema,
    *,
    max_tokens: int = 512,
    repeat_penalty: float | None = None,
) -> tuple[Any, Completion]:
    """One grammar-constrained call, returning the validated value and its completion."""
    schema = schema_of(output)
    check_bounded(schema)
    completion = model.complete(
        messages, schema=schema, max_tokens=max_tokens, repeat_penalty=repeat_penalty
    )
    return validate_json(completion.text, output), completion
