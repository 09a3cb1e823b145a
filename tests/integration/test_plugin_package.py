"""The example plugin package installs offline with pip and shows up through its entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def agentkit(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "from agentkit.cli.app import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _path(installed: Path, env: dict[str, str]) -> str:
    """The installed plugin first, then whatever PYTHONPATH already had (this checkout)."""
    return os.pathsep.join(filter(None, [str(installed), env.get("PYTHONPATH")]))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("plugin")
    source = base / "src"
    shutil.copytree(ROOT / "examples" / "plugin_package", source)  # keep the checkout clean
    target = base / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


@pytest.mark.slow
def test_installed_plugin_is_listed_and_callable(
    installed: Path, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**subprocess_env, "PYTHONPATH": _path(installed, subprocess_env)}
    listed = agentkit("tools", "list", "--json", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["word_count"]["source"] == "entrypoint:agentkit-example-tools"
    assert rows["add_todo"]["permission"] == "write"
    assert rows["add_todo"]["parameters"]["properties"]["priority"]["enum"] == [
        "low", "normal", "high",
    ]  # fmt: skip
    assert "calculator" in rows  # built-ins still there

    counted = agentkit("tools", "call", "word_count", '{"text": "a b\\nc"}', env=env, cwd=tmp_path)
    assert json.loads(counted.stdout) == {"words": 3, "lines": 2, "characters": 5}

    refused = agentkit("tools", "call", "add_todo", '{"item": "x"}', env=env, cwd=tmp_path)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    added = agentkit(
        "tools", "call", "add_todo", '{"item": "ship it", "priority": "high"}', "--yes",
        "--workspace", str(tmp_path / "ws"), env=env, cwd=tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert (tmp_path / "ws" / "TODO.md").read_text() == "- [ ] ship it (high)\n"


@pytest.mark.slow
def test_plugin_that_clashes_with_installed_one_names_both(
    installed: Path, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    clash = tmp_path / "clash.py"
    clash.write_text(
        "from agentkit.tool import tool\n\n@tool\ndef word_count(text: str) -> int:\n"
        '    """Count words."""\n    return len(text.split())\n'
    )
    env = {
        **subprocess_env,
        "PYTHONPATH": _path(installed, subprocess_env),
        "AGENTKIT_TOOLS_PATH": str(clash),
    }
    result = agentkit("tools", "list", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "entrypoint:agentkit-example-tools" in result.stderr
    assert f"path:{clash.resolve()}" in result.stderr


def test_tools_path_env_var_and_broken_plugin(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    good = tmp_path / "good.py"
    good.write_text(
        "from agentkit.tool import tool\n\n@tool\ndef shout(text: str) -> str:\n"
        '    """Upper-case text."""\n    return text.upper()\n'
    )
    broken = tmp_path / "broken.py"
    broken.write_text("import definitely_not_installed_xyz\n")
    env = {**subprocess_env, "AGENTKIT_TOOLS_PATH": os.pathsep.join([str(broken), str(good)])}
    result = agentkit("tools", "call", "shout", '{"text": "hey"}', env=env, cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == "HEY\n"
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "broken.py" in warnings[0]
    assert "definitely_not_installed_xyz" in warnings[0]
