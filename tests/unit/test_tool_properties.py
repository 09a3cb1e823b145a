"""Property tests: what the derived schema allows is accepted; junk never crashes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from agentkit.config import Settings
from agentkit.registry import Toolset
from agentkit.tool import ToolContext, tool


class Item(BaseModel):
    name: Annotated[str, Field(max_length=20)]
    qty: Annotated[int, Field(ge=0, le=100)] = 1


@tool
def order(
    customer: Annotated[str, Field(max_length=30)],
    items: Annotated[list[Item], Field(max_length=4)],
    express: bool = False,
    note: Annotated[str, Field(max_length=40)] | None = None,
    size: Literal["s", "m", "l"] = "m",
    discount: Annotated[float, Field(ge=0, le=1)] = 0.0,
) -> dict[str, Any]:
    """Place an order.

    Args:
        customer: who orders.
        items: what to order.
    """
    return {"customer": customer, "items": [i.model_dump() for i in items], "size": size}


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid for the subset of JSON Schema that derived tool schemas use."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "anyOf" in schema:
        return st.one_of([from_schema(s) for s in schema["anyOf"]])
    kind = schema["type"]
    if kind == "object":
        required = set(schema.get("required", []))
        props = schema["properties"]
        return st.fixed_dictionaries(
            {k: from_schema(v) for k, v in props.items() if k in required},
            optional={k: from_schema(v) for k, v in props.items() if k not in required},
        )
    if kind == "array":
        return st.lists(from_schema(schema["items"]), max_size=schema["maxItems"])
    if kind == "string":
        return st.text(max_size=schema["maxLength"])
    bounds = {"min_value": schema.get("minimum"), "max_value": schema.get("maximum")}
    if kind == "integer":
        return st.integers(**bounds)
    if kind == "number":
        return st.floats(**bounds, allow_nan=False, allow_infinity=False)
    return {"boolean": st.booleans(), "null": st.none()}[kind]


SCHEMA = order.definition.parameters
TOOLS = Toolset([order])
CTX = ToolContext.create(Settings(workspace=Path.cwd()), interactive=False)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@FAST
@given(from_schema(SCHEMA))
def test_every_schema_valid_call_is_accepted(arguments: dict[str, Any]) -> None:
    obs = TOOLS.call("order", arguments, CTX)
    assert obs.ok, obs.text
    assert json.loads(obs.text)["customer"] == arguments["customer"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@FAST
@given(st.dictionaries(st.sampled_from(["customer", "items", "express", "size", "x"]), JSON))
def test_junk_never_crashes_and_schema_invalid_is_rejected(arguments: dict[str, Any]) -> None:
    obs = TOOLS.call("order", arguments, CTX)
    assert obs.ok or obs.error == "invalid_arguments"
    if not obs.ok:
        assert "\n" not in obs.text and obs.text.startswith("invalid arguments for order")
    schema_valid = jsonschema.Draft202012Validator(SCHEMA).is_valid(arguments)
    if schema_valid:
        assert obs.ok, obs.text
    if "x" in arguments:
        assert not obs.ok  # additionalProperties: false is enforced, not just advertised
