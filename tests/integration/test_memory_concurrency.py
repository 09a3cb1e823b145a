"""Two real agentkit processes writing one memory directory at once lose nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agentkit.memory import Memory

pytestmark = [pytest.mark.integration, pytest.mark.slow]

N = 60
_WRITER = """
import sys
from pathlib import Path
from agentkit.memory import Memory

tag, n, root = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
docs = root / f"docs-{tag}"
docs.mkdir()
for i in range(3):
    (docs / f"{i}.md").write_text(f"Document {i} written by {tag}. " * 80)
with Memory(root / "mem") as memory:
    for i in range(n):
        memory.add(f"writer {tag} recorded fact {i}", source=tag)
        if i == n // 2:
            memory.ingest([docs])
    # A reader in this process must see the other process's writes too.
    print(len(memory.search("writer recorded fact", k=100, min_score=0)))
"""


def test_two_processes_write_concurrently(tmp_path: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, tag, str(N), str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("A", "B")
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
    with Memory(tmp_path / "mem") as memory:
        stats = memory.stats()
        assert stats["by_kind"]["note"] == 2 * N
        assert stats["sources"] == 2 + 6  # two note sources, six files
        for tag in ("A", "B"):
            for i in (0, N // 2, N - 1):
                text = f"writer {tag} recorded fact {i}"
                assert memory.search(text, k=1, source=tag)[0].text == text
        assert memory.ingest([tmp_path / "docs-A", tmp_path / "docs-B"]).documents_unchanged == 6
