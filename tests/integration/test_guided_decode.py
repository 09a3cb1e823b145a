"""Structured output on the real bundled GGUF, through both decoders.

The llguidance loop (agentkit/llm/guided.py) is the default; llama.cpp's GBNF sampler is
the explicit alternative (`decoder = "gbnf"`). Every schema test runs on both; the
counters only the llguidance loop has (forced, resampled) are tested on it alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel, Field

from agentkit.errors import SchemaError
from agentkit.llm.base import Message
from agentkit.llm.llama import Decoder, LlamaModel
from agentkit.llm.structured import generate

pytestmark = pytest.mark.integration

DECODERS: list[Decoder] = ["llguidance", "gbnf"]


@pytest.fixture(scope="module")
def loaded() -> LlamaModel:
    return LlamaModel(n_ctx=1024)


@pytest.fixture(params=DECODERS)
def model(loaded: LlamaModel, request: pytest.FixtureRequest) -> Iterator[LlamaModel]:
    loaded.decoder = request.param
    yield loaded
    loaded.decoder = "llguidance"


@pytest.fixture
def guided(loaded: LlamaModel) -> LlamaModel:
    loaded.decoder = "llguidance"
    return loaded


class Capital(BaseModel):
    country: str = Field(max_length=30)
    capital: str = Field(max_length=30)


def ask(text: str) -> list[Message]:
    return [Message(role="user", content=text)]


def test_output_validates_against_the_schema(model: LlamaModel) -> None:
    value, completion = generate(model, ask("What is the capital of France? JSON."), Capital)
    assert isinstance(value, Capital) and value.capital
    usage = completion.usage
    assert usage.completion_tokens == usage.sampled_tokens + usage.forced_tokens
    assert usage.calls == 1 and usage.seconds > 0


SCHEMAS: dict[str, dict[str, Any]] = {
    "pattern": {
        "type": "object",
        "properties": {"date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}},
        "required": ["date"],
        "additionalProperties": False,
    },
    "enum": {
        "type": "object",
        "properties": {"colour": {"enum": ["red", "green", "blue"]}},
        "required": ["colour"],
        "additionalProperties": False,
    },
    "nested": {
        "type": "object",
        "properties": {
            "person": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "maxLength": 20},
                    "address": {
                        "type": "object",
                        "properties": {"city": {"type": "string", "maxLength": 20}},
                        "required": ["city"],
                        "additionalProperties": False,
                    },
                },
                "required": ["name", "address"],
                "additionalProperties": False,
            }
        },
        "required": ["person"],
        "additionalProperties": False,
    },
    "bounded array": {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {"type": "string", "maxLength": 12},
                "minItems": 1,
                "maxItems": 3,
            }
        },
        "required": ["items"],
        "additionalProperties": False,
    },
}
PROMPTS = {
    "pattern": "When did the Berlin wall fall? Give the date.",
    "enum": "What colour is the sky on a clear day?",
    "nested": "Invent a person who lives in Paris.",
    "bounded array": "List as many fruits as you can.",
}


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_each_kind_of_constraint_decodes_validly(model: LlamaModel, kind: str) -> None:
    schema = SCHEMAS[kind]
    value, _ = generate(model, ask(PROMPTS[kind]), schema, max_tokens=120)
    jsonschema.validate(value, schema)
    if kind == "bounded array":
        assert 1 <= len(value["items"]) <= 3


def test_forced_tokens_are_counted(guided: LlamaModel) -> None:
    _, completion = generate(guided, ask("Name a country and its capital."), Capital)
    usage = completion.usage
    # `{"country": "` and `", "capital": "` are fixed by the schema: never sampled.
    assert completion.text.startswith('{"country": "')
    assert usage.forced_tokens >= 4
    assert usage.sampled_tokens >= 2
    assert usage.forced_tokens + usage.sampled_tokens == usage.completion_tokens


def test_a_rejected_token_is_masked_and_resampled(guided: LlamaModel) -> None:
    # Asked for a poem but held to an integer, the model's first choice after
    # `{"answer": ` is text, which the matcher refuses; the mask then yields a digit.
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "integer"}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    value, completion = generate(guided, ask("Write a short poem about the sea."), schema)
    assert isinstance(value["answer"], int)
    assert completion.usage.resampled_tokens >= 1


def test_the_kv_cache_is_reused_across_two_calls(model: LlamaModel) -> None:
    system = Message(role="system", content="You answer in JSON. " * 40)
    first = [system, *ask("What is the capital of Italy?")]
    second = [system, *ask("What is the capital of Spain?")]
    a = generate(model, first, Capital)[1].usage
    b = generate(model, second, Capital)[1].usage
    assert a.prompt_tokens > 200
    assert b.cached_prompt_tokens > 200
    assert b.evaluated_prompt_tokens < 20
    again = generate(model, second, Capital)[1].usage  # the same prompt: all but one token
    assert again.cached_prompt_tokens == again.prompt_tokens - 1


def test_an_unconstrained_call_reuses_what_the_guided_loop_left(guided: LlamaModel) -> None:
    messages = [Message(role="system", content="Be brief. " * 50), *ask("Say hi.")]
    generate(guided, messages, Capital)
    plain = guided.complete(messages, max_tokens=4).usage
    assert plain.cached_prompt_tokens == plain.prompt_tokens - 1


def test_temperature_sampling_still_validates(guided: LlamaModel) -> None:
    guided.temperature = 0.9
    try:
        for seed in range(3):
            guided.seed = seed
            value, _ = generate(guided, ask("Name a country and its capital."), Capital)
            assert isinstance(value, Capital)
    finally:
        guided.temperature, guided.seed = 0.0, 0


def test_a_budget_too_small_fails_validation_instead_of_falling_back(guided: LlamaModel) -> None:
    with pytest.raises(SchemaError, match="not valid JSON"):
        generate(guided, ask("Name a country and its capital."), Capital, max_tokens=5)


def test_a_schema_llguidance_cannot_compile_is_a_schema_error(guided: LlamaModel) -> None:
    schema = {"type": "string", "pattern": "(?<=a)b"}  # look-behind: not a regular language
    with pytest.raises(SchemaError, match="llguidance cannot compile"):
        guided.complete(ask("hi"), schema=schema)
    with pytest.raises(SchemaError, match="llguidance cannot compile"):
        guided.complete(ask("hi"), schema={"$ref": "#/$defs/missing"})


def test_compiled_grammars_are_cached_per_schema(guided: LlamaModel) -> None:
    schema = Capital.model_json_schema()
    assert guided.grammar(schema) is guided.grammar(dict(schema))
    assert guided.grammar(schema) is not guided.grammar(SCHEMAS["enum"])


def test_the_gbnf_decoder_is_logged_once(
    loaded: LlamaModel, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agentkit.llm.llama as llama_module

    monkeypatch.setattr(llama_module, "_gbnf_logged", False)
    monkeypatch.setattr(loaded, "decoder", "gbnf")
    with caplog.at_level(logging.WARNING, logger="agentkit.llm.llama"):
        generate(loaded, ask("Name a country and its capital."), Capital)
        generate(loaded, ask("Name another country and its capital."), Capital)
    said = [r for r in caplog.records if "decoder = gbnf" in r.getMessage()]
    assert len(said) == 1


def test_a_token_repeated_sixteen_times_is_drawn_again(guided: LlamaModel) -> None:
    """A JSON number has no length bound, and greedy decoding loops in one (BFCL
    irrelevance_4 wrote 8s up to the token budget): the 17th identical token in a row is
    replaced by the best other token the grammar allows."""
    from agentkit.llm.guided import MAX_RUN

    prompt = ask("Write this number exactly: 0." + "8" * 60)
    completion = guided.complete(prompt, schema={"type": "number"}, max_tokens=120)
    assert "8" * 12 in completion.text  # it loops,
    assert "8" * (MAX_RUN + 1) not in completion.text  # but not past MAX_RUN
    assert completion.usage.resampled_tokens >= 1
    float(completion.text)  # still a number
