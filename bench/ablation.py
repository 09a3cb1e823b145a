"""What each aid of the `small` policy is worth: the task bench with each aid off in turn.

Configurations, each a full run of `bench/agent_tasks.py`'s goals:
- `small`: every aid on (AGENTKIT_POLICY=small, AGENTKIT_DISABLE_AIDS empty);
- `-AID`: the same with one aid off (AGENTKIT_DISABLE_AIDS=AID), for every aid;
- `plain`: AGENTKIT_POLICY=plain.
`--quick` (a CI smoke run, a few minutes on the bundled model) runs one dev goal under
`small`, the first aid off and `plain` only.

Prints a markdown table of dev and held-out pass rates per configuration, with the change
against `small`, and saves the JSON (rates only: the held-out rule of agent_tasks.py holds
here too, no per-goal held-out result is shown or saved). The aid names come from
`agentkit.policy.aids.AID_NAMES` of the code under test, else from `--aids a,b,c`. On code
that has no `policy` setting yet, only its default configuration is measured.

    python bench/ablation.py [--quick] [--set dev|held-out|all] [--family NAME]
        [--aids a,b,c] [--only-configs small,plain] [--code DIR] [--json-out FILE]
        [--model PATH] [--no-memory] [--max-steps N] [--max-time S]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from agent_bench.goals import FAMILIES
from agent_tasks import REPO, Options, code_settings, run_bench, select_goals

__all__ = ["Config", "aid_names", "configurations", "main", "markdown_table", "quick_configs"]

Config = tuple[str, str | None, str | None]  # (label, policy, disable_aids)


def aid_names(code: Path, fallback: str | None) -> list[str]:
    """`AID_NAMES` of the agentkit in `code`, else the comma-separated `fallback`."""
    probe = "from agentkit.policy.aids import AID_NAMES; print(','.join(AID_NAMES))"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(code)},
        cwd=code,  # `python -c` puts the working directory first on sys.path
        capture_output=True,
        text=True,
    )
    names = out.stdout.strip() if out.returncode == 0 else (fallback or "")
    return [n.strip() for n in names.split(",") if n.strip()]


def configurations(aids: list[str], fields: set[str]) -> list[Config]:
    if "policy" not in fields:
        return [("default", None, None)]
    configs: list[Config] = [("small", "small", "" if "disable_aids" in fields else None)]
    if "disable_aids" in fields:
        configs += [(f"-{aid}", "small", aid) for aid in aids]
    return [*configs, ("plain", "plain", None)]


def quick_configs(configs: list[Config]) -> list[Config]:
    """All aids on, the first aid off and plain: each kind of configuration once."""
    return configs[:2] + [c for c in configs[2:] if c[0] == "plain"]


def _cell(summary: dict[str, Any], set_name: str) -> tuple[str, float | None]:
    data = summary["sets"].get(set_name)
    if data is None:
        return "–", None
    o = data["overall"]
    return f"{o['passed']}/{o['total']} ({o['rate']:.0%})", float(o["rate"])


def _delta(rate: float | None, base: float | None) -> str:
    if rate is None or base is None:
        return "–"
    return f"{(rate - base) * 100:+.0f} pt"


def markdown_table(results: dict[str, dict[str, Any]]) -> str:
    """One row per configuration; the change is against the first (all aids on)."""
    lines = [
        "| configuration | dev | held-out | dev vs first | held-out vs first |",
        "|---|---|---|---|---|",
    ]
    base: dict[str, float | None] = {}
    for label, summary in results.items():
        dev, dev_rate = _cell(summary, "dev")
        held, held_rate = _cell(summary, "held-out")
        if not base:
            base = {"dev": dev_rate, "held-out": held_rate}
        lines.append(
            f"| `{label}` | {dev} | {held} | {_delta(dev_rate, base['dev'])} "
            f"| {_delta(held_rate, base['held-out'])} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 1 dev goal, all on / first aid off / plain"
    )
    parser.add_argument("--set", dest="task_set", choices=["dev", "held-out", "all"], default="all")
    parser.add_argument("--family", choices=FAMILIES, default=None)
    parser.add_argument("--aids", default=None, help="aid names when AID_NAMES is not importable")
    parser.add_argument("--only-configs", default=None, help="run only these labels, e.g. small")
    parser.add_argument("--code", type=Path, default=REPO, help="agentkit checkout to run")
    parser.add_argument("--json-out", type=Path, default=None)
    parser.add_argument("--model", default=None)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--max-steps", type=int, default=8)
    parser.add_argument("--max-time", type=float, default=180.0)
    parser.add_argument("--jobs", type=int, default=1, help="goals run at once")
    args = parser.parse_args(argv)
    code = args.code.resolve()
    fields = code_settings(code)
    configs = configurations(aid_names(code, args.aids), fields)
    if "policy" not in fields:
        print(f"note: the agentkit in {code} has no policy setting; measuring its default only")
    if args.only_configs:
        by_label = {c[0]: c for c in configs}  # in the order given: the first ones first
        configs = [by_label[label] for label in args.only_configs.split(",") if label in by_label]
    goals = select_goals("dev" if args.quick else args.task_set, args.family, args.quick)
    if args.quick:  # a CI smoke run: one goal under all on, one aid off, and plain
        goals, configs = goals[:1], quick_configs(configs)
    if not goals or not configs:
        parser.error("no goal or no configuration matches these options")
    results: dict[str, dict[str, Any]] = {}
    for label, policy, disable in configs:
        options = Options(
            model=args.model,
            policy=policy,
            disable_aids=disable,
            memory=not args.no_memory,
            code=code,
            max_steps=args.max_steps,
            max_time=args.max_time,
        )
        print(f"{label}: {len(goals)} goals ...", flush=True)
        summary = run_bench(goals, options, reveal=False, log=lambda line: None, jobs=args.jobs)
        summary.pop("rows")  # rates only, as the held-out rule asks
        results[label] = summary
        dev, _ = _cell(summary, "dev")
        held, _ = _cell(summary, "held-out")
        print(f"{label}: dev {dev}, held-out {held}", flush=True)
        if args.json_out:
            args.json_out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print("\n" + markdown_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
