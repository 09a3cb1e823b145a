"""Structured output, bounded schemas, grammar text, model resolution errors, test double."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field

from agentkit.errors import (
    EmptyOutputError,
    ModelFormatError,
    ModelNotFoundError,
    SchemaError,
)
from agentkit.llm.base import Message
from agentkit.llm.grammar import schema_to_gbnf
from agentkit.llm.resolve import bundled_model_path, resolve_model
from agentkit.llm.structured import check_bounded, generate
from agentkit.testing import ScriptedModel

USER = [Message(role="user", content="hi")]


class City(BaseModel):
    name: str = Field(max_length=40)
    tags: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=3)


class Unbounded(BaseModel):
    name: str


def test_generate_returns_a_validated_instance() -> None:
    value, completion = generate(ScriptedModel([{"name": "Paris", "tags": ["fr"]}]), USER, City)
    assert value == City(name="Paris", tags=["fr"])
    assert completion.usage.completion_tokens > 0


def test_generate_with_a_plain_json_schema() -> None:
    schema = {"type": "object", "properties": {"n": {"enum": [1, 2]}}, "required": ["n"]}
    value, _ = generate(ScriptedModel([{"n": 2}]), USER, schema)
    assert value == {"n": 2}


@pytest.mark.parametrize(
    "schema",
    [
        Unbounded.model_json_schema(),
        {"type": "array", "items": {"type": "integer"}},
        {
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/S"}},
            "$defs": {"S": {"type": "string"}},
        },
    ],
)
def test_unbounded_schemas_are_refused(schema: dict[str, Any]) -> None:
    with pytest.raises(SchemaError, match="no max"):
        check_bounded(schema)


def test_enum_const_and_pattern_strings_need_no_bound() -> None:
    check_bounded({"type": "string", "enum": ["a", "b"]})
    check_bounded({"type": "string", "pattern": "^[a-z]{1,4}$"})


def test_scripted_reply_that_breaks_the_schema_is_an_error() -> None:
    with pytest.raises(SchemaError, match="schema"):
        generate(ScriptedModel([{"name": 3}]), USER, City)


def test_scripted_empty_reply_is_empty_output() -> None:
    with pytest.raises(EmptyOutputError):
        ScriptedModel(["  "]).complete(USER)


def test_scripted_rules_pick_by_last_message() -> None:
    model = ScriptedModel(rules=[("weather", "sunny"), ("hi", "hello")])
    assert model.complete(USER).text == "hello"
    assert model.complete([Message(role="user", content="weather?")]).text == "sunny"


def test_grammar_uses_native_bounded_repetition() -> None:
    grammar = schema_to_gbnf(
        {
            "type": "object",
            "properties": {
                "text": {"type": "string", "maxLength": 800},
                "long": {"type": "string", "maxLength": 5000},
                "ids": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "minItems": 1,
                    "maxItems": 4,
                },
            },
            "required": ["text", "long", "ids"],
            "additionalProperties": False,
        }
    )
    assert "(char){0,800}" in grammar  # not 800 nested optional groups
    assert "(char){0,}" in grammar  # above llama.cpp's repetition limit: validated after
    assert '("," space integer){0,3}' in grammar
    assert len(grammar) < 2000


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="not found"):
        resolve_model(tmp_path / "missing.gguf")


def test_file_that_is_not_gguf(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(b"PK\x03\x04 definitely a zip file" * 4)
    with pytest.raises(ModelFormatError, match="not a GGUF"):
        resolve_model(path)


def test_tiny_truncated_gguf(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(b"GGUF\x03\x00")
    with pytest.raises(ModelFormatError, match="truncated"):
        resolve_model(path)


def test_aliases_resolve_to_the_bundled_model() -> None:
    assert resolve_model("smollm2") == resolve_model(None) == bundled_model_path()
    assert bundled_model_path().name.endswith(".gguf")
