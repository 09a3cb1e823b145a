"""Fixtures every test gets: an isolated agentkit environment, and no real model in unit tests.

- `isolated_env` (autouse): no AGENTKIT_* variable from the developer's shell; the data
  directory (journal, memory) and the config file are inside the test's tmp_path. It
  returns the data directory. Subprocesses inherit it through os.environ.
- `subprocess_env`: that environment as a dict, for `subprocess.run(..., env=...)`.
- In tests not marked `integration`, loading a real model fails loudly
  (`agentkit.testing.ModelLoadBlockedError`), in-process and in `agentkit` subprocesses.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentkit import testing


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("AGENTKIT_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("AGENTKIT_HOME", str(home))
    monkeypatch.setenv("AGENTKIT_CONFIG", str(tmp_path / "config.toml"))
    return home


@pytest.fixture(autouse=True)
def _no_real_model_in_unit_tests(
    request: pytest.FixtureRequest, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    if request.node.get_closest_marker("integration") is not None:
        yield
        return
    monkeypatch.setenv("AGENTKIT_ALLOW_MODEL_LOADS", "0")
    with testing.model_loads(False):
        yield


@pytest.fixture
def subprocess_env(isolated_env: Path) -> dict[str, str]:
    return dict(os.environ)


@pytest.fixture
def env(subprocess_env: dict[str, str]) -> dict[str, str]:
    """`subprocess_env` under the name the integration tests of several features use."""
    return subprocess_env
