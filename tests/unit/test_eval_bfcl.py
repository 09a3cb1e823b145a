"""Loading BFCL data and translating its function docs into bounded JSON Schema."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentkit.decision import decision_schema
from agentkit.errors import ConfigError, SchemaError
from agentkit.eval.bfcl import (
    ARRAY_LIMIT,
    CATEGORIES,
    STRING_LIMIT,
    kind_of,
    load_items,
    render_docs,
    to_schema,
    tools_of,
)
from agentkit.llm.structured import check_bounded

FIXTURE = Path(__file__).parents[1] / "fixtures" / "bfcl"
SHARED = Path(os.environ.get("AGENTKIT_BFCL_DATA", Path(__file__).parents[3] / "shared/bench/bfcl"))


def test_fixture_keeps_its_license() -> None:
    assert "Apache License" in (FIXTURE / "LICENSE").read_text(encoding="utf-8")


def test_load_all_categories_with_answers() -> None:
    items = load_items(FIXTURE)
    assert [i.category for i in items] == [c for c in CATEGORIES for _ in range(3)]
    simple = items[0]
    assert simple.id == "simple_python_0"
    assert simple.messages[0].role == "user"
    assert simple.answers == [
        {"calculate_triangle_area": {"base": [10], "height": [5], "unit": ["units", ""]}}
    ]
    assert all(i.answers == [] for i in items if i.category == "irrelevance")


def test_limit_category_and_alias() -> None:
    items = load_items(FIXTURE, ["simple", "parallel"], limit=2)
    assert [i.id for i in items] == [
        "simple_python_0",
        "simple_python_1",
        "parallel_0",
        "parallel_1",
    ]


def test_skip_leaves_out_the_first_items_of_each_category() -> None:
    items = load_items(FIXTURE, ["simple", "parallel"], limit=1, skip=1)
    assert [i.id for i in items] == ["simple_python_1", "parallel_1"]
    assert [i.id for i in load_items(FIXTURE, ["simple"], skip=2)] == ["simple_python_2"]


def test_missing_data_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_items(tmp_path / "nope")
    with pytest.raises(ConfigError, match=r"BFCL_v4_multiple\.json"):
        load_items(tmp_path, ["multiple"])
    with pytest.raises(ConfigError, match="unknown BFCL category"):
        load_items(FIXTURE, ["live_simple"])


def test_kinds() -> None:
    assert [kind_of(c) for c in CATEGORIES] == ["single", "single", "parallel", "parallel", "none"]


def test_types_translate_to_json_schema() -> None:
    assert to_schema({"type": "float"}) == {"type": "number"}
    assert to_schema({"type": "integer", "description": "x", "default": 3}) == {"type": "integer"}
    assert to_schema({"type": "string"}) == {"type": "string", "maxLength": STRING_LIMIT}
    assert to_schema({"type": "string", "enum": ["a", "b"]}) == {
        "type": "string",
        "enum": ["a", "b"],
    }
    assert to_schema({"type": "tuple", "items": {"type": "float"}}) == {
        "type": "array",
        "items": {"type": "number"},
        "maxItems": ARRAY_LIMIT,
    }
    nested = to_schema(
        {"type": "dict", "properties": {"k": {"type": "boolean"}}, "required": ["k", "ghost"]}
    )
    assert nested == {
        "type": "object",
        "properties": {"k": {"type": "boolean"}},
        "required": ["k"],
        "additionalProperties": False,
    }
    assert to_schema({"type": "any"}, bounded=False) == {}
    assert "anyOf" in to_schema({"type": "any"})
    assert to_schema({"type": "dict"})["additionalProperties"]
    with pytest.raises(SchemaError, match="unknown BFCL parameter type"):
        to_schema({"type": "complex"})


def _all_items() -> list[Path]:
    return [FIXTURE, *([SHARED] if (SHARED / "BFCL_v4_multiple.json").is_file() else [])]


@pytest.mark.parametrize("data", _all_items(), ids=lambda p: p.name)
def test_every_decision_schema_is_bounded(data: Path) -> None:
    for item in load_items(data):
        schema = decision_schema(tools_of(item.functions), actions=("call", "final"), max_calls=8)
        check_bounded(schema)


def test_docs_are_compact_and_mark_optional_parameters() -> None:
    docs = render_docs(load_items(FIXTURE, ["simple_python"], limit=1)[0].functions)
    assert docs.splitlines()[0].startswith("calculate_triangle_area(base, height, unit?):")
    assert "  unit (string): The unit of measure" in docs
    assert docs.rstrip().endswith("Optional.")
