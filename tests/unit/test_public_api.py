"""The package root exports the public API lazily, and importing it stays cheap."""

from __future__ import annotations

import subprocess
import sys

import agentkit

HEAVY = ("pydantic", "chromadb", "llama_cpp", "onnxruntime", "numpy", "jinja2", "rich")


def test_every_exported_name_resolves_to_its_defining_object() -> None:
    import importlib

    assert "Agent" in agentkit.__all__ and "tool" in agentkit.__all__
    for name in agentkit.__all__:
        value = getattr(agentkit, name)
        assert value is not None, name
    assert agentkit.Agent is importlib.import_module("agentkit.agent").Agent
    assert agentkit.Session is importlib.import_module("agentkit.workflow.api").Session
    assert set(dir(agentkit)) >= set(agentkit.__all__)


def test_unknown_name_is_an_attribute_error() -> None:
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = agentkit.Nope  # type: ignore[attr-defined]


def _fresh(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


def test_import_agentkit_loads_nothing_heavy() -> None:
    out = _fresh("import sys, agentkit; print(sorted({m.split('.')[0] for m in sys.modules}))")
    assert not [name for name in HEAVY if f"'{name}'" in out], out


def test_tool_decorator_works_whatever_was_imported_first() -> None:
    # Python binds the submodule agentkit.tool to the package attribute `tool`; the root
    # `tool` must still decorate, before and after the submodule is imported.
    code = """
import agentkit.registry
from agentkit import tool, Tool
from agentkit.tool import ToolContext

@tool
def one(a: int) -> int:
    '''Add one.'''
    return a + 1

@tool(permission="write")
def two(a: int) -> int:
    '''Add two.'''
    return a + 2

assert isinstance(one, Tool) and isinstance(two, Tool), (one, two)
assert one(1) == 2 and two.permission == "write" and tool.ToolContext is ToolContext
print("ok")
"""
    assert _fresh(code).strip() == "ok"
    assert _fresh(code.replace("import agentkit.registry\n", "")).strip() == "ok"
