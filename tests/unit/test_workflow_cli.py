"""`agentkit run --file`, `agentkit workflow validate|list` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentkit.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted([*ROOT.glob("examples/*.yaml"), *ROOT.glob("examples/*/*.yaml")])

FLOW = """
name: cli-demo
inputs:
  who: {default: world}
  n: {type: integer, default: 1}
steps:
  - id: greet
    tool: calculator
    args: {expression: "{{ inputs.n }} + 1"}
  - id: note
    prompt: "Say hi to {{ inputs.who }}"
    output_schema:
      type: object
      properties: {text: {type: string, maxLength: 40}}
      required: [text]
  - id: save
    tool: write_file
    args: {path: out.txt, content: "{{ steps.note.output.text }} {{ steps.greet.output }}"}
outputs:
  sum: "{{ steps.greet.output }}"
  text: "{{ steps.note.output.text }}"
"""


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def files(tmp_path: Path) -> tuple[Path, Path]:
    flow = tmp_path / "flow.yaml"
    flow.write_text(FLOW, encoding="utf-8")
    script = tmp_path / "model.json"
    script.write_text(json.dumps({"rules": [["Say hi", {"text": "hi there"}]]}), encoding="utf-8")
    return flow, script


def base(tmp_path: Path, script: Path) -> list[str]:
    ws = ["--workspace", str(tmp_path / "ws"), "--no-memory"]
    return [*ws, "--model", f"scripted:{script}"]


def test_run_file_json_outputs_and_journal(tmp_path: Path) -> None:
    flow, script = files(tmp_path)
    args = ["run", "--file", str(flow), "--var", "n=41", "--yes", "--json", *base(tmp_path, script)]
    code, out, err = invoke(*args)
    assert code == 0, err
    assert json.loads(out) == {"sum": "42", "text": "hi there"}
    assert (tmp_path / "ws" / "out.txt").read_text() == "hi there 42"
    assert "[1/3] greet: ok" in err and "[3/3] save: ok" in err
    run_id = err.split("run id: ")[1].split()[0]
    code, out, _ = invoke("runs", "list")
    assert code == 0 and run_id in out and "workflow" in out


def test_failed_step_exits_1_with_a_report(tmp_path: Path) -> None:
    flow, script = files(tmp_path)  # no --yes: write_file is refused
    code, out, err = invoke("run", "--file", str(flow), *base(tmp_path, script))
    assert code == 1 and out == ""
    assert "[3/3] save: failed" in err
    assert "workflow cli-demo failed: step 3 (save) failed: refused" in err


def test_bad_var_and_unknown_input(tmp_path: Path) -> None:
    flow, script = files(tmp_path)
    code, _, err = invoke("run", "--file", str(flow), "--var", "novalue", *base(tmp_path, script))
    assert code == 2 and "key=value" in err
    code, _, err = invoke("run", "--file", str(flow), "--var", "x=1", *base(tmp_path, script))
    assert code == 1 and "unknown input 'x'" in err


def test_validate_ok_and_error_with_line(tmp_path: Path) -> None:
    flow, _ = files(tmp_path)
    code, out, _ = invoke("workflow", "validate", str(flow))
    assert code == 0 and "ok: workflow 'cli-demo', 3 steps (tool, prompt, tool)" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(FLOW.replace("    tool: calculator", "    tool: calculator\n    retries: 3"))
    code, _, err = invoke("workflow", "validate", str(bad))
    assert code == 1 and f"{bad}:9: steps[0].retries: Extra inputs are not permitted" in err
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(FLOW.replace("tool: calculator", "tool: calculater"))
    code, _, err = invoke("workflow", "validate", str(unknown))
    assert code == 1 and "no tool named 'calculater'" in err


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates(path: Path) -> None:
    code, _, err = invoke("workflow", "validate", str(path))
    assert code == 0, err


def test_list_shows_examples_and_user_workflows(isolated_env: Path) -> None:
    (isolated_env / "workflows").mkdir(parents=True)
    (isolated_env / "workflows" / "mine.yaml").write_text(
        "name: mine\nsteps:\n  - tool: calculator\n"
    )
    code, out, _ = invoke("workflow", "list")
    assert code == 0
    assert "daily-report" in out and "trip" in out and "mine" in out
