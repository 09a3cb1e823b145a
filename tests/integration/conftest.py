"""Shared fixtures for tests that run the real `agentkit` command."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment for an `agentkit` subprocess: no AGENTKIT_ settings from outside,
    and its home and config inside the test's temporary directory."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AGENTKIT_")}
    return {
        **clean,
        "AGENTKIT_HOME": str(tmp_path / "home"),
        "AGENTKIT_CONFIG": str(tmp_path / "none.toml"),
    }
