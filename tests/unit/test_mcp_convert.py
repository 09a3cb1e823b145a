"""MCP tool descriptions and results to agentkit's shapes; the [mcp] settings and --mcp."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentkit.config import Settings
from agentkit.errors import ConfigError, PluginError
from agentkit.llm.structured import check_bounded
from agentkit.mcp.config import McpServerConfig, parse_server_flags
from agentkit.mcp.convert import agentkit_name, argument_schema, permission_of, result_text
from agentkit.tool import Permission


def bounded(schema: dict[str, Any], **kw: int) -> Any:
    return argument_schema(
        schema, max_length=kw.get("max_length", 500), max_items=kw.get("max_items", 16), where="t"
    )


def test_strings_and_arrays_get_the_configured_bounds() -> None:
    schema = bounded(
        {
            "type": "object",
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "properties": {
                "q": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "short": {"type": "string", "maxLength": 20},
            },
            "required": ["q"],
        },
        max_length=123,
        max_items=7,
    )
    check_bounded(schema)
    props = schema["properties"]
    assert props["q"]["maxLength"] == 123
    assert props["short"]["maxLength"] == 20
    assert props["tags"]["maxItems"] == 7 and props["tags"]["items"]["maxLength"] == 123
    assert schema["additionalProperties"] is False and "$schema" not in schema


def test_draft7_definitions_are_inlined() -> None:
    schema = bounded(
        {
            "type": "object",
            "definitions": {"Unit": {"type": "string", "enum": ["c", "f"]}},
            "properties": {"unit": {"$ref": "#/definitions/Unit"}},
        }
    )
    assert schema["properties"]["unit"]["enum"] == ["c", "f"]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"anything": {}}},  # no type at all
        {"type": "object", "properties": {"m": {"type": "object", "additionalProperties": {}}}},
        {
            "type": "object",
            "$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}},
            "properties": {"n": {"$ref": "#/$defs/Node"}},
        },
        {"type": "array"},
    ],
    ids=["untyped", "open-mapping", "recursive", "not-an-object"],
)
def test_schemas_that_cannot_be_grammar_safe_are_refused(schema: dict[str, Any]) -> None:
    with pytest.raises(PluginError, match=r"^t: "):
        bounded(schema)


@pytest.mark.parametrize(
    ("hints", "override", "expected"),
    [
        ({"readOnlyHint": True}, None, Permission.READ),
        ({"readOnlyHint": False, "destructiveHint": False}, None, Permission.WRITE),
        ({"destructiveHint": True}, None, Permission.EXECUTE),
        ({}, None, Permission.EXECUTE),
        (None, None, Permission.EXECUTE),
        ({"readOnlyHint": True}, "execute", Permission.EXECUTE),
        (None, "read", Permission.READ),
    ],
)
def test_permission_from_annotations_unless_configured(
    hints: dict[str, Any] | None, override: str | None, expected: Permission
) -> None:
    assert permission_of(hints, override) is expected


def test_names_are_made_valid_and_namespaced_only_on_collision() -> None:
    assert agentkit_name("get-sum", "every", set()) == ("get_sum", None)
    assert agentkit_name("echo", "every", {"echo"}) == ("every_echo", "echo is taken")
    assert agentkit_name("echo", "every", {"echo", "every_echo"})[0] == "every_echo_2"
    assert agentkit_name("9lives", "s", set())[0] == "_9lives"


def test_results_become_text_and_notes() -> None:
    ok, text = result_text(
        {
            "content": [
                {"type": "text", "text": "hello"},
                {"type": "image", "data": "AAAA", "mimeType": "image/png"},
                {"type": "resource", "resource": {"uri": "demo://a", "text": "body"}},
                {"type": "resource_link", "uri": "demo://b", "name": "b"},
            ]
        }
    )
    assert ok
    assert text.splitlines() == [
        "hello",
        "[image image/png, 3 bytes, not shown]",
        "[resource demo://a]",
        "body",
        "[resource link demo://b: b]",
    ]
    assert result_text({"content": [], "structuredContent": {"t": 1}}) == (True, '{"t": 1}')
    assert result_text({"content": [{"type": "text", "text": "bad"}], "isError": True}) == (
        False,
        "bad",
    )


def test_server_flags_and_config_tables() -> None:
    servers = parse_server_flags(
        ["time=python -m mcp_server_time --local-timezone 'Asia/Tokyo'", "web=http://h:1/mcp"]
    )
    assert servers["time"].command == "python"
    assert servers["time"].args == ["-m", "mcp_server_time", "--local-timezone", "Asia/Tokyo"]
    assert servers["web"].url == "http://h:1/mcp"
    for bad in ["time", "=python", "time=", "1x=python", "t=python 'unclosed"]:
        with pytest.raises(ConfigError, match="--mcp"):
            parse_server_flags([bad])
    settings = Settings.model_validate(
        {"mcp": {"servers": {"t": {"command": "x", "cwd": "~/w", "permission": "read"}}}}
    )
    assert settings.mcp.servers["t"].cwd == Path("~/w")
    with pytest.raises(ValueError, match="exactly one of command"):
        McpServerConfig(command="x", url="http://h/mcp")
    with pytest.raises(ValueError, match="exactly one of command"):
        McpServerConfig()
