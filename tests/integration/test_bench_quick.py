"""No benchmark may rot: every bench/*.py runs in its --quick mode and exits 0.

The scripts run as real subprocesses on the bundled model (timings are printed by the
scripts, never asserted here). A script whose --help does not offer --quick yet is
skipped with that reason, so a new benchmark is noticed rather than silently run long.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(BENCH.glob("*.py"))
TIMEOUT = 900


def _env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AGENTKIT_")}
    return {
        **clean,
        "AGENTKIT_HOME": str(tmp_path / "home"),
        "AGENTKIT_CONFIG": str(tmp_path / "none.toml"),
    }


def test_there_are_benchmarks() -> None:
    assert SCRIPTS, f"no bench/*.py under {BENCH}"


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_bench_script_runs_quick(script: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    helped = subprocess.run(
        [sys.executable, str(script), "--help"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert helped.returncode == 0, f"{script.name} --help failed:\n{helped.stderr[-2000:]}"
    if "--quick" not in helped.stdout:
        pytest.skip(f"{script.name} has no --quick mode yet (its --help does not list it)")
    done = subprocess.run(
        [sys.executable, str(script), "--quick"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, (
        f"{script.name} --quick exited {done.returncode}:\n"
        f"{done.stdout[-1500:]}\n{done.stderr[-3000:]}"
    )
    assert done.stdout.strip(), f"{script.name} --quick printed nothing"
