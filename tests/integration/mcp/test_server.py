"""`agentkit mcp serve`, driven by the official MCP Python client over stdio and HTTP;
and agentkit's own MCP client against HTTP servers (agentkit's and server-everything's)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from agentkit.config import Settings
from agentkit.journal import Journal

pytestmark = pytest.mark.integration


def on_stdio(env: dict[str, str], *serve_args: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["-m", "agentkit", "mcp", "serve", *serve_args], env=env
    )


def drive(target: Any, session: Callable[[Client], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        async with Client(target, mode="legacy") as client:
            return await session(client)

    return anyio.run(main)


def text_of(result: Any) -> str:
    return "".join(block.text for block in result.content if block.type == "text")


def test_stdio_lists_approved_tools_and_refuses_the_rest(
    env: dict[str, str], tmp_path: Path
) -> None:
    async def session(client: Client) -> dict[str, Any]:
        listing = await client.list_tools()
        calc = await client.call_tool("calculator", {"expression": "6 * 7"})
        refused = await client.call_tool("write_file", {"path": "x.txt", "content": "no"})
        bad = await client.call_tool("calculator", {"expression": 7})
        return {"tools": listing.tools, "calc": calc, "refused": refused, "bad": bad}

    env = {**env, "AGENTKIT_NO_MEMORY": "true"}
    got = drive(on_stdio(env, "-w", str(tmp_path)), session)
    tools = {t.name: t for t in got["tools"]}
    assert {"calculator", "read_file", "run_goal"} <= set(tools)
    assert "write_file" not in tools and "shell" not in tools and "ask_user" not in tools
    assert tools["calculator"].annotations.read_only_hint is True
    assert tools["calculator"].input_schema["properties"]["expression"]["type"] == "string"
    assert text_of(got["calc"]) == "42" and not got["calc"].is_error
    assert got["refused"].is_error and text_of(got["refused"]).startswith("refused: write_file")
    assert not (tmp_path / "x.txt").exists()
    assert got["bad"].is_error and "invalid arguments" in text_of(got["bad"])

    run_id = got["calc"].meta["agentkit/run_id"]
    with Journal.open(Settings(home=Path(env["AGENTKIT_HOME"]))) as journal:
        record = journal.get_run(run_id)
        assert record.kind == "mcp" and record.status == "succeeded"
        assert [e.type for e in journal.events(run_id)] == [
            "run_started",
            "tool_called",
            "observation",
            "run_finished",
        ]


def test_stdio_with_yes_lists_write_tools_confined_to_the_workspace(
    env: dict[str, str], tmp_path: Path
) -> None:
    async def session(client: Client) -> tuple[Any, Any, Any]:
        listing = await client.list_tools()
        wrote = await client.call_tool("write_file", {"path": "note.txt", "content": "hi"})
        escape = await client.call_tool("write_file", {"path": "../outside.txt", "content": "x"})
        return listing, wrote, escape

    workspace = tmp_path / "ws"
    env = {**env, "AGENTKIT_NO_MEMORY": "true"}
    listing, wrote, escape = drive(on_stdio(env, "-w", str(workspace), "--yes"), session)
    tools = {t.name: t for t in listing.tools}
    assert tools["write_file"].annotations.read_only_hint is False
    assert tools["write_file"].annotations.destructive_hint is True
    assert not wrote.is_error and (workspace / "note.txt").read_text() == "hi"
    assert escape.is_error and not (tmp_path / "outside.txt").exists()


def test_a_write_served_with_yes_is_undone_by_runs_undo(
    env: dict[str, str], tmp_path: Path
) -> None:
    async def session(client: Client) -> Any:
        return await client.call_tool("write_file", {"path": "notes.txt", "content": "gone"})

    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "notes.txt").write_bytes(b"the user's notes\n")
    env = {**env, "AGENTKIT_NO_MEMORY": "true"}
    wrote = drive(on_stdio(env, "-w", str(workspace), "--yes"), session)
    assert not wrote.is_error and (workspace / "notes.txt").read_text() == "gone"
    runs = subprocess.run(
        [sys.executable, "-m", "agentkit", "runs", "list", "--json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    (run,) = json.loads(runs.stdout)
    undone = subprocess.run(
        [sys.executable, "-m", "agentkit", "runs", "undo", run["run_id"]],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert undone.returncode == 0, undone.stderr
    assert (workspace / "notes.txt").read_bytes() == b"the user's notes\n"


def test_http_serves_concurrent_calls_into_one_journal(
    env: dict[str, str], agentkit_http: str
) -> None:
    """Eight clients at once: every call answered and journaled as a complete run."""
    expected = {f"{n} * 11": str(n * 11) for n in range(8)}
    expressions = list(expected)
    results: dict[str, Any] = {}

    async def one(expression: str) -> None:
        async with Client(agentkit_http, mode="legacy") as client:
            results[expression] = await client.call_tool("calculator", {"expression": expression})

    async def main() -> None:
        async with anyio.create_task_group() as group:
            for expression in expressions:
                group.start_soon(one, expression)

    anyio.run(main)
    assert {e: text_of(r) for e, r in results.items()} == expected
    with Journal.open(Settings(home=Path(env["AGENTKIT_HOME"]))) as journal:
        runs = [r for r in journal.list_runs(limit=100) if r.kind == "mcp"]
        assert len(runs) == len(expressions) and all(r.status == "succeeded" for r in runs)
        for record in runs:
            assert len(journal.events(record.run_id)) == 4
        assert journal.check() == "ok"


def test_agentkit_client_over_http_namespaces_colliding_tools(
    kit: Any, env: dict[str, str], agentkit_http: str
) -> None:
    """agentkit as the client of an agentkit server: its calculator collides with ours."""
    flag = f"remote={agentkit_http}"
    done = kit.agentkit(env, "tools", "list", "--json", "--mcp", flag)
    assert done.returncode == 0, done.stderr
    sources = {t["name"]: t["source"] for t in json.loads(done.stdout)}
    assert sources["calculator"].startswith("builtin:")
    assert sources["remote_calculator"] == "mcp:remote" and sources["run_goal"] == "mcp:remote"
    assert "MCP tool remote/calculator is offered as remote_calculator" in done.stderr
    call = kit.agentkit(
        env, "tools", "call", "remote_calculator", '{"expression": "2 ** 10"}', "--mcp", flag
    )
    assert call.returncode == 0 and call.stdout.strip() == "1024", call.stderr


def test_agentkit_client_of_server_everything_over_http(kit: Any, env: dict[str, str]) -> None:
    port = kit.free_port()
    proc = subprocess.Popen(
        ["node", str(kit.node_path(kit.EVERYTHING)), "streamableHttp"],
        env={**env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        kit.wait_for_port(port, proc)
        flag = f"every=http://127.0.0.1:{port}/mcp"
        done = kit.agentkit(env, "tools", "call", "echo", '{"message": "over http"}', "--mcp", flag)
        assert done.returncode == 0 and done.stdout.strip() == "Echo: over http", done.stderr
    finally:
        kit.stop(proc)


def test_run_goal_runs_the_agent_and_returns_its_run(env: dict[str, str], tmp_path: Path) -> None:
    async def session(client: Client) -> Any:
        return await client.call_tool("run_goal", {"goal": "What is 1234 * 5678?"})

    env = {**env, "AGENTKIT_NO_MEMORY": "true"}
    result = drive(on_stdio(env, "-w", str(tmp_path)), session)
    payload = result.structured_content
    assert set(payload) == {"answer", "citations", "run_id", "status"}
    with Journal.open(Settings(home=Path(env["AGENTKIT_HOME"]))) as journal:
        record = journal.get_run(payload["run_id"])
        assert record.kind == "agent" and record.status == payload["status"]
    assert payload["status"] == "succeeded" and "7006652" in (payload["answer"] or "")


def test_concurrent_memory_writes_over_http_all_land(
    kit: Any, env: dict[str, str], tmp_path: Path
) -> None:
    """Concurrent `remember` calls (a write tool, approved by --yes) from separate
    clients: every fact is stored once, findable, and journaled; the journal checks ok."""
    facts = [f"The locker code for room {n} is {n}{n}{n}{n}." for n in range(1, 5)]
    replies: dict[str, str] = {}

    async def remember(url: str, fact: str) -> None:
        async with Client(url, mode="legacy") as client:
            result = await client.call_tool("remember", {"text": fact})
            assert not result.is_error, text_of(result)
            replies[fact] = text_of(result)

    async def search(url: str) -> str:
        async with Client(url, mode="legacy") as client:
            found = await client.call_tool("memory_search", {"query": "locker code", "k": 10})
            return text_of(found)

    with kit.serving_http(env, tmp_path / "ws", "--yes", memory=True) as url:

        async def main() -> str:
            async with anyio.create_task_group() as group:
                for fact in facts:
                    group.start_soon(remember, url, fact)
            return await search(url)

        found = anyio.run(main)
    assert len({reply.split()[-1] for reply in replies.values()}) == len(facts)
    for fact in facts:
        assert fact in found
    with Journal.open(Settings(home=Path(env["AGENTKIT_HOME"]))) as journal:
        runs = [r for r in journal.list_runs(limit=100) if r.kind == "mcp"]
        assert len(runs) == len(facts) + 1 and all(r.status == "succeeded" for r in runs)
        assert journal.check() == "ok"


def test_two_calls_on_one_stdio_session_run_concurrently(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Two calls on one stdio session at once: both answered (worker threads)."""

    async def session(client: Client) -> list[str]:
        out: list[str] = []

        async def one(expression: str) -> None:
            out.append(text_of(await client.call_tool("calculator", {"expression": expression})))

        async with anyio.create_task_group() as group:
            group.start_soon(one, "1 + 1")
            group.start_soon(one, "2 + 2")
        return sorted(out)

    env = {**env, "AGENTKIT_NO_MEMORY": "true"}
    assert drive(on_stdio(env, "-w", str(tmp_path)), session) == ["2", "4"]
