"""Every command the docs show runs on the bundled model: exit codes and JSON shape.

The commands are docs/commands.yaml, run in order by docs/refresh.py's `run_commands`
(the same code that writes the snippets). The model's exact words are never checked.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def _refresh() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_refresh", ROOT / "docs" / "refresh.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_documented_command_behaves() -> None:
    refresh = _refresh()
    commands = refresh.load_commands()
    found: list[str] = []
    ran = 0
    for outcome in refresh.run_commands(commands):
        found += refresh.problems(outcome)
        ran += 1
    assert ran == len(commands)
    assert not found, "\n".join(found)
