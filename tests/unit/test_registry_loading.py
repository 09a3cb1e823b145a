"""load_toolset: built-ins, entry points, tools_path and Python all register through one path."""

from __future__ import annotations

import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

import agentkit.plugins
from agentkit.config import Settings
from agentkit.errors import ToolConflictError
from agentkit.registry import load_toolset
from agentkit.tool import tool

BUILTINS = {"calculator", "today", "weekday", "add_days", "days_between", "read_file",
            "write_file", "list_dir", "search_files", "shell", "python", "http_get",
            "ask_user"}  # fmt: skip

PLUGIN = '''
from agentkit.tool import tool

@tool
def {name}(x: int) -> int:
    """Return x."""
    return x
'''


def write_plugin(path: Path, name: str, body: str = PLUGIN) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body).format(name=name), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def no_entry_points(monkeypatch: pytest.MonkeyPatch) -> list[EntryPoint]:
    """Only the entry points a test declares; installed plugins must not leak in."""
    points: list[EntryPoint] = []
    monkeypatch.setattr(agentkit.plugins, "entry_points", lambda group: list(points))
    return points


def load(settings: Settings, **kwargs: Any) -> tuple[Any, list[str]]:
    warnings: list[str] = []
    return load_toolset(settings, warn=warnings.append, **kwargs), warnings


def test_builtins_load_from_the_tools_dir() -> None:
    toolset, warnings = load(Settings())
    assert warnings == []
    assert set(toolset.names()) >= BUILTINS
    assert toolset.get("calculator").source == "builtin:tools/calculator.py"
    assert toolset.get("read_file").source == "builtin:tools/files.py"


def test_tools_path_files_and_directories(tmp_path: Path) -> None:
    single = write_plugin(tmp_path / "one.py", "one")
    write_plugin(tmp_path / "dir" / "two.py", "two")
    write_plugin(tmp_path / "dir" / "_private.py", "hidden")
    toolset, warnings = load(Settings(tools_path=[single, tmp_path / "dir"]))
    assert warnings == []
    assert {"one", "two"} <= set(toolset.names()) and "hidden" not in toolset
    assert toolset.get("one").source == f"path:{single.resolve()}"
    assert toolset.call  # loaded tools are ordinary Tools


def test_broken_plugin_warns_once_and_others_load(tmp_path: Path) -> None:
    write_plugin(tmp_path / "a_broken.py", "", "import no_such_module_xyz\n")
    write_plugin(tmp_path / "b_syntax.py", "", "def oops(:\n")
    write_plugin(
        tmp_path / "c_bad_tool.py",
        "",
        "from agentkit.tool import tool\n@tool\ndef f(x): return x\n",
    )
    write_plugin(tmp_path / "d_good.py", "good")
    toolset, warnings = load(Settings(tools_path=[tmp_path, tmp_path / "missing.py"]))
    assert "good" in toolset and "calculator" in toolset
    assert len(warnings) == 4
    for fragment in (
        "a_broken.py",
        "no_such_module_xyz",
        "b_syntax.py",
        "c_bad_tool.py",
        "missing.py",
    ):
        assert any(fragment in w for w in warnings), fragment


def test_two_plugins_with_one_name_is_an_error_naming_both(tmp_path: Path) -> None:
    first = write_plugin(tmp_path / "first.py", "twin")
    second = write_plugin(tmp_path / "second.py", "twin")
    with pytest.raises(ToolConflictError) as info:
        load(Settings(tools_path=[first, second]))
    assert str(first.resolve()) in str(info.value) and str(second.resolve()) in str(info.value)


def test_plugin_shadowing_a_builtin_names_both(tmp_path: Path) -> None:
    clash = write_plugin(tmp_path / "calc.py", "calculator")
    with pytest.raises(ToolConflictError, match=r"builtin:tools/calculator\.py.*calc\.py"):
        load(Settings(tools_path=[clash]))


def test_deny_tools_drops_them_before_conflicts(tmp_path: Path) -> None:
    clash = write_plugin(tmp_path / "calc.py", "calculator")
    toolset, _ = load(Settings(tools_path=[clash], deny_tools=["calculator", "shell"]))
    assert "calculator" not in toolset and "shell" not in toolset and "python" in toolset


def test_extra_python_tools_register_too() -> None:
    @tool
    def mine(x: int) -> int:
        """Mine."""
        return x

    toolset, _ = load(Settings(), extra=[mine])
    assert toolset.get("mine").source == "python"
    with pytest.raises(ToolConflictError, match="python"):
        load(Settings(), extra=[mine, mine])


def test_entry_points_module_tool_and_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_entry_points: list[EntryPoint]
) -> None:
    write_plugin(tmp_path / "ep_module.py", "from_module")
    write_plugin(
        tmp_path / "ep_objects.py",
        "",
        PLUGIN.format(name="single")
        + PLUGIN.format(name="listed").replace("@tool", "")
        + "\nTOOLS = [tool(listed)]\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    group = "agentkit.tools"
    no_entry_points += [
        EntryPoint("mod", "ep_module", group),
        EntryPoint("one", "ep_objects:single", group),
        EntryPoint("many", "ep_objects:TOOLS", group),
        EntryPoint("broken", "ep_missing_module_xyz", group),
        EntryPoint("wrong", "ep_objects:__doc__", group),
    ]
    toolset, warnings = load(Settings())
    assert {"from_module", "single", "listed"} <= set(toolset.names())
    assert toolset.get("from_module").source == "entrypoint:mod"
    assert len(warnings) == 2
    assert "ep_missing_module_xyz" in warnings[0] and "entrypoint:broken" in warnings[0]
    assert "entrypoint:wrong" in warnings[1]
