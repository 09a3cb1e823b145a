"""`agentkit doctor` through the CLI: OK/WARN/FAIL per check, exit 1 on any FAIL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agentkit.cli.app import app


def doctor(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["doctor", "--json", *args])
    data = json.loads(result.stdout)
    return result.exit_code, {c["name"]: c for c in data["checks"]} | {"ok": data["ok"]}


def test_invalid_config_fails_before_other_checks(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("n_ctx = 'huge'\n")
    code, checks = doctor()
    assert code == 1 and checks["ok"] is False
    assert checks["config"]["status"] == "FAIL" and "'n_ctx'" in checks["config"]["detail"]
    assert set(checks) == {"config", "ok"}


def test_missing_model_fails_and_skips_grammar(tmp_path: Path) -> None:
    code, checks = doctor("--model", str(tmp_path / "missing.gguf"))
    assert code == 1
    assert checks["model"]["status"] == "FAIL"
    assert "model file not found" in checks["model"]["detail"]
    assert checks["grammar"]["status"] == "WARN"
    assert checks["journal"]["status"] == "OK"
    assert checks["memory dir"]["status"] == "OK"
    assert (tmp_path / "home" / "memory").is_dir()


def test_corrupt_journal_and_unwritable_memory_fail(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "journal.db").write_bytes(b"garbage" * 500)
    (home / "memory").write_text("a file where the memory directory should be")
    code, checks = doctor("--model", str(tmp_path / "missing.gguf"))
    assert code == 1
    assert checks["journal"]["status"] == "FAIL" and "corrupt" in checks["journal"]["detail"]
    assert checks["memory dir"]["status"] == "FAIL"


def test_text_output_is_one_line_per_check(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["doctor", "--model", str(tmp_path / "missing.gguf")])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines][:3] == ["OK", "FAIL", "WARN"]
    assert (
        len(lines) == 9
    )  # config, model, grammar, gpu, threads, memory, embedder, journal, sandbox


@pytest.mark.integration
def test_doctor_passes_with_the_bundled_model(tmp_path: Path) -> None:
    code, checks = doctor()
    assert code == 0, checks
    assert checks["model"]["status"] == "OK" and "loaded in" in checks["model"]["detail"]
    assert checks["grammar"]["status"] == "OK"
    json.loads(checks["grammar"]["detail"].split("returned ", 1)[1].rsplit(" (", 1)[0])
    assert checks["gpu"]["status"] in {"OK", "WARN"}  # a CPU-only build warns, never fails
    for name in ("config", "memory dir", "embedder", "journal"):
        assert checks[name]["status"] in {"OK", "WARN"}, checks[name]
