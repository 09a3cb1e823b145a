"""`SchemaModel`: a model that answers every structured call with a schema-valid value.

Like pydantic-ai's `TestModel`, it needs no script: each call's JSON schema is turned
into an instance, the minimal valid one by default (required keys only, `minItems`
items, the first enum value or `anyOf` branch, the bound nearest zero) or a random one
from `seed`. Every reply is checked with `jsonschema` before it is returned, so a
schema this generator does not understand fails with `UnsupportedSchemaError` instead
of handing the code under test an invalid value.

Supported: type (and type lists), const, enum, anyOf, oneOf, allOf (merged objects),
$ref into $defs/definitions, object properties/required/minProperties, array
items/prefixItems/minItems/maxItems/uniqueItems, string minLength/maxLength/pattern/
format (date, date-time, time, email, uri, uuid), integer and number
minimum/maximum/exclusive bounds/multipleOf, boolean, null.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from typing import Any

from agentkit.llm.base import Completion, JsonSchema, Message, Usage
from agentkit.testing.regex import UnsupportedSchemaError, string_matching

__all__ = ["SchemaModel", "UnsupportedSchemaError", "instance_for"]

_ATTEMPTS = 20  # random retries for oneOf / uniqueItems / pattern-with-length clashes
_FORMATS = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T00:00:00Z",
    "time": "00:00:00",
    "email": "a@example.com",
    "uri": "https://example.com/",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def instance_for(schema: JsonSchema, *, seed: int | None = None) -> Any:
    """A value valid against `schema`: the minimal one, or a random one when `seed` is set."""
    import jsonschema

    rng = random.Random(seed) if seed is not None else None
    for _ in range(_ATTEMPTS if rng else 1):
        value = _Generator(schema, rng).make(schema)
        if jsonschema.Draft202012Validator(schema).is_valid(value):
            return value
    if rng is None:  # the minimal instance broke a rule (oneOf overlap...): try random ones
        return instance_for(schema, seed=0)
    raise UnsupportedSchemaError(f"cannot generate a value valid against {_short(schema)}")


class _Generator:
    def __init__(self, root: JsonSchema, rng: random.Random | None) -> None:
        self.root = root
        self.rng = rng

    def make(self, schema: Any, depth: int = 0) -> Any:
        if depth > 32:
            raise UnsupportedSchemaError("schema recursion deeper than 32 levels")
        if schema is True or schema == {}:
            return None
        if not isinstance(schema, dict):
            raise UnsupportedSchemaError(f"not a schema: {schema!r}")
        if "$ref" in schema:
            return self.make(self._resolve(schema["$ref"]), depth + 1)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return self._pick(list(schema["enum"]))
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self.make(self._pick(list(schema[key])), depth + 1)
        if "allOf" in schema:
            return self.make(_merge(schema), depth + 1)
        kind = _type_of(schema)
        if isinstance(kind, list):
            non_null = [k for k in kind if k != "null"] or ["null"]
            kind = self._pick(non_null)
        make = getattr(self, f"_{kind}", None)
        if make is None:
            raise UnsupportedSchemaError(f"unsupported type {kind!r}")
        return make(schema, depth)

    def _pick(self, options: list[Any]) -> Any:
        if not options:
            raise UnsupportedSchemaError("an empty enum/anyOf/oneOf has no valid value")
        return self.rng.choice(options) if self.rng else options[0]

    def _resolve(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise UnsupportedSchemaError(f"only local $ref are supported, not {ref!r}")
        node: Any = self.root
        for part in filter(None, ref[1:].split("/")):
            key = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or key not in node:
                raise UnsupportedSchemaError(f"$ref {ref!r} points nowhere")
            node = node[key]
        return node

    def _object(self, schema: JsonSchema, depth: int) -> dict[str, Any]:
        props: dict[str, Any] = schema.get("properties", {})
        required = list(schema.get("required", []))
        optional = [name for name in props if name not in required]
        wanted = max(0, int(schema.get("minProperties", 0)) - len(required))
        extra = optional[:wanted]
        if self.rng:
            extra += [n for n in optional[wanted:] if self.rng.random() < 0.5]
        return {name: self.make(props.get(name, {}), depth + 1) for name in [*required, *extra]}

    def _array(self, schema: JsonSchema, depth: int) -> list[Any]:
        low = int(schema.get("minItems", 0))
        high = int(schema.get("maxItems", low + 3))
        count = self.rng.randint(low, max(low, min(high, low + 3))) if self.rng else low
        prefix = list(schema.get("prefixItems", []))
        items = schema.get("items", {})
        values: list[Any] = []
        for i in range(count):
            item = prefix[i] if i < len(prefix) else items
            value = self.make(item, depth + 1)
            if schema.get("uniqueItems"):
                value = self._distinct(item, value, values, depth)
            values.append(value)
        return values

    def _distinct(self, item: Any, value: Any, seen: list[Any], depth: int) -> Any:
        options = item.get("enum") if isinstance(item, dict) else None
        if options is not None:
            fresh = [o for o in options if o not in seen]
            return fresh[0] if fresh else value
        rng = self.rng or random.Random(len(seen))
        for _ in range(_ATTEMPTS):
            if value not in seen:
                return value
            value = _Generator(self.root, rng).make(item, depth + 1)
        return value

    def _string(self, schema: JsonSchema, depth: int) -> str:
        low = int(schema.get("minLength", 0))
        high = int(schema.get("maxLength", max(low, 8) + 8))
        if "pattern" in schema:
            return self._patterned(schema["pattern"], low, high)
        if schema.get("format") in _FORMATS:
            return _FORMATS[schema["format"]]
        if self.rng is None:
            return "a" * low
        size = self.rng.randint(low, max(low, min(high, low + 12)))
        return "".join(self.rng.choice("abcdefghij klmnop") for _ in range(size)).strip() or (
            "a" * low
        )

    def _patterned(self, pattern: str, low: int, high: int) -> str:
        rng = self.rng
        for attempt in range(_ATTEMPTS):
            text = string_matching(pattern, rng)
            if low <= len(text) <= high:
                return text
            rng = random.Random(attempt) if rng is None else rng
        raise UnsupportedSchemaError(
            f"no string of length {low}..{high} found for pattern {pattern!r}"
        )

    def _integer(self, schema: JsonSchema, depth: int) -> int:
        low, high = _bounds(schema, step=1)
        low, high = (math.ceil(b) if math.isfinite(b) else b for b in (low, high))
        value = self._in_range(low, high, schema.get("multipleOf"))
        return round(value)

    def _number(self, schema: JsonSchema, depth: int) -> float:
        low, high = _bounds(schema, step=0.5)
        return float(self._in_range(low, high, schema.get("multipleOf")))

    def _in_range(self, low: float, high: float, step: float | None) -> float:
        """The value nearest zero in [low, high], or a random one; on `step`'s grid if set."""
        if self.rng:
            a = low if low != -math.inf else min(high, 0) - 100
            b = high if high != math.inf else max(a, 0) + 100
            value = float(round(self.rng.uniform(a, b)))
        else:
            value = 0.0
        value = min(max(value, low), high)
        if step:
            up = math.ceil(value / step) * step
            value = up if up <= high else math.floor(high / step) * step
        return value

    def _boolean(self, schema: JsonSchema, depth: int) -> bool:
        return self.rng.random() < 0.5 if self.rng else False

    def _null(self, schema: JsonSchema, depth: int) -> None:
        return None


def _type_of(schema: JsonSchema) -> str | list[str]:
    if "type" in schema:
        kind: str | list[str] = schema["type"]
        return kind
    if "properties" in schema or "required" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    if {"pattern", "minLength", "maxLength", "format"} & set(schema):
        return "string"
    if {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"} & set(schema):
        return "number"
    return "null"


def _bounds(schema: JsonSchema, *, step: float) -> tuple[float, float]:
    """Inclusive bounds; an exclusive bound moves in by `step` (1 for integers)."""
    low = float(schema.get("minimum", -math.inf))
    high = float(schema.get("maximum", math.inf))
    if "exclusiveMinimum" in schema:
        low = max(low, float(schema["exclusiveMinimum"]) + step)
    if "exclusiveMaximum" in schema:
        high = min(high, float(schema["exclusiveMaximum"]) - step)
    if low > high:
        raise UnsupportedSchemaError(f"no number lies in [{low}, {high}]")
    return low, high


def _merge(schema: JsonSchema) -> JsonSchema:
    """allOf of object schemas as one: properties and required lists united."""
    merged: JsonSchema = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        for key, value in part.items():
            if key == "properties":
                merged.setdefault("properties", {}).update(value)
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def _short(schema: JsonSchema) -> str:
    text = json.dumps(schema)
    return text if len(text) <= 200 else text[:197] + "..."


class SchemaModel:
    """A `Model` that replies to each structured call with a value valid against its schema.

    Calls without a schema get `text`. Every call is recorded in `.calls` as
    `(messages, schema)`, as with `ScriptedModel`.
    """

    def __init__(self, *, seed: int | None = None, text: str = "ok", name: str = "schema") -> None:
        self.name = name
        self.seed = seed
        self.text = text
        self.calls: list[tuple[list[Message], JsonSchema | None]] = []

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: JsonSchema | None = None,
        max_tokens: int = 256,
        repeat_penalty: float | None = None,
    ) -> Completion:
        self.calls.append((list(messages), schema))
        if schema is None:
            text = self.text
        else:
            seed = None if self.seed is None else self.seed + len(self.calls)
            text = json.dumps(instance_for(schema, seed=seed))
        prompt = sum(len(m.content) for m in messages)
        usage = Usage(
            prompt_tokens=max(1, prompt // 4),
            completion_tokens=max(1, len(text) // 4),
            calls=1,
        )
        return Completion(text=text, usage=usage)
