"""Success rate of the agent on goals with checkable outcomes: a development set and a
held-out set.

Goals live in `bench/goals_dev.yaml` (tuning allowed) and `bench/goals_held_out.yaml`
(never tuned on). Six families: `single`, `file`, `two-step` (sessions 1-3) and `open`
(no tool fits: plans, advice, knowledge), `prose-file` (prose written into a file),
`multi-step` (read -> compute -> write, percent-then-add, read-only summaries).

THE HELD-OUT RULE. Nobody tunes the agent (prompts, examples, demonstrations, aids,
policies) on the held-out goals, and nobody who tunes reads them or their per-goal
results. So a run that includes the held-out set prints, and writes to --json-out, only
its pass rates per family and overall (plus the count of irrelevant tool calls on its
open goals); per-goal pass/fail, answers and tool calls of held-out goals are shown only
with --reveal, which is for the one who writes goals and checks, not for tuning.
`--only` and `--limit` narrow the dev set only, for the same reason.

A goal passes when every check holds (bench/agent_bench/checks.py):
- outcome: the answer has each expected value as a whole value ("36" is not in "36.5"),
  the answer is prose where prose is asked (enough words, letters rather than digits, no
  repeated sentence, one word for each aspect the goal names), the file the goal asks
  for exists with the expected value or prose;
- relevance: every tool called (failed calls too) is in the goal's allowed set;
- integrity: every seeded workspace file is byte-identical afterwards (sha256), and no
  file appears that the goal does not ask for.

Each goal runs in its own subprocess, `python -m agentkit run GOAL --json`, with a fresh
workspace and a fresh data directory (journal, memory: empty), no config file, `--yes`
unless the goal runs without it, `--max-steps 8 --max-time 180` (change them with the
same flags). The wall budget makes a verdict depend on CPU load: a run cut by it ends
`budget_exhausted` with a forced answer, which is still checked; on a shared machine,
raise --max-time so that the step budget binds, and compare runs made alike. `--policy` and
`--disable-aids` reach the agent as AGENTKIT_POLICY / AGENTKIT_DISABLE_AIDS; the bench
refuses them when the code under test has no such settings.

    python bench/agent_tasks.py [--set dev|held-out|all] [--family NAME] [--quick]
        [--json-out FILE] [--reveal] [--model PATH] [--policy NAME] [--disable-aids A,B]
        [--no-memory] [--code DIR] [--only TEXT] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_bench.checks import check_goal, seed_workspace, snapshot
from agent_bench.goals import FAMILIES, Goal, load_goals

__all__ = ["Options", "main", "run_bench", "select_goals", "summarize"]

REPO = Path(__file__).resolve().parents[1]
# Settings the runs inherit from the caller's environment; every other AGENTKIT_* is
# dropped so a developer's own setup (home, config, workspace, --yes) cannot leak in.
INHERITED = ("AGENTKIT_N_THREADS", "AGENTKIT_GPU_LAYERS", "AGENTKIT_MODEL", "AGENTKIT_DECODER")
RUN_ORDER = ("open", "prose-file", "multi-step", "two-step", "file", "single")
GOAL_GRACE = 240.0  # seconds past max_time before the subprocess is killed (loaded CPU)


@dataclass
class Options:
    model: str | None = None
    policy: str | None = None
    disable_aids: str | None = None
    memory: bool = True
    code: Path = REPO
    max_steps: int = 8
    max_time: float = 180.0
    extra_env: dict[str, str] = field(default_factory=dict)


def code_settings(code: Path) -> set[str]:
    """The Settings fields of the agentkit under test (it may be another checkout)."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from agentkit.config import Settings; print(*Settings.model_fields)",
        ],
        env={**os.environ, "PYTHONPATH": str(code)},
        cwd=code,  # `python -c` puts the working directory first on sys.path
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def _env(options: Options, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTKIT_") or k in INHERITED}
    env.update(
        PYTHONPATH=str(options.code),
        AGENTKIT_HOME=str(home),
        AGENTKIT_CONFIG=str(home / "no-config.toml"),
    )
    if options.policy:
        env["AGENTKIT_POLICY"] = options.policy
    if options.disable_aids is not None:
        env["AGENTKIT_DISABLE_AIDS"] = options.disable_aids
    env.update(options.extra_env)
    return env


def _command(goal: Goal, options: Options, workspace: Path) -> list[str]:
    cmd = [sys.executable, "-m", "agentkit", "run", goal.goal, "--json", "--quiet"]
    cmd += ["--workspace", str(workspace), "--max-steps", str(options.max_steps)]
    cmd += ["--max-time", str(options.max_time)]
    if goal.with_yes:
        cmd.append("--yes")
    if not options.memory:
        cmd.append("--no-memory")
    if options.model:
        cmd += ["--model", options.model]
    return cmd


def _parse(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            try:
                parsed: dict[str, Any] = json.loads(line)
            except json.JSONDecodeError:
                continue
            return parsed
    return None


def run_goal(goal: Goal, options: Options) -> dict[str, Any]:
    """Run one goal in a fresh workspace and data directory; its row with the verdict."""
    with tempfile.TemporaryDirectory(prefix="ak-bench-") as tmp:
        workspace, home = Path(tmp) / "workspace", Path(tmp) / "home"
        workspace.mkdir()
        home.mkdir()
        seed_workspace(workspace, goal.files)
        before = snapshot(workspace)
        started = time.perf_counter()
        try:
            proc = subprocess.run(
                _command(goal, options, workspace),
                env=_env(options, home),
                cwd=tmp,
                stdin=subprocess.DEVNULL,  # no terminal: nobody to ask, as in CI
                capture_output=True,
                text=True,
                timeout=options.max_time + GOAL_GRACE,
            )
            result, exit_code, stderr = _parse(proc.stdout), proc.returncode, proc.stderr
        except subprocess.TimeoutExpired:
            limit = options.max_time + GOAL_GRACE
            result, exit_code, stderr = None, None, f"killed after {limit:.0f} s"
        seconds = round(time.perf_counter() - started, 1)
        steps = (result or {}).get("steps", [])
        answer = (result or {}).get("answer")
        failures = check_goal(
            goal,
            answer=answer,
            tools=[s["tool"] for s in steps],
            before=before,
            workspace=workspace,
        )
        problems = [str(f) for f in failures]
        target = workspace / goal.written.path if goal.written else None
        written = (
            target.read_bytes()[:400].decode("utf-8", "replace")
            if target and target.is_file()
            else None
        )
        if result is None:
            problems.insert(0, f"run gave no result (exit {exit_code}): {stderr.strip()[-200:]}")
        return {
            "id": goal.id,
            "family": goal.family,
            "set": goal.set,
            "goal": goal.goal,
            "passed": result is not None and not failures,
            "failures": problems,
            "irrelevant_calls": sum(1 for s in steps if s["tool"] not in goal.allowed_tools),
            "status": (result or {}).get("status"),
            "tools": [s["tool"] for s in steps],
            "calls": [
                f"{s['tool']}({json.dumps(s['arguments'])}) -> {s['observation'][:60]!r}"
                for s in steps
            ],
            "answer": (answer or "")[:400],
            "written": written,
            "seconds": seconds,
        }


def select_goals(
    task_set: str, family: str | None, quick: bool, only: str = "", limit: int | None = None
) -> list[Goal]:
    sets = ["dev", "held-out"] if task_set == "all" else [task_set]
    goals = [g for name in sets for g in load_goals(name)]  # type: ignore[arg-type]
    if quick:
        goals = [g for g in goals if g.quick]
    if family:
        goals = [g for g in goals if g.family == family]
    if only:
        goals = [g for g in goals if g.set != "dev" or only.lower() in f"{g.id} {g.goal}".lower()]
    if limit is not None:
        dev = [g for g in goals if g.set == "dev"][:limit]
        goals = dev + [g for g in goals if g.set != "dev"]
    # Family by family (the newest families first), so a run cut short has whole families.
    return sorted(goals, key=lambda g: RUN_ORDER.index(g.family))


def _rate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    passed = sum(bool(r["passed"]) for r in rows)
    return {"passed": passed, "total": len(rows), "rate": round(passed / max(len(rows), 1), 4)}


def summarize(rows: list[dict[str, Any]], *, reveal: bool) -> dict[str, Any]:
    """Rates per set and family; per-goal rows of the held-out set only with `reveal`."""
    sets: dict[str, Any] = {}
    for name in ("dev", "held-out"):
        in_set = [r for r in rows if r["set"] == name]
        if not in_set:
            continue
        families = {f: _rate([r for r in in_set if r["family"] == f]) for f in FAMILIES}
        sets[name] = {
            "overall": _rate(in_set),
            "by_family": {f: v for f, v in families.items() if v["total"]},
            "open_irrelevant_calls": sum(
                r["irrelevant_calls"] for r in in_set if r["family"] == "open"
            ),
        }
    shown = [r for r in rows if reveal or r["set"] == "dev"]
    return {"sets": sets, "overall": _rate(rows), "revealed": reveal, "rows": shown}


def _log_row(row: dict[str, Any], log: Callable[[str], None]) -> None:
    mark = "PASS" if row["passed"] else "fail"
    log(f"{mark} {row['seconds']:>6}s {row['family']:<10} {row['id']}: {row['answer'][:120]!r}")
    if row["written"] is not None:
        log(f"        file: {row['written'][:120]!r}")
    for line in row["calls"]:
        log(f"        {line}")
    for problem in row["failures"]:
        log(f"        ! {problem}")


def run_bench(
    goals: list[Goal],
    options: Options,
    *,
    reveal: bool,
    log: Callable[[str], None] = print,
    json_out: Path | None = None,
    jobs: int = 1,
) -> dict[str, Any]:
    """Run `goals`, `jobs` at a time, reported in their order; with `json_out`, the
    summary so far is rewritten after every goal, so a long run cut short still leaves
    its finished goals. More than one job changes no verdict while the step budget binds
    before the wall budget (each run decodes greedily on its own thread), only speed."""
    rows: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    held_out = sum(g.set == "held-out" for g in goals)
    done_held_out = 0
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    for goal, row in zip(goals, pool.map(lambda g: run_goal(g, options), goals), strict=True):
        rows.append(row)
        if reveal or goal.set == "dev":
            _log_row(row, log)
        else:
            done_held_out += 1
            log(f"held-out goal {done_held_out}/{held_out} run")
        summary = _summary(rows, options, reveal=reveal, planned=len(goals))
        if json_out is not None:
            json_out.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    pool.shutdown()
    return summary


def _summary(
    rows: list[dict[str, Any]], options: Options, *, reveal: bool, planned: int
) -> dict[str, Any]:
    summary = summarize(rows, reveal=reveal)
    summary["complete"] = len(rows) == planned
    summary["options"] = {
        "model": options.model,
        "policy": options.policy,
        "disable_aids": options.disable_aids,
        "memory": options.memory,
        "code": str(options.code),
        "max_steps": options.max_steps,
        "max_time": options.max_time,
    }
    return summary


def format_rates(summary: dict[str, Any]) -> str:
    lines = []
    for name, data in summary["sets"].items():
        o = data["overall"]
        fams = ", ".join(f"{f} {v['passed']}/{v['total']}" for f, v in data["by_family"].items())
        lines.append(f"{name}: {o['passed']}/{o['total']} ({o['rate']:.1%}); {fams}")
        lines.append(
            f"  irrelevant tool calls on {name} open goals: {data['open_irrelevant_calls']}"
        )
    return "\n".join(lines)


def _options(args: argparse.Namespace) -> Options:
    options = Options(
        model=args.model,
        policy=args.policy,
        disable_aids=args.disable_aids,
        memory=not args.no_memory,
        code=args.code.resolve(),
        max_steps=args.max_steps,
        max_time=args.max_time,
    )
    wanted = {"policy": options.policy, "disable_aids": options.disable_aids}
    missing = [
        k for k, v in wanted.items() if v is not None and k not in code_settings(options.code)
    ]
    if missing:
        sys.exit(
            f"error: the agentkit in {options.code} has no {missing[0]!r} setting; "
            f"drop --{missing[0].replace('_', '-')} or point --code at a checkout that has it"
        )
    return options


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", dest="task_set", choices=["dev", "held-out", "all"], default="all")
    parser.add_argument("--family", choices=FAMILIES, default=None)
    parser.add_argument("--quick", action="store_true", help="3 dev goals, a CI smoke run")
    parser.add_argument("--json-out", type=Path, default=None)
    parser.add_argument("--reveal", action="store_true", help="show held-out goals' results")
    parser.add_argument("--model", default=None, help="GGUF path (default: bundled SmolLM2)")
    parser.add_argument("--policy", default=os.environ.get("AGENTKIT_POLICY"))
    parser.add_argument("--disable-aids", default=os.environ.get("AGENTKIT_DISABLE_AIDS"))
    parser.add_argument("--no-memory", action="store_true", help="run with --no-memory")
    parser.add_argument("--code", type=Path, default=REPO, help="agentkit checkout to run")
    parser.add_argument("--max-steps", type=int, default=8)
    parser.add_argument(
        "--max-time", type=float, default=180.0, help="seconds per goal (the wall budget)"
    )
    parser.add_argument("--only", default="", help="dev goals whose id or text contains this")
    parser.add_argument("--limit", type=int, default=None, help="first N dev goals")
    parser.add_argument("--jobs", type=int, default=1, help="goals run at once (see run_bench)")
    args = parser.parse_args(argv)
    if args.quick and args.task_set == "held-out":
        parser.error("--quick runs dev goals only; drop --set held-out")
    task_set = "dev" if args.quick else args.task_set
    goals = select_goals(task_set, args.family, args.quick, args.only, args.limit)
    if not goals:
        parser.error("no goal matches these options")
    summary = run_bench(
        goals, _options(args), reveal=args.reveal, json_out=args.json_out, jobs=args.jobs
    )
    print("\n" + format_rates(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
