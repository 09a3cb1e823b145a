"""Two real agentkit processes writing one memory directory at once lose nothing,
and each one's reader sees the other's writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentkit.memory import Memory

pytestmark = [pytest.mark.integration, pytest.mark.slow]

N = 60
_WRITER = """
import json, sys, time
from pathlib import Path
from agentkit.memory import Memory

tag, other, n, root = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
docs = root / f"docs-{tag}"
docs.mkdir()
for i in range(3):
    (docs / f"{i}.md").write_text(f"Document {i} written by {tag}. " * 80)
with Memory(root / "mem") as memory:
    for i in range(n):
        memory.add(f"writer {tag} recorded fact {i}", source=tag)
        if i == n // 2:
            memory.ingest([docs])
    # Once the other writer is done, a reader in this process must see all its writes.
    (root / f"done-{tag}").touch()
    deadline = time.monotonic() + 240
    while not (root / f"done-{other}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    seen = {
        source: len(memory.search("writer recorded fact", k=3 * n, min_score=0, kind="note",
                                  source=source))
        for source in (tag, other)
    }
    print(json.dumps(seen))
"""


def test_two_processes_write_concurrently(tmp_path: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, tag, other, str(N), str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag, other in (("A", "B"), ("B", "A"))
    ]
    for tag, proc in zip("AB", procs, strict=True):
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        other = "B" if tag == "A" else "A"
        assert json.loads(out.strip().splitlines()[-1]) == {tag: N, other: N}
    with Memory(tmp_path / "mem") as memory:
        stats = memory.stats()
        assert stats["by_kind"]["note"] == 2 * N
        assert stats["sources"] == 2 + 6  # two note sources, six files
        for tag in ("A", "B"):
            for i in (0, N // 2, N - 1):
                text = f"writer {tag} recorded fact {i}"
                assert memory.search(text, k=1, source=tag)[0].text == text
        assert memory.ingest([tmp_path / "docs-A", tmp_path / "docs-B"]).documents_unchanged == 6


_BULK_WRITER = """
import sys
from pathlib import Path
from agentkit.memory import Memory

with Memory(Path(sys.argv[1])) as memory:
    for i in range(int(sys.argv[2])):
        memory.add(f"bulk writer fact {i}", source="bulk")
"""
_COUNTER = """
import json, sys
from pathlib import Path
from agentkit.memory import Memory

with Memory(Path(sys.argv[1])) as memory:
    found = memory.search("writer fact", k=5000, min_score=0)
    print(json.dumps([len(found), memory.index_problem()]))
"""
BULK = 1100  # past Chroma's default sync_threshold (1000): the writer saves its index


def test_an_open_memory_sees_a_bulk_write_by_another_process(tmp_path: Path) -> None:
    """Chroma's per-process index replays the shared log from the offset the last saver
    recorded, so without a reopen a long-open memory skipped the other process's first
    1000 writes: its search failed with "Error finding id"."""
    with Memory(tmp_path / "mem") as memory:
        memory.add("the long-open process's own note", source="own")
        assert len(memory.search("note", k=5, min_score=0)) == 1  # its index is loaded
        subprocess.run(
            [sys.executable, "-c", _BULK_WRITER, str(tmp_path / "mem"), str(BULK)],
            check=True,
            timeout=300,
        )
        found = memory.search("bulk writer fact", k=2 * BULK, min_score=0, source="bulk")
        assert len(found) == BULK
        # A write from this process must not save an index without the other's writes.
        memory.add("writer fact from the long-open process", source="own")
    out = subprocess.run(
        [sys.executable, "-c", _COUNTER, str(tmp_path / "mem")],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == [BULK + 2, None]
