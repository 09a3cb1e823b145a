"""agentkit's memory as MCP resources, read by the official MCP Python client over stdio
from `agentkit mcp serve`; the memory is filled with `agentkit memory ingest` / `add`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, MCPError, StdioServerParameters

from agentkit.mcp.resources import merge_chunks
from agentkit.memory.chunking import chunk_text

pytestmark = pytest.mark.integration

# Long enough for several overlapping chunks, so reading it back tests their merging.
PARAGRAPHS = [
    f"Paragraph {i}: the locker for team {i} is on floor {i % 5} and its code is {1000 + i}. "
    + " ".join(f"word{i}-{j}" for j in range(40))
    for i in range(8)
]
DOC = "\n\n".join(PARAGRAPHS) + "\n"


def on_stdio(env: dict[str, str]) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["-m", "agentkit", "mcp", "serve", "--no-agent"], env=env
    )


def memory_cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "agentkit", "memory", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_merged_chunks_are_the_document_again() -> None:
    chunks = chunk_text(DOC)
    assert len(chunks) >= 3
    assert merge_chunks(chunks) == DOC.strip()


def test_memory_documents_and_notes_are_listed_and_read(
    env: dict[str, str], tmp_path: Path
) -> None:
    doc = tmp_path / "lockers.md"
    doc.write_text(DOC, encoding="utf-8")
    memory_cli(env, "ingest", str(doc))

    async def session(client: Client) -> dict[str, Any]:
        first = await client.list_resources(cache_mode="bypass")
        (resource,) = first.resources
        text = await client.read_resource(resource.uri)
        # written by another process while the server runs: the next listing shows it
        note_id = await anyio.to_thread.run_sync(
            lambda: memory_cli(env, "add", "the spare key is under the mat")
        )
        second = await client.list_resources(cache_mode="bypass")
        notes = [r for r in second.resources if r.uri.endswith(note_id)]
        note = await client.read_resource(notes[0].uri) if notes else None
        with pytest.raises(MCPError) as missing:
            await client.read_resource("agentkit-memory://note/n-doesnotexist")
        tools = {t.name for t in (await client.list_tools()).tools}
        return {
            "first": first, "resource": resource, "text": text, "second": second,
            "note": note, "missing": missing.value, "tools": tools,
        }  # fmt: skip

    async def main() -> dict[str, Any]:
        async with Client(on_stdio(env), mode="legacy") as client:
            return await session(client)

    got = anyio.run(main)
    resource = got["resource"]
    assert resource.uri.startswith("agentkit-memory://document/")
    assert resource.name == "lockers.md" and resource.mime_type == "text/plain"
    assert str(doc) in resource.description and "untrusted" in resource.description
    (contents,) = got["text"].contents
    assert contents.uri == resource.uri and contents.text == DOC.strip()
    listed = [r.uri for r in got["second"].resources]
    assert len(listed) == 2 and listed[0] == resource.uri  # documents first
    assert got["note"] is not None, listed
    assert got["note"].contents[0].text == "the spare key is under the mat"
    assert "Resource not found" in str(got["missing"])
    assert "memory_search" in got["tools"]


def test_no_memory_is_an_empty_list_and_creates_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    async def listing(target: StdioServerParameters) -> list[Any]:
        async with Client(target, mode="legacy") as client:
            return list((await client.list_resources(cache_mode="bypass")).resources)

    home = Path(env["AGENTKIT_HOME"])
    before = sorted(p.name for p in home.iterdir()) if home.exists() else []
    assert anyio.run(listing, on_stdio(env)) == []  # a memory never written
    after = sorted(p.name for p in home.iterdir()) if home.exists() else []
    assert "memory" not in set(after) - set(before)
    off = on_stdio({**env, "AGENTKIT_NO_MEMORY": "true"})
    assert anyio.run(listing, off) == []  # memory turned off
