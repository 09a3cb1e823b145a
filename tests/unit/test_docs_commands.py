"""The docs and docs/commands.yaml agree, snippets exist, and the Python examples run.

tests/integration/test_documented_commands.py runs the commands themselves.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
INCLUDE = re.compile(r'^\s*--8<-- "([^"]+)"', re.M)
README_BLOCK = re.compile(r"<!-- snippet: (\S+) -->\n```console\n(.*?)```\n<!-- /snippet -->", re.S)


def _refresh() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_refresh", DOCS / "refresh.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _pages() -> list[Path]:
    unchecked = yaml.safe_load((DOCS / "commands.yaml").read_text())["unchecked_pages"] or []
    pages = [*sorted(DOCS.glob("*.md")), ROOT / "README.md"]
    return [p for p in pages if p.name not in unchecked]


def test_every_shown_agentkit_command_is_a_documented_command() -> None:
    documented = {c.run for c in _refresh().load_commands()}
    missing = [
        f"{page.name}: {line}"
        for page in _pages()
        for line in page.read_text(encoding="utf-8").splitlines()
        if line.startswith("$ agentkit") and line[2:] not in documented
    ]
    assert not missing, "add these to docs/commands.yaml (or show them without `$ `):\n" + (
        "\n".join(missing)
    )


def test_every_command_has_its_snippet_and_every_include_exists() -> None:
    for command in _refresh().load_commands():
        snippet = DOCS / "snippets" / f"{command.id}.txt"
        assert snippet.is_file(), f"run python docs/refresh.py: {snippet} is missing"
        shown = command.run.split("{last_run_id}")[0]
        assert snippet.read_text(encoding="utf-8").startswith(f"$ {shown}"), snippet
    for page in DOCS.glob("*.md"):
        for include in INCLUDE.findall(page.read_text(encoding="utf-8")):
            assert (DOCS / include).is_file(), f"{page.name} includes missing {include}"


def test_readme_blocks_are_the_current_snippets() -> None:
    blocks = README_BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert blocks, "the README shows at least one real run"
    for snippet_id, text in blocks:
        expected = (DOCS / "snippets" / f"{snippet_id}.txt").read_text(encoding="utf-8")
        assert text == expected, f"run python docs/refresh.py: README block {snippet_id} is stale"


@pytest.mark.parametrize("page", ["testing.md", "python-api.md"])
def test_python_examples_run(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages' code blocks, in order, on a SchemaModel (no real model may load here)."""
    from agentkit import Agent
    from agentkit.testing import SchemaModel

    monkeypatch.chdir(tmp_path)
    text = (DOCS / page).read_text(encoding="utf-8")
    namespace: dict[str, Any] = {}
    with Agent.override(model=SchemaModel()):
        for block in re.findall(r"```python\n(.*?)```", text, re.S):
            exec(compile(block, page, "exec"), namespace)
        for name, value in list(namespace.items()):
            if name.startswith("test_") and callable(value):
                value()
