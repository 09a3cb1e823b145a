"""Resume reconciles the call that was interrupted, before the model decides anything:
a read is simply read again (never blocked as a repeat), and a call whose effect cannot
be told needs explicit approval before an identical call runs, even with --yes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentkit.agent import Agent
from agentkit.config import Settings
from agentkit.events import ObservationMade, ToolCalled
from agentkit.journal import Journal
from agentkit.registry import load_toolset
from agentkit.testing import ScriptedModel


def _call(tool: str, **arguments: Any) -> dict[str, Any]:
    return {"action": "call", "calls": [{"tool": tool, "arguments": arguments}]}


def _model(tool: str, title: str, arguments: dict[str, Any]) -> ScriptedModel:
    steps = [{"id": 1, "title": title, "tool": tool, "depends_on": []}]
    return ScriptedModel(
        rules=[
            ("write the final answer", {"answer": "done", "citations": []}),
            ("Make a short plan", {"steps": steps}),
            ("Step 1:", _call(tool, **arguments)),
            ("on resume", {"action": "done", "result": "reconciled"}),
            ("interrupted before it finished", _call(tool, **arguments)),
            ("refused", {"action": "done", "result": "not approved"}),
            ("(ok)>>>", {"action": "done", "result": "done"}),  # plain: fenced results
            ("(failed)>>>", {"action": "done", "result": "failed"}),
        ]
    )


def _killed_after_call(agent: Agent, goal: str) -> str:
    """Run until the first tool call is journaled, then stop as a killed process would:
    the generator is dropped and nothing more is written."""
    stream = agent.iter(goal)
    for event in stream:
        if isinstance(event, ToolCalled):
            return event.run_id
    raise AssertionError("the run never called a tool")


def _agent(tmp_path: Path, model: ScriptedModel, journal: Journal, **extra: Any) -> Agent:
    settings = Settings(
        workspace=tmp_path / "ws", yes=True, no_memory=True, max_tools=64, policy="plain", **extra
    )
    return Agent(model, load_toolset(settings), settings=settings, journal=journal)


def test_an_interrupted_read_is_read_again_not_blocked_as_a_repeat(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "a.txt").write_text("the content\n")
    model = _model("read_file", "Read a.txt", {"path": "a.txt"})
    with Journal(tmp_path / "j.db") as journal:
        run_id = _killed_after_call(_agent(tmp_path, model, journal), "read a.txt")
        events = list(_agent(tmp_path, model, journal).resume(run_id))
    observations = [e for e in events if isinstance(e, ObservationMade)]
    assert observations[0].ok and "the content" in observations[0].text
    assert all(o.error != "repeated" for o in observations)


def test_an_unreconcilable_call_needs_explicit_approval_even_with_yes(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    log = tmp_path / "log"
    command = f"echo ran >> {log}"
    model = _model("shell", "Log it", {"command": command})
    with Journal(tmp_path / "j.db") as journal:
        agent = _agent(tmp_path, model, journal)
        stream = agent.iter("log it")
        for event in stream:  # let the call start: its checkpoint is written, then "die"
            if isinstance(event, ToolCalled):
                run_id = event.run_id
                break
        from agentkit.checkpoints import checkpointer
        from agentkit.tool import ToolContext

        ctx = ToolContext.create(
            agent.settings, run_id=run_id, checkpoints=checkpointer(journal, run_id, 1, 1)
        )
        shell = agent.tools.get("shell")
        pending = ctx.checkpoints.prepare(shell, shell.validate({"command": command}), ctx)  # type: ignore[union-attr]
        ctx.checkpoints.begin(pending)  # type: ignore[union-attr]
        log.write_text("ran\n")  # the command ran; the process died before its result

        events = list(
            Agent(model, agent.tools, settings=agent.settings, journal=journal).resume(run_id)
        )
        observations = [e for e in events if isinstance(e, ObservationMade)]
        assert observations[0].error == "interrupted"
        assert "explicit approval" in observations[0].text
        assert all(o.error in ("interrupted", "repeated") for o in observations)

        # The same call again, later in the run: --yes does not approve it, the user is asked.
        asked: list[str] = []

        def approver(name: str, arguments: dict[str, Any]) -> bool:
            asked.append(name)
            return False

        again = ToolContext.create(
            agent.settings,
            run_id=run_id,
            approve=approver,
            checkpoints=checkpointer(journal, run_id, 9, None),
        )
        obs = agent.tools.call("shell", {"command": command}, again)
    assert asked == ["shell"] and obs.error == "refused" and "explicit approval" in obs.text
    assert log.read_text() == "ran\n"
