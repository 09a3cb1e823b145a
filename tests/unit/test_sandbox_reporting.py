"""Which sandbox mode is active is said by `doctor`, `tools show` and the approval prompt."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentkit.cli.app import app
from agentkit.config import SandboxSettings, Settings
from agentkit.sandbox import bwrap_problem
from agentkit.tool import ToolContext

needs_bwrap = pytest.mark.skipif(bwrap_problem() is not None, reason=str(bwrap_problem()))


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("AGENTKIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AGENTKIT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AGENTKIT_CONFIG", str(tmp_path / "config.toml"))
    return tmp_path


def doctor_sandbox() -> dict[str, str]:
    result = CliRunner().invoke(app, ["doctor", "--json", "--model", "/no/such.gguf"])
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    return dict(checks["sandbox"])


@needs_bwrap
def test_doctor_reports_bubblewrap() -> None:
    check = doctor_sandbox()
    assert check["status"] == "OK" and "bubblewrap sandbox" in check["detail"]
    assert "network off" in check["detail"]


def test_doctor_warns_in_fallback_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTKIT_SANDBOX_MODE", "process-group")
    check = doctor_sandbox()
    assert check["status"] == "WARN" and "no sandbox" in check["detail"]


def test_network_setting_from_the_config_file(env: Path) -> None:
    (env / "config.toml").write_text("sandbox.network = true\n")
    result = CliRunner().invoke(app, ["tools", "show", "shell", "--json"])
    shown = json.loads(result.stdout)["sandbox"]
    if bwrap_problem() is None:
        assert "network on" in shown
    else:
        assert "no sandbox" in shown


def test_env_overrides_one_key_of_the_file_table(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentkit.config import load_settings

    (env / "config.toml").write_text("[sandbox]\nnetwork = true\nallow_hardlinks = true\n")
    monkeypatch.setenv("AGENTKIT_SANDBOX_MODE", "process-group")
    sandbox = load_settings().settings.sandbox
    assert sandbox == SandboxSettings(mode="process-group", network=True, allow_hardlinks=True)


def test_tools_show_names_the_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTKIT_SANDBOX_MODE", "process-group")
    result = CliRunner().invoke(app, ["tools", "show", "shell"])
    assert result.exit_code == 0
    assert "runs in: no sandbox (sandbox.mode = process-group)" in result.stdout
    plain = CliRunner().invoke(app, ["tools", "show", "read_file"])
    assert "runs in:" not in plain.stdout


def test_approval_prompt_names_the_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(workspace=tmp_path, sandbox=SandboxSettings(mode="process-group"))
    ctx = ToolContext.create(settings, interactive=True)
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    assert ctx.approve("shell", {"command": "ls"}) is True
    assert "shell runs in: no sandbox" in err.getvalue()
    assert "allow tool shell" in err.getvalue()
