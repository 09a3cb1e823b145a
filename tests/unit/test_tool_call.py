"""Toolset.call: validation, permissions, timeouts, errors and rendering become observations."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from agentkit.config import Settings
from agentkit.errors import ToolConflictError, ToolError, ToolNotFoundError
from agentkit.registry import Toolset
from agentkit.tool import MAX_OBSERVATION_CHARS, ToolContext, tool


class Reply(BaseModel):
    value: int


@tool
def echo(text: str) -> str:
    """Echo text."""
    return text


@tool
def as_dict(n: int) -> dict[str, Any]:
    """Return a dict."""
    return {"n": n, "items": [1, 2]}


@tool
def as_model(n: int) -> Reply:
    """Return a model."""
    return Reply(value=n)


@tool
def nothing() -> None:
    """Return nothing."""


@tool
def huge() -> str:
    """Return a lot."""
    return "x" * (MAX_OBSERVATION_CHARS + 12345)


@tool
def boom() -> str:
    """Raise."""
    raise ValueError("bad thing")


@tool
def polite_failure() -> str:
    """Raise a ToolError."""
    raise ToolError("the file is locked; try later")


@tool
def exits() -> str:
    """Call sys.exit."""
    raise SystemExit(3)


@tool(timeout=0.2)
def sleepy() -> str:
    """Sleep too long."""
    time.sleep(3)
    return "late"


@tool(timeout=0.2)
async def async_sleepy() -> str:
    """Sleep too long, asynchronously."""
    await asyncio.sleep(3)
    return "late"


@tool
async def async_ok(n: int) -> int:
    """Async double."""
    await asyncio.sleep(0)
    return n * 2


@tool
def uses_default_timeout() -> str:
    """Sleep past the settings' tool_timeout."""
    time.sleep(3)
    return "late"


@tool
def sees_context(ctx: ToolContext) -> str:
    """Report the context."""
    return f"{ctx.run_id} {ctx.workspace.name} {ctx.timeout}"


@tool(permission="write")
def writer(text: str) -> str:
    """Write something."""
    return f"wrote {text}"


@tool(permission="execute")
def runner() -> str:
    """Run something."""
    return "ran"


ALL = [echo, as_dict, as_model, nothing, huge, boom, polite_failure, exits, sleepy, async_sleepy,
       async_ok, uses_default_timeout, sees_context, writer, runner]  # fmt: skip


def make_ctx(tmp_path: Path, approve: Any = None, **settings: Any) -> ToolContext:
    s = Settings(workspace=tmp_path, tool_timeout=settings.pop("tool_timeout", 5), **settings)
    return ToolContext.create(s, run_id="r1", approve=approve, interactive=False)


@pytest.fixture
def toolset() -> Toolset:
    return Toolset(ALL)


@pytest.mark.parametrize(
    ("name", "args", "text"),
    [
        ("echo", {"text": "hi"}, "hi"),
        ("as_dict", {"n": 2}, '{"n":2,"items":[1,2]}'),
        ("as_model", {"n": 2}, '{"value":2}'),
        ("nothing", {}, "done"),
        ("async_ok", {"n": 4}, "8"),
        ("as_dict", {"n": "7"}, '{"n":7,"items":[1,2]}'),  # lax coercion helps small models
    ],
)
def test_results_render_as_text(
    toolset: Toolset, tmp_path: Path, name: str, args: Any, text: str
) -> None:
    obs = toolset.call(name, args, make_ctx(tmp_path))
    assert obs.ok and obs.error is None and obs.text == text and obs.tool == name
    assert obs.seconds >= 0


def test_large_output_is_truncated_with_marker(toolset: Toolset, tmp_path: Path) -> None:
    obs = toolset.call("huge", {}, make_ctx(tmp_path))
    assert obs.ok
    assert obs.text.endswith("…[truncated 12345 chars]")
    assert len(obs.text) < MAX_OBSERVATION_CHARS + 40


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({}, "text: Field required"),
        ({"text": 5}, "text: Input should be a valid string"),
        ({"text": "a", "extra": 1}, "extra: Extra inputs are not permitted"),
        ({"text": "a", "ctx": 1}, "ctx: Extra inputs are not permitted"),
    ],
)
def test_invalid_arguments(toolset: Toolset, tmp_path: Path, args: Any, fragment: str) -> None:
    obs = toolset.call("echo", args, make_ctx(tmp_path))
    assert not obs.ok and obs.error == "invalid_arguments"
    assert fragment in obs.text and "\n" not in obs.text


def test_non_object_arguments(toolset: Toolset, tmp_path: Path) -> None:
    obs = toolset.call("echo", ["hi"], make_ctx(tmp_path))  # type: ignore[arg-type]
    assert obs.error == "invalid_arguments"


def test_unknown_tool_lists_the_known_ones(toolset: Toolset, tmp_path: Path) -> None:
    obs = toolset.call("ecko", {}, make_ctx(tmp_path))
    assert obs.error == "not_found" and "echo" in obs.text


def test_denied_tool_is_not_found(toolset: Toolset, tmp_path: Path) -> None:
    obs = toolset.call("echo", {"text": "x"}, make_ctx(tmp_path, deny_tools=["echo"]))
    assert obs.error == "not_found"


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("boom", "boom failed: ValueError: bad thing"),
        ("polite_failure", "polite_failure failed: the file is locked; try later"),
        ("exits", "SystemExit"),
    ],
)
def test_exceptions_become_observations(
    toolset: Toolset, tmp_path: Path, name: str, fragment: str
) -> None:
    obs = toolset.call(name, {}, make_ctx(tmp_path))
    assert not obs.ok and obs.error == "exception" and fragment in obs.text


@pytest.mark.parametrize("name", ["sleepy", "async_sleepy"])
def test_tool_timeout(toolset: Toolset, tmp_path: Path, name: str) -> None:
    # How soon the call returns is measured by bench/tool_latency.py, not asserted here.
    obs = toolset.call(name, {}, make_ctx(tmp_path))
    assert not obs.ok and obs.error == "timeout" and "0.2s" in obs.text


def test_default_timeout_comes_from_settings(toolset: Toolset, tmp_path: Path) -> None:
    obs = toolset.call("uses_default_timeout", {}, make_ctx(tmp_path, tool_timeout=0.3))
    assert obs.error == "timeout" and "0.3s" in obs.text


def test_context_is_injected_with_the_call_timeout(toolset: Toolset, tmp_path: Path) -> None:
    obs = toolset.call("sees_context", {}, make_ctx(tmp_path))
    assert obs.text == f"r1 {tmp_path.name} 5.0"


def test_write_and_execute_are_refused_without_approval(toolset: Toolset, tmp_path: Path) -> None:
    for name, args in (("writer", {"text": "a"}), ("runner", {})):
        obs = toolset.call(name, args, make_ctx(tmp_path))
        assert not obs.ok and obs.error == "refused"
        assert "--yes" in obs.text and "allow_tools" in obs.text
    assert toolset.call("echo", {"text": "a"}, make_ctx(tmp_path)).ok  # read needs no approval


def test_approval_paths(toolset: Toolset, tmp_path: Path) -> None:
    asked: list[tuple[str, dict[str, Any]]] = []

    def approve(name: str, args: dict[str, Any]) -> bool:
        asked.append((name, args))
        return True

    assert toolset.call("writer", {"text": "a"}, make_ctx(tmp_path, approve)).ok
    assert asked == [("writer", {"text": "a"})]
    assert toolset.call("writer", {"text": "a"}, make_ctx(tmp_path, yes=True)).ok
    assert toolset.call("runner", {}, make_ctx(tmp_path, allow_tools=["runner"])).ok
    assert len(asked) == 1  # --yes and allow_tools never ask


def test_approver_that_cannot_read_refuses(toolset: Toolset, tmp_path: Path) -> None:
    def closed(name: str, args: dict[str, Any]) -> bool:
        raise EOFError

    assert toolset.call("runner", {}, make_ctx(tmp_path, closed)).error == "refused"


def test_invalid_arguments_are_reported_before_asking(toolset: Toolset, tmp_path: Path) -> None:
    def never(name: str, args: dict[str, Any]) -> bool:
        raise AssertionError("must not ask for invalid calls")

    assert toolset.call("writer", {}, make_ctx(tmp_path, never)).error == "invalid_arguments"


def test_toolset_container_api(toolset: Toolset) -> None:
    assert len(toolset) == len(ALL)
    assert "echo" in toolset and "nope" not in toolset
    assert toolset.names() == sorted(t.name for t in ALL)
    assert [t.name for t in toolset] == toolset.names()
    assert [d.name for d in toolset.definitions()] == toolset.names()
    sub = toolset.subset(["echo", "boom"])
    assert sub.names() == ["boom", "echo"]
    assert toolset.get("echo") is echo
    with pytest.raises(ToolNotFoundError, match="nope"):
        toolset.get("nope")
    with pytest.raises(ToolNotFoundError):
        toolset.subset(["nope"])


def test_conflict_names_both_sources() -> None:
    first = echo.with_source("path:/a/one.py")
    second = echo.with_source("entrypoint:pkg")
    toolset = Toolset([first])
    with pytest.raises(ToolConflictError) as info:
        toolset.add(second)
    assert "path:/a/one.py" in str(info.value) and "entrypoint:pkg" in str(info.value)
    assert echo.source == "python"  # with_source copies


def test_context_create_picks_non_interactive_denier(tmp_path: Path) -> None:
    ctx = ToolContext.create(Settings(workspace=tmp_path / "new"), interactive=False)
    assert ctx.workspace == (tmp_path / "new").resolve() and ctx.workspace.is_dir()
    assert ctx.approve("writer", {}) is False
    assert ctx.interactive is False and ctx.memory is None and ctx.run_id == "adhoc"
