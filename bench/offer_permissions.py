"""Who may hand a write tool to a goal? The `demo_tools` aid's two rules, compared.

For every goal, the demonstrations retrieved for it (agentkit's own retrieval: the three
closest within the similarity margin) decide whether `write_file` is offered:
- `any`: when any retrieved demonstration writes (the aid before round 2, session 2);
- `majority`: when the demonstrations that write carry more than half of the retrieved
  similarity (the aid now, agentkit.policy.aids.demo_tools).
A goal needs a write when its bench check expects a written file (goals_*.yaml) or, for
the demonstration library itself (left out of its own retrieval), when it writes.

Prints, per goal set, the share of goals offered a write they do not need (the failure
that overwrote a user's file) and the share denied a write they need. No model runs;
only the embedder. The held-out set prints rates only (see agent_tasks.py).

    python bench/offer_permissions.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from agent_bench.goals import load_goals  # noqa: E402

from agentkit.memory.embedders import make_embedder  # noqa: E402
from agentkit.policy.aids import demo_tools  # noqa: E402
from agentkit.policy.aids.demonstrations import Library, Scored, load_library  # noqa: E402
from agentkit.resources import prompts_dir  # noqa: E402

WRITE = "write_file"
Rule = Callable[[Sequence[Scored]], bool]
RULES: dict[str, Rule] = {
    "any": lambda found: any(WRITE in s.demo.tools for s in found),
    "majority": lambda found: demo_tools.mandated(WRITE, found),
}


def rates(cases: list[tuple[list[Scored], bool]], rule: Rule) -> tuple[float, float]:
    unneeded = [rule(found) for found, needs in cases if not needs]
    missing = [not rule(found) for found, needs in cases if needs]
    return sum(unneeded) / max(1, len(unneeded)), sum(missing) / max(1, len(missing))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the dev set only")
    args = parser.parse_args()
    library = load_library([prompts_dir()], None)
    usable = sorted({t for d in library for t in d.tools})
    embedder = make_embedder("minilm")
    full = Library(library, embedder)
    sets: dict[str, list[tuple[list[Scored], bool]]] = {}
    for name in ["dev"] if args.quick else ["dev", "held-out"]:
        goals = load_goals(name)  # type: ignore[arg-type]
        sets[name] = [(full.nearest(g.goal, usable), g.written is not None) for g in goals]
    if not args.quick:
        cases = []
        for i, demo in enumerate(library):
            rest = Library(library[:i] + library[i + 1 :], embedder)
            cases.append((rest.nearest(demo.goal, usable), WRITE in demo.tools))
        sets["library, each left out"] = cases
    print("| goals | n | rule | offered a write it does not need | denied a write it needs |")
    print("|---|---|---|---|---|")
    for name, cases in sets.items():
        for rule_name, rule in RULES.items():
            unneeded, missing = rates(cases, rule)
            print(f"| {name} | {len(cases)} | {rule_name} | {unneeded:.0%} | {missing:.0%} |")


if __name__ == "__main__":
    main()
