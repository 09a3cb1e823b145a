"""A plain (non-editable) wheel install still finds the bundled tools/, prompts/, examples/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_wheel_carries_tools_and_prompts(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)]
    subprocess.run([*build, str(ROOT)], check=True, capture_output=True, cwd=tmp_path)
    wheel = next(dist.glob("agentkit-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "agentkit/_bundled/tools/calculator.py" in names
    assert "agentkit/_bundled/prompts/system.j2" in names
    assert "agentkit/_bundled/prompts/answer_examples.yaml" in names
    assert "agentkit/_bundled/examples/daily_report.yaml" in names

    target = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index"]
    subprocess.run([*install, "--target", str(target), str(wheel)], check=True, capture_output=True)
    # The wheel's copy comes first on sys.path, ahead of the editable checkout.
    env = {**os.environ, "PYTHONPATH": str(target), "AGENTKIT_HOME": str(tmp_path / "home")}
    probe = (
        "import agentkit.resources as r, json; "
        "print(json.dumps([str(r.tools_dir()), str(r.prompts_dir()), r.__file__]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    tools_dir, prompts_dir, module = json.loads(out.stdout)
    assert module.startswith(str(target))
    assert tools_dir == str(target / "agentkit" / "_bundled" / "tools")
    assert prompts_dir == str(target / "agentkit" / "_bundled" / "prompts")

    listed = subprocess.run(
        [sys.executable, "-m", "agentkit", "tools", "list", "--json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    names_listed = {t["name"] for t in json.loads(listed.stdout)}
    assert {"calculator", "read_file", "shell"} <= names_listed

    workflows = subprocess.run(
        [sys.executable, "-m", "agentkit", "workflow", "list"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "daily_report" in workflows.stdout and str(target) in workflows.stdout
