"""`agentkit eval bfcl` end to end with the real bundled model on a few fixture items."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentkit.cli.app import app

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIXTURE = Path(__file__).parents[1] / "fixtures" / "bfcl"


def test_constrained_eval_on_real_model_is_never_invalid() -> None:
    args = ["eval", "bfcl", "--data", str(FIXTURE), "-c", "simple_python", "-c", "irrelevance"]
    result = CliRunner().invoke(app, [*args, "--limit", "2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "constrained"
    assert data["total"] == 4
    assert data["invalid"] == 0  # the grammar makes every output a well-formed decision
    assert [c["category"] for c in data["categories"]] == ["simple_python", "irrelevance"]
    assert 0.0 <= data["accuracy"] <= 1.0
    assert data["tokens_per_second"] > 0
    assert data["usage"]["completion_tokens"] > 0
    for item in data["items"]:
        assert set(item) >= {"id", "category", "correct", "invalid", "reason", "calls", "output"}
        json.loads(item["output"])  # constrained output is always JSON
