"""The built-in memory tools, through the real Toolset and ToolContext."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentkit.config import Settings
from agentkit.memory import Memory
from agentkit.plugins import load_file
from agentkit.registry import Toolset
from agentkit.resources import tools_dir
from agentkit.tool import ToolContext

pytestmark = pytest.mark.integration


@pytest.fixture
def toolset() -> Toolset:
    module = load_file(tools_dir() / "memory.py")
    return Toolset([module.memory_search, module.remember])


def test_remember_then_search(toolset: Toolset, tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path, yes=True)
    with Memory(tmp_path / "mem") as memory:
        ctx = ToolContext.create(settings, run_id="run-7", memory=memory, interactive=False)
        saved = toolset.call("remember", {"text": "The staging database is on port 5433"}, ctx)
        assert saved.ok and saved.text.startswith("remembered as n-")
        found = toolset.call("memory_search", {"query": "staging db port"}, ctx)
        assert found.ok
        assert found.text.startswith('<untrusted-context id="n-')
        assert "5433" in found.text and 'source="agent"' in found.text
        assert memory.search("staging db port")[0].run_id == "run-7"
        empty = toolset.call("memory_search", {"query": "zebra migration", "kind": "episode"}, ctx)
        assert empty.text == "no relevant memories found"


def test_disabled_memory_is_a_clear_error(toolset: Toolset, tmp_path: Path) -> None:
    ctx = ToolContext.create(Settings(workspace=tmp_path, yes=True), interactive=False)
    result = toolset.call("memory_search", {"query": "anything"}, ctx)
    assert not result.ok and "memory is disabled" in result.text
    assert "memory is disabled" in toolset.call("remember", {"text": "x"}, ctx).text
