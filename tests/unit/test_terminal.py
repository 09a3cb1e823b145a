"""Untrusted text printed to a terminal cannot drive it: escapes are shown, not obeyed."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import agentkit.cli.terminal as terminal
from agentkit.cli.app import app
from agentkit.cli.progress import PlainProgress
from agentkit.events import ObservationMade

HOSTILE = (
    "title\x1b]0;pwned\x07 clip\x1b]52;c;cm0gLXJmIH4=\x07 clear\x1b[2J\x1b[H"
    " c1\x9b31m bell\x07 cr\rback\x08 bidi\u202egnp.exe nul\x00 del\x7f"
)
CONTROLS = {chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x202E]} - {"\n", "\t"}


def assert_inert(text: str) -> None:
    assert not CONTROLS & set(text), repr(text)


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_sanitize_shows_every_control_as_an_escape() -> None:
    clean = terminal.sanitize(HOSTILE + "\nline two\tcell")
    assert_inert(clean)
    assert "\\x1b]52;c;cm0gLXJmIH4=\\x07" in clean  # visible, so the user sees the attempt
    assert "\\x9b31m" in clean and "\\u202e" in clean and "\\x00" in clean
    assert clean.endswith("\nline two\tcell")  # newline and tab are kept
    assert terminal.sanitize("plain é 日本 🙂") == "plain é 日本 🙂"


def test_only_terminals_are_sanitized() -> None:
    assert terminal.for_terminal(HOSTILE, io.StringIO()) == HOSTILE  # pipes stay exact
    assert terminal.for_terminal(HOSTILE, FakeTTY()) == terminal.sanitize(HOSTILE)
    assert terminal.for_terminal(HOSTILE, None) == HOSTILE


@pytest.fixture
def tty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every stream counts as a terminal; a fresh home and workspace."""
    for name in list(os.environ):
        if name.startswith("AGENTKIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AGENTKIT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AGENTKIT_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("AGENTKIT_NO_MEMORY", "true")
    monkeypatch.setattr(terminal, "is_terminal", lambda stream: True)
    return tmp_path


def test_tools_call_output(tty: Path) -> None:
    (tty / "evil.txt").write_text(HOSTILE.replace("\x00", ""), encoding="utf-8")  # not binary
    args = json.dumps({"path": "evil.txt"})
    result = CliRunner().invoke(app, ["tools", "call", "read_file", args, "-w", str(tty)])
    assert result.exit_code == 0 and "clip" in result.stdout
    assert_inert(result.stdout)
    args = json.dumps({"path": "\x1b[2J.txt"})
    missing = CliRunner().invoke(app, ["tools", "call", "read_file", args])
    assert missing.exit_code == 1 and "error:" in missing.stderr
    assert_inert(missing.stderr)
    bad_json = CliRunner().invoke(app, ["tools", "call", "read_file", "\x1b]0;x\x07"])
    assert bad_json.exit_code == 2 and "error:" in bad_json.stderr
    assert_inert(bad_json.stderr)


def _hostile_run(tty: Path) -> str:
    plan = {"steps": [{"id": 1, "title": "t\x1b]0;x\x07", "tool": "calculator", "depends_on": []}]}
    call = {"action": "call", "calls": [{"tool": "calculator", "arguments": {"expression": "1"}}]}
    answer = {"answer": "answer " + HOSTILE, "citations": []}
    script = tty / "script.json"
    script.write_text(json.dumps([plan, call, answer, answer]), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["run", "goal " + HOSTILE, "--model", f"scripted:{script}", "--quiet"]
    )
    assert "Traceback" not in result.output
    assert_inert(result.stdout)
    assert_inert(result.stderr)
    run_ids = [w for w in result.stderr.split() if w.count("-") == 2 and w[:8].isdigit()]
    return run_ids[0]


def test_run_answer_runs_list_and_runs_show(tty: Path) -> None:
    run_id = _hostile_run(tty)
    listed = CliRunner().invoke(app, ["runs", "list"])
    assert listed.exit_code == 0 and run_id in listed.stdout and "\\x1b" in listed.stdout
    assert_inert(listed.stdout)
    shown = CliRunner().invoke(app, ["runs", "show", run_id])
    assert shown.exit_code == 0 and "clip" in shown.stdout
    assert_inert(shown.stdout)


def test_plain_progress_on_a_terminal() -> None:
    stream = FakeTTY()
    with PlainProgress(stream) as progress:
        progress.show(
            ObservationMade(
                run_id="r", index=1, step_id=1, tool="t", arguments={}, ok=True, text=HOSTILE
            )
        )
    assert "obs-1" in stream.getvalue()
    assert_inert(stream.getvalue())
