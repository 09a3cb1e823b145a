"""CLI glue: `agentkit run --file`, `agentkit workflow validate|list`."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from agentkit.config import Settings
from agentkit.errors import ConfigError, WorkflowError
from agentkit.workflow.engine import Progress, StepBegan, StepEnded, StepNote
from agentkit.workflow.loader import load_workflow
from agentkit.workflow.model import Workflow

__all__ = ["find_workflows", "parse_vars", "run_workflow_file", "settings_for", "validate_file"]


def parse_vars(pairs: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--var takes key=value, got {pair!r}")
        values[key.strip()] = value
    return values


def settings_for(workflow: Workflow, path: Path, settings: Settings) -> Settings:
    """Settings plus the workflow's own plugin files (relative to the workflow file)."""
    if not workflow.plugins:
        return settings
    extra = [(path.parent / p).resolve() for p in workflow.plugins]
    missing = [str(p) for p in extra if not p.exists()]
    if missing:
        raise WorkflowError(f"{path}: plugins: no such file {missing[0]}")
    known = {p.resolve() for p in settings.tools_path}
    added = [p for p in extra if p not in known]
    return settings.model_copy(update={"tools_path": [*settings.tools_path, *added]})


def validate_file(path: Path, settings: Settings) -> Workflow:
    """Schema, templates, references, then that every named tool exists."""
    from agentkit.workflow.api import Session
    from agentkit.workflow.engine import Engine

    workflow = load_workflow(path)
    Engine(workflow, Session(settings_for(workflow, path, settings))).preflight()
    return workflow


def run_workflow_file(
    path: Path, pairs: Sequence[str], settings: Settings, *, as_json: bool, quiet: bool
) -> int:
    """Run a workflow file; progress on stderr, outputs on stdout; returns the exit code."""
    from agentkit.journal import Journal
    from agentkit.workflow.api import Session
    from agentkit.workflow.engine import Engine

    given = parse_vars(pairs)
    workflow = load_workflow(path)
    settings = settings_for(workflow, path, settings)
    journal = Journal.open(settings)
    session = Session(settings, journal=journal)
    try:
        show = (lambda p: None) if quiet else _printer(sys.stderr, workflow.name)
        result = Engine(workflow, session).run(given, show)
    finally:
        session.close()
        journal.close()
    if result.status == "succeeded":
        if as_json:
            print(json.dumps(result.outputs, ensure_ascii=False, default=str))
        else:
            for key, value in result.outputs.items():
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                print(f"{key}: {text}")
    else:
        print(f"workflow {workflow.name} {result.status}: {result.error}", file=sys.stderr)
    print(f"run id: {result.run_id}  (agentkit runs show {result.run_id})", file=sys.stderr)
    return result.exit_code


def _printer(stream: IO[str], name: str) -> Any:
    def show(p: Progress) -> None:
        match p:
            case StepBegan(index=i, total=n, label=label, items=items):
                each = f" x{items}" if items is not None else ""
                print(f"[{i}/{n}] {label}{each} ...", file=stream, flush=True)
            case StepNote(text=text):
                print(f"      {text}", file=stream, flush=True)
            case StepEnded(index=i, total=n, label=label, status="skipped"):
                print(f"[{i}/{n}] {label}: skipped (when is false)", file=stream, flush=True)
            case StepEnded(index=i, total=n, label=label, status=status, seconds=s) as end:
                detail = end.error if status == "failed" else _short(end.output)
                print(f"[{i}/{n}] {label}: {status} in {s:.1f}s: {detail}", file=stream, flush=True)

    print(f"workflow {name}", file=stream, flush=True)
    return show


def _short(value: Any, limit: int = 100) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def find_workflows(settings: Settings) -> list[tuple[Path, Workflow | None, str]]:
    """Example workflows (bundled examples/) and the user's <home>/workflows: path, model, error."""
    from agentkit.resources import bundled_dir

    roots = [settings.data_home / "workflows"]
    with contextlib.suppress(FileNotFoundError):  # a hand-trimmed install may lack examples/
        roots.insert(0, bundled_dir("examples"))
    found: list[tuple[Path, Workflow | None, str]] = []
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted([*root.glob("*.yaml"), *root.glob("*/*.yaml")]):
            try:
                found.append((path, load_workflow(path), ""))
            except WorkflowError as exc:
                found.append((path, None, str(exc).splitlines()[0]))
    return found
