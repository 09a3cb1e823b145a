"""agentkit.testing: SchemaModel, the model-load guard and Agent.override."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from agentkit import Agent, Settings, tool
from agentkit.llm.base import Message
from agentkit.testing import (
    ModelLoadBlockedError,
    SchemaModel,
    ScriptedModel,
    UnsupportedSchemaError,
    instance_for,
    model_loads,
)

SCHEMAS: list[dict[str, Any]] = [
    {"type": "object", "properties": {"a": {"type": "integer", "minimum": 3}}, "required": ["a"]},
    {"type": "string", "pattern": r"^\[(obs-1|obs-2)\]( and \[(obs-1|obs-2)\]){0,2}$"},
    {"type": "string", "pattern": r"^[A-Z]{3}-\d{2,4}$", "maxLength": 10},
    {"type": "string", "minLength": 4, "maxLength": 6},
    {"type": "integer", "exclusiveMinimum": 5, "maximum": 9, "multipleOf": 3},
    {"type": "number", "exclusiveMaximum": -1},
    {
        "$defs": {"P": {"type": "object", "properties": {"x": {"enum": ["u", "v"]}}}},
        "type": "array",
        "items": {"$ref": "#/$defs/P"},
        "minItems": 2,
        "maxItems": 4,
    },
    {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0.5}]},
    {"anyOf": [{"type": "null"}, {"type": "string", "minLength": 3, "maxLength": 4}]},
    {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": 5},
        "minItems": 3,
        "uniqueItems": True,
    },
    {"type": ["string", "null"], "format": "date"},
    {
        "allOf": [
            {"properties": {"a": {"const": 1}}, "required": ["a"]},
            {"properties": {"b": {"type": "boolean"}}, "required": ["b"]},
        ]
    },
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: json.dumps(s)[:40])
def test_minimal_and_seeded_instances_are_valid(schema: dict[str, Any]) -> None:
    jsonschema.validate(instance_for(schema), schema)
    for seed in range(5):
        jsonschema.validate(instance_for(schema, seed=seed), schema)


def test_minimal_instance_is_minimal() -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer", "minimum": 2}, "opt": {"type": "string"}},
        "required": ["n"],
    }
    assert instance_for(schema) == {"n": 2}
    assert instance_for({"type": "string", "minLength": 3}) == "aaa"
    assert instance_for({"enum": ["b", "a"]}) == "b"


def test_same_seed_same_instance() -> None:
    schema = SCHEMAS[2]
    assert instance_for(schema, seed=7) == instance_for(schema, seed=7)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "pattern": "(?=a)b"},  # lookahead
        {"$ref": "https://example.com/schema.json"},
        {"enum": []},
        {"type": "integer", "minimum": 5, "maximum": 1},
    ],
)
def test_unsupported_schema_is_a_clear_error(schema: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedSchemaError):
        instance_for(schema)


def test_schema_model_answers_structured_and_free_calls() -> None:
    model = SchemaModel(text="plain")
    schema = SCHEMAS[0]
    done = model.complete([Message(role="user", content="hi")], schema=schema)
    jsonschema.validate(json.loads(done.text), schema)
    assert model.complete([Message(role="user", content="hi")]).text == "plain"
    assert [s for _, s in model.calls] == [schema, None]


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers.

    Args:
        a: first factor.
        b: second factor.
    """
    return a * b


@pytest.mark.parametrize("seed", [None, 1, 2])
def test_agent_runs_to_an_end_on_schema_model(seed: int | None) -> None:
    model = SchemaModel(seed=seed)
    result = Agent(model=model, tools=[multiply], settings=Settings(max_steps=4)).run("6 * 7?")
    assert result.status in {"succeeded", "failed", "budget_exhausted"}
    assert model.calls and all(schema is not None for _, schema in model.calls)


def test_blocked_model_load_fails_loudly() -> None:
    agent = Agent(tools=[multiply])  # model=None: the configured GGUF would load
    with model_loads(False), pytest.raises(ModelLoadBlockedError, match="ALLOW_MODEL_LOADS"):
        _ = agent.model


def test_agent_override_swaps_model_and_tools_of_agents_built_inside() -> None:
    def app_code() -> Agent:  # code built on agentkit, constructing its own agent
        return Agent(tools=[])

    model = ScriptedModel(name="scripted-override")
    with Agent.override(model=model, tools=[multiply]):
        inner = app_code()
        with Agent.override(tools=[]):  # nesting keeps the outer model
            assert app_code().model is model and len(app_code().tools) == 0
    assert inner.model is model and inner.tools.names() == ["multiply"]
    assert len(app_code().tools) == 0  # outside the block, the caller's choice again
