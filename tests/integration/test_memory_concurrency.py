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
