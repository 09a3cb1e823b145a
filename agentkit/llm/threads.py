"""How many CPU threads llama.cpp and onnxruntime use.

llama.cpp's worker threads spin-wait on a barrier after every operation, so a thread
count equal to the cores collapses as soon as another process wants one of them: with
2 threads on 2 cores and one busy competitor, a decode step took seconds instead of
milliseconds. The defaults below come from the table in docs/benchmarks-decoder.md:
leave one core free for whatever else runs, for decode and prompt evaluation alike.
`threads` in the config (or `--threads N`) overrides both.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from pydantic import BaseModel

__all__ = ["ThreadCounts", "available_cpus", "default_threads", "physical_cores", "thread_counts"]


class ThreadCounts(BaseModel):
    decode: int  # llama.cpp n_threads: one token at a time
    batch: int  # llama.cpp n_threads_batch: prompt evaluation
    source: str  # "default" or "setting"


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, not the machine's total)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@cache
def physical_cores() -> int:
    """Distinct (package, core) pairs in /proc/cpuinfo, capped by the affinity mask."""
    cores: set[tuple[str, str]] = set()
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return available_cpus()
    for block in text.split("\n\n"):
        pairs = (line.partition(":") for line in block.splitlines())
        fields = {key.strip(): value.strip() for key, _, value in pairs}
        if "core id" in fields:
            cores.add((fields.get("physical id", "0"), fields["core id"]))
    return max(1, min(len(cores) or available_cpus(), available_cpus()))


def default_threads() -> int:
    """Physical cores minus one (at least one): a busy neighbour then costs little."""
    return max(1, physical_cores() - 1)


def thread_counts(threads: int | None) -> ThreadCounts:
    if threads is not None:
        return ThreadCounts(decode=threads, batch=threads, source="setting")
    n = default_threads()
    return ThreadCounts(decode=n, batch=n, source="default")
