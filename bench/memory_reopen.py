"""What a search costs right after another process wrote to the same memory directory.

A process that finds another's generation token reopens its Chroma collection before
it reads (agentkit.memory.backend.reconnect). This prints the median search time with
and without that reopen, on a memory of N notes:

    python bench/memory_reopen.py [--items 200] [--repeats 10] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agentkit.memory import Memory
from agentkit.memory.locking import bump_generation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="20 items, 3 repeats (CI)")
    args = parser.parse_args()
    if args.quick:
        args.items, args.repeats = 20, 3
    with tempfile.TemporaryDirectory() as tmp, Memory(Path(tmp) / "mem") as memory:
        for i in range(args.items):
            memory.add(f"fact number {i}")
        memory.search("fact", k=3)

        def timed(foreign_write: bool) -> float:
            if foreign_write:
                bump_generation(Path(tmp) / "mem")  # what another process's write leaves
            start = time.perf_counter()
            memory.search("fact", k=3)
            return time.perf_counter() - start

        after = statistics.median(timed(True) for _ in range(args.repeats))
        plain = statistics.median(timed(False) for _ in range(args.repeats))
    print(
        f"items {args.items}: search after another process's write {after * 1000:.1f} ms "
        f"(reopen included), without {plain * 1000:.1f} ms; median of {args.repeats}"
    )


if __name__ == "__main__":
    main()
