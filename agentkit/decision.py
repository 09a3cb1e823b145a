"""The decision a model makes at each step, as a schema built from the tools' own schemas.

The grammar is the union of one branch per tool (its name as a constant, its exact
argument schema) plus the non-call actions, so a constrained model cannot produce
a call to an unknown tool or with invalid arguments. The planner and `agentkit eval`
share this path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field, field_validator

from agentkit.errors import SchemaError
from agentkit.llm.base import JsonSchema

__all__ = [
    "Action",
    "CallTools",
    "Decision",
    "FinalAnswer",
    "Replan",
    "StepDone",
    "ToolCall",
    "ToolSpec",
    "decision_schema",
    "grounded_calls",
    "parse_decision",
    "required_only",
]

Action = Literal["call", "done", "replan", "final"]
TEXT_LIMIT = 300


class ToolSpec(Protocol):
    """What the model sees of a tool (`agentkit.tool.ToolDefinition` satisfies it)."""

    @property
    def name(self) -> str: ...
    @property
    def parameters(self) -> dict[str, Any]: ...


class ToolCall(BaseModel):
    tool: str
    arguments: dict[str, Any]


class CallTools(BaseModel):
    action: Literal["call"] = "call"
    calls: list[ToolCall]

    @field_validator("calls")
    @classmethod
    def _once_each(cls, calls: list[ToolCall]) -> list[ToolCall]:
        """The same call twice in one decision is a stutter, never two pieces of work (a
        small model repeats a lone call when the grammar lets it make several); it runs
        once. Calls that differ in any argument all stay."""
        seen: set[str] = set()
        unique = []
        for call in calls:
            key = json.dumps([call.tool, call.arguments], sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                unique.append(call)
        return unique


def _literals(value: Any) -> Iterator[str]:
    """The numbers and strings inside an argument value, each as it could be written."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _literals(item)
    elif isinstance(value, list):
        for item in value:
            yield from _literals(item)
    elif isinstance(value, float) and value.is_integer():
        yield str(int(value))  # 5.0 is written 5 in the request
    elif isinstance(value, int | float | str) and not isinstance(value, bool):
        yield str(value)


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def grounded_calls(calls: Sequence[ToolCall], sources: str) -> list[ToolCall]:
    """The first call, then each further call whose every number and string appears in
    `sources` (the request the model answered), case and spacing aside.

    Asked for one call, a small model that may make several writes the right one and
    then more of the same tool with values it made up. A call the request really asks
    for (one of a parallel set) takes its values from the request. The first call is
    the model's choice and is never dropped here (declining is the decision's own
    option); booleans and empty strings carry no evidence either way."""
    haystack = _plain(sources)

    def grounded(call: ToolCall) -> bool:
        return all(_plain(v) in haystack for v in _literals(call.arguments) if v.strip())

    return [*calls[:1], *(c for c in calls[1:] if grounded(c))]


class StepDone(BaseModel):
    action: Literal["done"] = "done"
    result: str


class Replan(BaseModel):
    action: Literal["replan"] = "replan"
    reason: str


class FinalAnswer(BaseModel):
    action: Literal["final"] = "final"
    answer: str


Decision = CallTools | StepDone | Replan | FinalAnswer


def _text(limit: int) -> JsonSchema:
    return {"type": "string", "minLength": 1, "maxLength": limit}


def _obj(properties: dict[str, Any]) -> JsonSchema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _non_empty(parameters: dict[str, Any]) -> dict[str, Any]:
    """A copy where required top-level strings need at least one character.

    An empty string satisfies most tool schemas, and a small model under a grammar
    takes that shortcut (`{"expression": ""}`) far too often.
    """
    props = parameters.get("properties", {})
    required = set(parameters.get("required", []))
    fixed = {
        name: {**sub, "minLength": max(1, sub.get("minLength", 0))}
        if name in required
        and isinstance(sub, dict)
        and sub.get("type") == "string"
        and not {"enum", "const", "pattern"} & set(sub)
        else sub
        for name, sub in props.items()
    }
    return {**parameters, "properties": fixed} if props else parameters


def required_only(parameters: dict[str, Any]) -> dict[str, Any]:
    """A copy of a tool's argument schema without its optional arguments (they keep their
    defaults): a small model fills whatever it is shown, and mostly with the wrong thing."""
    required = set(parameters.get("required", []))
    props = {k: v for k, v in parameters.get("properties", {}).items() if k in required}
    return {**parameters, "properties": props}


def decision_schema(
    tools: Sequence[ToolSpec],
    *,
    actions: Iterable[Action] = ("call", "done", "replan", "final"),
    max_calls: int = 1,
    text_limit: int = TEXT_LIMIT,
) -> JsonSchema:
    """JSON schema of one decision. Tool branches come first, in the order given."""
    allowed = list(dict.fromkeys(actions))
    branches: list[JsonSchema] = []
    if "call" in allowed:
        if not tools:
            raise SchemaError("a decision that may call tools needs at least one tool")
        calls = [
            _obj({"tool": {"const": t.name}, "arguments": _non_empty(t.parameters)}) for t in tools
        ]
        call_item: JsonSchema = calls[0] if len(calls) == 1 else {"anyOf": calls}
        branches.append(
            _obj(
                {
                    "action": {"const": "call"},
                    "calls": {
                        "type": "array",
                        "items": call_item,
                        "minItems": 1,
                        "maxItems": max_calls,
                    },
                }
            )
        )
    fields = {"done": "result", "replan": "reason", "final": "answer"}
    for action in allowed:
        if action != "call":
            branches.append(_obj({"action": {"const": action}, fields[action]: _text(text_limit)}))
    if not branches:
        raise SchemaError("a decision needs at least one allowed action")
    return branches[0] if len(branches) == 1 else {"anyOf": branches}


class _DecisionModel(BaseModel):
    decision: Decision = Field(discriminator="action")


def parse_decision(data: Any) -> Decision:
    """Turn a grammar-valid JSON value into a typed Decision."""
    return _DecisionModel.model_validate({"decision": data}).decision
