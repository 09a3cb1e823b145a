"""`agentkit memory ...` through the real CLI app, isolated in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentkit.cli.app import app

pytestmark = pytest.mark.integration


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()  # the environment is isolated by tests/conftest.py


def test_add_search_stats_forget(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(app, ["memory", "add", "Paris is the capital of France", "-s", "geo"])
    assert result.exit_code == 0, result.output
    item_id = result.stdout.strip()
    result = cli.invoke(app, ["memory", "search", "french capital city", "--json"])
    hits = json.loads(result.stdout)
    assert hits[0]["id"] == item_id
    assert set(hits[0]) == {"id", "text", "score", "kind", "source"}
    assert "geo" in cli.invoke(app, ["memory", "search", "french capital city"]).stdout
    stats = json.loads(cli.invoke(app, ["memory", "stats", "--json"]).stdout)
    assert stats["by_kind"]["note"] == 1
    assert stats["location"] == str(tmp_path / "home" / "memory")
    result = cli.invoke(app, ["memory", "forget", "--source", "geo"], input="n\n")
    assert result.exit_code == 1  # declined
    result = cli.invoke(app, ["memory", "forget", "--source", "geo"], input="y\n")
    assert "forgot 1 item" in result.stdout
    assert (
        cli.invoke(app, ["memory", "forget", "--all", "--yes"]).stdout.strip() == "forgot 0 items"
    )


def test_ingest_with_memory_dir(cli: CliRunner, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Our VPN endpoint is vpn.example.org on port 1194.")
    (docs / "b.rst").write_text("Release notes\n=============\n\nVersion 2 adds dark mode.")
    args = ["memory", "ingest", str(docs), "--memory-dir", str(tmp_path / "m")]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "documents: 2 added, 0 unchanged, 0 replaced; chunks: 2 added" in result.stdout
    assert "2 unchanged" in cli.invoke(app, args).stdout
    result = cli.invoke(
        app,
        [
            "memory",
            "search",
            "vpn server address",
            "--kind",
            "document",
            "--json",
            "--memory-dir",
            str(tmp_path / "m"),
        ],
    )
    assert "vpn.example.org" in json.loads(result.stdout)[0]["text"]
    assert not (tmp_path / "home" / "memory").exists()
    forget = ["memory", "forget", "--source", str(docs / "a.txt"), "-y", "--memory-dir"]
    assert "forgot 1 item" in cli.invoke(app, [*forget, str(tmp_path / "m")]).stdout


def test_user_errors_are_one_line(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(app, ["memory", "search", "x", "--kind", "bogus"])
    assert result.exit_code == 2 and result.stderr.startswith("error: unknown --kind")
    result = cli.invoke(app, ["memory", "search", "  "])
    assert result.exit_code == 2 and result.stderr.startswith("error: give something to look for")
    result = cli.invoke(app, ["memory", "forget", "--all", "--source", "s", "--yes"])
    assert result.exit_code == 2 and "exactly one" in result.stderr
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "chroma.sqlite3").write_bytes(b"garbage" * 500)
    result = cli.invoke(app, ["memory", "stats", "--memory-dir", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "corrupt" in result.stderr
    result = cli.invoke(app, ["memory", "ingest", str(tmp_path / "nope.md")])
    assert result.exit_code == 1 and "no such file" in result.stderr
