"""The MCP SDK is only imported when an MCP server is actually used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agentkit.config import load_settings
from agentkit.errors import ConfigError


def test_help_and_a_plain_tool_listing_do_not_import_the_sdk(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from agentkit.cli.app import app\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "assert CliRunner().invoke(app, ['tools', 'list']).exit_code == 0\n"
        "loaded = sorted(m for m in sys.modules if m == 'mcp' or m.startswith(('mcp.', 'anyio')))\n"
        "assert not loaded, loaded\n"
    )
    env = {"AGENTKIT_HOME": str(tmp_path), "AGENTKIT_CONFIG": str(tmp_path / "none.toml")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**_base_env(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("AGENTKIT_")}


def test_mcp_tables_in_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[mcp]\nmax_items = 4\n"
        '[mcp.servers.time]\ncommand = "python"\nargs = ["-m", "mcp_server_time"]\n'
        'permission = "read"\n'
        '[mcp.servers.off]\nurl = "http://127.0.0.1:1/mcp"\nenabled = false\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("AGENTKIT_CONFIG", str(config))
    settings = load_settings().settings
    assert settings.mcp.max_items == 4
    assert list(settings.mcp.enabled()) == ["time"]
    assert settings.mcp.servers["time"].args == ["-m", "mcp_server_time"]
    config.write_text('[mcp.servers.bad]\ncommand = "x"\ntimout = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="mcp"):
        load_settings()
