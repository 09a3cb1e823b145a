"""What the demonstration library costs a process before its first retrieval, with the
real MiniLM embedder: a cold data directory (every goal embedded into the Chroma store),
a warm one (a second process: nothing embedded), and the in-process ranking the store
replaced (every goal embedded, in every process).

    python bench/demo_store.py            # median of 3 rounds, each a fresh directory
    python bench/demo_store.py --quick    # one round (CI smoke run)

Each measurement is its own process. It first imports chromadb and embeds one probe
goal (loading the embedder): a run pays both anyway, for the memory and for the query,
so they are printed apart from the setup. `setup` is building the `Library` (or, for
the in-process ranking, embedding the goals); `nearest` is one retrieval after it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main"]

ROOT = Path(__file__).resolve().parents[1]
MODES = ["cold", "warm", "in-process"]
GOAL = "Read prices.txt, add up the numbers, and write the total to total.txt."
PHASES = ["import chromadb", "load embedder", "setup", "nearest"]


def _child(mode: str, home: Path) -> None:
    sys.path.insert(0, str(ROOT))
    times: dict[str, float] = {}
    start = time.perf_counter()
    import chromadb  # noqa: F401

    from agentkit.memory.embedders import make_embedder
    from agentkit.policy.aids.demonstrations import Library, load_library
    from agentkit.resources import prompts_dir

    times["import chromadb"] = time.perf_counter() - start
    embedder = make_embedder("minilm")
    start = time.perf_counter()
    embedder.embed(["a probe goal"])
    times["load embedder"] = time.perf_counter() - start
    demos = load_library([prompts_dir()], None)
    usable = sorted({t for d in demos for t in d.tools})
    start = time.perf_counter()
    if mode == "in-process":
        vectors = embedder.embed([d.goal for d in demos])
        times["setup"] = time.perf_counter() - start
        start = time.perf_counter()
        query = embedder.embed([GOAL])[0]
        sorted(sum(a * b for a, b in zip(query, v, strict=True)) for v in vectors)
    else:
        library = Library(demos, embedder, home)
        times["setup"] = time.perf_counter() - start
        start = time.perf_counter()
        library.nearest(GOAL, usable)
    times["nearest"] = time.perf_counter() - start
    print(json.dumps(times))


def _run(mode: str, home: Path) -> dict[str, float]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(home)]
    done = subprocess.run(argv, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round only")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "HOME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    rounds = 1 if args.quick else max(1, args.rounds)
    samples: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            for mode in MODES:  # warm right after cold: it reads what cold stored
                samples[mode].append(_run(mode, Path(tmp)))
    print(f"median of {rounds} round(s), seconds; each mode a fresh process")
    print("| mode | " + " | ".join(PHASES) + " |")
    print("|---|" + "---|" * len(PHASES))
    for mode in MODES:
        cells = [f"{statistics.median(s[p] for s in samples[mode]):.3f}" for p in PHASES]
        print(f"| {mode} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
