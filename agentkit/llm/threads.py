"""How many CPU threads llama.cpp and onnxruntime use.

llama.cpp's worker threads spin-wait on a barrier after every operation, so a thread
count equal to the cores collapses as soon as another process wants one of them: with
2 threads on 2 cores and one busy competitor, a decode step took seconds instead of
milliseconds. The defaults below come from the tables in docs/benchmarks-decoder.md:
decode leaves one core free for whatever else runs. Prompt evaluation, a short burst
before each call, takes every core when, since the last call, no other process used
more than IDLE_SHARE of a core (`CpuWatch`), and leaves one free otherwise: on an idle
machine that evaluates prompts 1.7x faster, and llama.cpp's results do not depend on
the thread count. `threads` in the config (or `--threads N`) fixes both.
"""

from __future__ import annotations

import os
import time
from functools import cache
from pathlib import Path

from pydantic import BaseModel

__all__ = [
    "IDLE_SHARE",
    "CpuWatch",
    "ThreadCounts",
    "available_cpus",
    "default_threads",
    "describe_threads",
    "physical_cores",
    "thread_counts",
]


IDLE_SHARE = 0.5  # others' average CPU use, in cores, below which the machine counts as idle


class ThreadCounts(BaseModel):
    decode: int  # llama.cpp n_threads: one token at a time
    batch: int  # llama.cpp n_threads_batch: prompt evaluation
    source: str  # "default" or "setting"
    idle_batch: int | None = None  # batch threads while the CPU is otherwise idle (default)

    def batch_for(self, others_busy: float | None) -> int:
        """Prompt threads for a call, given the cores other processes kept busy lately."""
        if self.idle_batch is None or others_busy is None or others_busy >= IDLE_SHARE:
            return self.batch
        return self.idle_batch


class CpuWatch:
    """How many cores other processes kept busy since the last look: the machine's busy
    time (/proc/stat) less this process's own CPU time, over the wall time between."""

    def __init__(self) -> None:
        self._last = _sample()

    def others_busy(self) -> float | None:
        """Average cores used by other processes since the last call; None off Linux."""
        now, last = _sample(), self._last
        self._last = now
        if now is None or last is None or now[0] - last[0] <= 0:
            return None
        wall, busy, own = (a - b for a, b in zip(now, last, strict=True))
        return max(0.0, (busy - own) / wall)


def _sample() -> tuple[float, float, float] | None:
    """(monotonic seconds, the machine's busy CPU seconds, this process's CPU seconds)."""
    try:
        with Path("/proc/stat").open(encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        tick = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = (sum(fields[:8]) - idle) / tick  # guest time is already in user time
    own = time.process_time()
    return time.monotonic(), busy, own


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
    return ThreadCounts(decode=n, batch=n, source="default", idle_batch=physical_cores())


def describe_threads(counts: ThreadCounts) -> str:
    """One line for `agentkit models` and `doctor`."""
    why = "from the threads setting" if counts.source == "setting" else "default: cores - 1"
    batch = f"{counts.batch} batch"
    if counts.idle_batch is not None and counts.idle_batch != counts.batch:
        batch += f" ({counts.idle_batch} while the CPU is otherwise idle)"
    return (
        f"{counts.decode} decode, {batch}, embedder {counts.decode} ({why}; "
        f"{physical_cores()} physical cores, {available_cpus()} CPUs available)"
    )
