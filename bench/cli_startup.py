"""How long `agentkit --help` and `agentkit tools list` take, against `import typer`.

    python bench/cli_startup.py            # median of 5 runs each, measured in alternation
    python bench/cli_startup.py --quick    # median of 3 (CI smoke run)
    python bench/cli_startup.py --json

The goal is `agentkit --help` <= 2x `python -c "import typer"`: typer is the floor any
typer CLI pays. Runs alternate (typer, help, tools list, typer, ...) so a busy machine
slows them alike; the ratio is more trustworthy than the absolute times.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

__all__ = ["main", "measure"]

CASES: dict[str, list[str]] = {
    "import typer": [sys.executable, "-c", "import typer"],
    "agentkit --help": [sys.executable, "-m", "agentkit", "--help"],
    "agentkit tools list": [sys.executable, "-m", "agentkit", "tools", "list"],
}


def _once(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(repeats: int) -> dict[str, float]:
    """Median seconds per case, over `repeats` alternating rounds (after one warm-up)."""
    for argv in CASES.values():
        _once(argv)  # warm the page cache and .pyc files
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(repeats):
        for name, argv in CASES.items():
            samples[name].append(_once(argv))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 5")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    medians = measure(3 if args.quick else 5)
    floor = medians["import typer"]
    ratios = {name: seconds / floor for name, seconds in medians.items()}
    if args.json:
        print(json.dumps({"median_seconds": medians, "ratio_to_import_typer": ratios}))
        return
    for name, seconds in medians.items():
        print(f"{name:<22} {seconds * 1000:7.1f} ms  {ratios[name]:4.2f}x import typer")


if __name__ == "__main__":
    main()
