"""@tool: schema derivation from signature + docstring, and what the model sees."""

from __future__ import annotations

import asyncio
import json
from enum import Enum
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

from agentkit.errors import PluginError
from agentkit.llm.structured import check_bounded
from agentkit.tool import Permission, Tool, ToolContext, tool
from agentkit.toolschema import parse_docstring


class Color(Enum):
    RED = "red"
    BLUE = "blue"


class Point(BaseModel):
    x: int
    label: str = "p"


class Shape(BaseModel):
    points: list[Point]
    color: Color = Color.RED


@tool
def everything(
    name: str,
    ctx: ToolContext,
    count: int = 3,
    mode: Literal["fast", "slow"] = "fast",
    tags: list[str] | None = None,
    shape: Shape | None = None,
    short: Annotated[str, Field(max_length=10)] = "",
) -> str:
    """Exercise every supported kind of parameter.

    Args:
        name: who to greet.
        count: how many times.
        mode: speed.
        tags: labels
            spread over two lines.
        shape: a nested model.
        short: a bounded string.
    """
    return name * count


def _walk(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        found.append(node)
        for key, value in node.items():
            if key not in {"default", "enum", "const", "examples"}:
                found += _walk(value)
    elif isinstance(node, list):
        for item in node:
            found += _walk(item)
    return found


def test_definition_is_self_contained_and_bounded() -> None:
    params = everything.definition.parameters
    check_bounded(params)
    assert params["type"] == "object"
    assert params["required"] == ["name"]
    text = json.dumps(params)
    assert "$ref" not in text and "$defs" not in text and '"title"' not in text
    for node in _walk(params):
        kinds = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
        if "object" in kinds:
            assert node["additionalProperties"] is False, node
        if "array" in kinds:
            assert node["maxItems"] == 32
        if "string" in kinds and not {"enum", "const", "pattern"} & node.keys():
            assert "maxLength" in node


def test_parameters_keep_defaults_enums_descriptions_and_author_bounds() -> None:
    props = everything.definition.parameters["properties"]
    assert "ctx" not in props
    assert props["count"] == {"default": 3, "description": "how many times.", "type": "integer"}
    assert props["mode"]["enum"] == ["fast", "slow"]
    assert props["tags"]["description"] == "labels spread over two lines."
    assert props["short"]["maxLength"] == 10
    assert props["name"]["maxLength"] == 2000
    shape = next(s for s in props["shape"]["anyOf"] if s.get("type") == "object")
    assert shape["properties"]["color"]["enum"] == ["red", "blue"]
    assert shape["properties"]["points"]["items"]["additionalProperties"] is False


def test_definition_fields() -> None:
    d = everything.definition
    assert d.name == "everything"
    assert d.description == "Exercise every supported kind of parameter."
    assert d.permission is Permission.READ
    assert everything.source == "python" and everything.timeout is None
    assert everything.context_param == "ctx"


def test_validate_returns_models_for_nested_arguments() -> None:
    kwargs = everything.validate({"name": "a", "shape": {"points": [{"x": 1}]}})
    assert isinstance(kwargs["shape"], Shape)
    assert kwargs["shape"].points[0] == Point(x=1)
    assert kwargs["count"] == 3


def test_tool_stays_callable_like_the_function() -> None:
    @tool(name="adder", permission="write", timeout=2)
    def add(a: int, b: int = 1) -> int:
        """Add two numbers."""
        return a + b

    assert isinstance(add, Tool)
    assert add(2, b=3) == 5
    assert add.__name__ == "add" and add.__doc__ == "Add two numbers."
    assert add.name == "adder" and add.permission is Permission.WRITE and add.timeout == 2


def test_async_function_becomes_async_tool() -> None:
    @tool
    async def wait(seconds: float = 0.0) -> str:
        """Wait a little."""
        await asyncio.sleep(seconds)
        return "waited"

    assert wait.is_async
    assert asyncio.run(wait(0)) == "waited"


def test_no_parameters_gives_empty_closed_object() -> None:
    @tool
    def ping() -> str:
        """Say pong."""
        return "pong"

    assert ping.definition.parameters == {
        "additionalProperties": False,
        "properties": {},
        "type": "object",
    }


def _no_doc(x: int) -> int:
    return x


def _var_args(*args: int) -> int:
    """Doc."""
    return 0


def _no_hint(x) -> int:  # type: ignore[no-untyped-def]
    """Doc."""
    return 0


def _mapping(x: dict[str, int]) -> int:
    """Doc."""
    return 0


def _any(x: Any) -> int:
    """Doc."""
    return 0


def _any_list(x: list[Any]) -> int:
    """Doc."""
    return 0


class Node(BaseModel):
    children: list[Node] = []


def _recursive(x: Node) -> int:
    """Doc."""
    return 0


@pytest.mark.parametrize(
    ("fn", "kwargs", "message"),
    [
        (_no_doc, {}, "no docstring"),
        (_var_args, {}, "*args"),
        (_no_hint, {}, "type hint"),
        (_mapping, {}, "open mapping"),
        (_any, {}, "no concrete type"),
        (_any_list, {}, "no concrete type"),
        (_recursive, {}, "recursive"),
        (_mapping, {"name": "bad name!"}, "letters, digits"),
        (_no_doc, {"permission": "admin", "description": "d"}, "permission"),
        (_no_doc, {"timeout": 0, "description": "d"}, "timeout"),
    ],
)
def test_bad_definitions_raise_plugin_error(fn: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(PluginError, match=message.replace("*", r"\*")):
        Tool(fn, **kwargs)


def test_google_numpy_and_sphinx_docstrings() -> None:
    google = (
        "Sum.\n\n    Args:\n        a (int): first\n            more.\n"
        "        b: second\n    Returns:\n        total\n"
    )
    numpy = "Sum.\n\nParameters\n----------\na : int\n    first\nb : int\n    second\n"
    sphinx = "Sum.\n\n:param int a: first\n:param b: second\n:returns: total\n"
    assert parse_docstring(google) == ("Sum.", {"a": "first more.", "b": "second"})
    assert parse_docstring(numpy) == ("Sum.", {"a": "first", "b": "second"})
    assert parse_docstring(sphinx) == ("Sum.", {"a": "first", "b": "second"})
    assert parse_docstring(None) == ("", {})
