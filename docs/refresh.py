"""Run every documented command and write the snippets the docs pages include.

    python docs/refresh.py               # all of docs/commands.yaml, on the bundled model
    python docs/refresh.py --only run-calculator tools-list
    python docs/refresh.py --list        # ids and commands, without running anything

Commands run in order, in one scratch project (a copy of examples/) with its own
AGENTKIT_HOME, so later commands see what earlier ones stored. Each output is written to
docs/snippets/<id>.txt as `$ command` plus what it printed (stderr then stdout, as a
terminal shows piped progress), with machine-specific paths replaced by stable ones.
The README's `<!-- snippet: ID -->` blocks are refreshed too.

tests/integration/test_documented_commands.py runs the same commands through
`run_commands` and checks exit codes and JSON shape, never the model's exact words.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["DocCommand", "Outcome", "load_commands", "problems", "run_commands"]

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
COMMANDS_FILE = DOCS / "commands.yaml"
SNIPPETS = DOCS / "snippets"
README_BLOCK = re.compile(
    r"(<!-- snippet: (\S+) -->\n```console\n)(.*?)(```\n<!-- /snippet -->)", re.S
)
TIMEOUT = 600  # seconds per command; a model run on a busy 2-core machine


@dataclass(frozen=True)
class DocCommand:
    id: str
    run: str  # as shown in the docs, starting with `agentkit`
    exit: tuple[int, ...] = (0,)
    stdout_schema: dict[str, Any] | None = None  # JSON schema that stdout must satisfy
    stdin: str | None = None

    def argv(self, last_run_id: str) -> list[str]:
        words = shlex.split(self.run.replace("{last_run_id}", last_run_id))
        if words[0] != "agentkit":
            raise ValueError(f"{self.id}: documented commands start with `agentkit`")
        return [sys.executable, "-m", "agentkit", *words[1:]]


@dataclass
class Outcome:
    command: DocCommand
    returncode: int
    stdout: str
    stderr: str
    shown: str = field(default="")  # the snippet text


def load_commands(path: Path = COMMANDS_FILE) -> list[DocCommand]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    commands = [
        DocCommand(
            id=c["id"],
            run=c["run"],
            exit=tuple(c.get("exit", [0])),
            stdout_schema=c.get("stdout_schema"),
            stdin=c.get("stdin"),
        )
        for c in data["commands"]
    ]
    ids = [c.id for c in commands]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: command ids must be unique")
    return commands


def _scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="agentkit-docs-") as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(ROOT / "examples", project / "examples")
        yield project


def _env(project: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTKIT_")}
    env.update(
        AGENTKIT_HOME=str(project.parent / "home"),
        AGENTKIT_CONFIG=str(project.parent / "config" / "config.toml"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        COLUMNS="100",
        NO_COLOR="1",
    )
    return env


def _stable(text: str, project: Path) -> str:
    """Machine-specific paths replaced by the ones a reader would see."""
    text = text.replace(
        str(project.parent / "config" / "config.toml"), "~/.config/agentkit/config.toml"
    )
    text = text.replace(str(project.parent / "home"), "~/.local/share/agentkit")
    text = text.replace(str(project), "~/project")
    return re.sub(r"[^\s(]*/site-packages/", "…/site-packages/", text)


def run_commands(commands: list[DocCommand]) -> Iterator[Outcome]:
    """Run `commands` in order in one scratch project; yield each outcome as it finishes."""
    for project in _scratch():
        env = _env(project)
        last_run_id = ""
        for command in commands:
            done = subprocess.run(
                command.argv(last_run_id), cwd=project, env=env, input=command.stdin or "",
                capture_output=True, text=True, timeout=TIMEOUT,
            )  # fmt: skip
            found = re.findall(r"run id: (\S+)", done.stdout + done.stderr)
            found += re.findall(r'"run_id": "([^"]+)"', done.stdout)
            last_run_id = found[-1] if found else last_run_id
            printed = done.stdout if command.stdout_schema else done.stderr + done.stdout
            shown = f"$ {command.run.replace('{last_run_id}', last_run_id)}\n{printed}"
            yield Outcome(
                command, done.returncode, done.stdout, done.stderr, _stable(shown, project)
            )


def problems(outcome: Outcome) -> list[str]:
    """What is wrong with one outcome: the exit code, or stdout's JSON shape."""
    c = outcome.command
    found = []
    if outcome.returncode not in c.exit:
        found.append(
            f"{c.id}: exit {outcome.returncode}, expected {c.exit}: {outcome.stderr[-500:]}"
        )
    if c.stdout_schema is not None:
        import jsonschema

        try:
            jsonschema.validate(json.loads(outcome.stdout), c.stdout_schema)
        except (json.JSONDecodeError, jsonschema.ValidationError) as exc:
            found.append(f"{c.id}: stdout is not the documented JSON: {str(exc)[:300]}")
    return found


def _refresh_readme() -> None:
    readme = ROOT / "README.md"

    def block(match: re.Match[str]) -> str:
        text = (SNIPPETS / f"{match.group(2)}.txt").read_text(encoding="utf-8")
        return match.group(1) + text + match.group(4)

    readme.write_text(README_BLOCK.sub(block, readme.read_text(encoding="utf-8")), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="ID", help="run only these ids")
    parser.add_argument("--list", action="store_true", help="print the ids and commands")
    args = parser.parse_args()
    commands = load_commands()
    if args.list:
        for c in commands:
            print(f"{c.id:<24} {c.run}")
        return
    if args.only:
        unknown = set(args.only) - {c.id for c in commands}
        if unknown:
            parser.error(f"unknown ids: {', '.join(sorted(unknown))}")
    SNIPPETS.mkdir(exist_ok=True)
    failed = []
    for outcome in run_commands(commands):
        if args.only and outcome.command.id not in args.only:
            continue
        (SNIPPETS / f"{outcome.command.id}.txt").write_text(outcome.shown, encoding="utf-8")
        failed += problems(outcome)
        print(f"{'ok  ' if not problems(outcome) else 'FAIL'} {outcome.command.id}", flush=True)
    _refresh_readme()
    if failed:
        sys.exit("\n".join(failed))


if __name__ == "__main__":
    main()
