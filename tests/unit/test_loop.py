"""Every branch of the planner loop, through the public `Agent` API with the scripted
model, under the plain policy (the model decides everything, so a script is the run)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from agentkit.config import Settings
from agentkit.errors import SchemaError
from agentkit.events import (
    Answered,
    ModelCalled,
    ObservationMade,
    PlanMade,
    Replanned,
    RunFinished,
    StepFinished,
    ToolCalled,
)
from agentkit.journal import Journal
from agentkit.tool import tool
from tests.unit.agent_helpers import (
    CALLS,
    answer,
    call,
    done,
    make_agent,
    of_type,
    plan,
)


def test_a_call_then_done_then_a_cited_answer(tmp_path: Path) -> None:
    agent, model = make_agent(
        tmp_path,
        [
            plan(("Multiply", "multiply")),
            call("multiply", a=1234, b=5678),
            done("7006652"),
            answer("It is 7006652.", "obs-1"),
        ],
        policy="plain",
    )
    events = list(agent.iter("What is 1234 * 5678?"))
    assert [o.text for o in of_type(events, ObservationMade)] == ["7006652"]
    assert of_type(events, StepFinished)[0].auto is False
    final = of_type(events, RunFinished)[-1]
    assert final.status == "succeeded" and final.answer == "It is 7006652."
    assert of_type(events, Answered)[0].uncited is False
    assert model.remaining == 0
    result = agent.run  # the facade keeps its API
    assert callable(result)


def test_a_decline_answers_without_any_tool_call(tmp_path: Path) -> None:
    agent, _ = make_agent(
        tmp_path,
        [
            plan(("Think it through", None)),
            {"action": "final", "answer": "No tool fits; here is advice."},
            answer("Sleep at regular hours."),
        ],
        policy="plain",
    )
    events = list(agent.iter("How do I sleep better?"))
    assert not of_type(events, ToolCalled)
    assert of_type(events, RunFinished)[-1].answer == "Sleep at regular hours."


def test_an_uncited_answer_after_results_is_flagged(tmp_path: Path) -> None:
    agent, _ = make_agent(
        tmp_path,
        [plan(("Look", "lookup")), call("lookup", key="k"), done("ok"), answer("guess")],
        policy="plain",
    )
    events = list(agent.iter("look k up"))
    assert of_type(events, Answered)[0].uncited is True


def test_a_tool_error_goes_back_to_the_model_and_two_failures_replan(tmp_path: Path) -> None:
    agent, _ = make_agent(
        tmp_path,
        [
            plan(("Look", "lookup")),
            call("lookup", key="bad1"),
            call("lookup", key="bad2"),
            plan(("Work it out", None)),
            done("no entry"),
            answer("There is no entry."),
        ],
        policy="plain",
    )
    events = list(agent.iter("look bad up"))
    obs = of_type(events, ObservationMade)
    assert [o.ok for o in obs] == [False, False] and CALLS == ["bad1", "bad2"]
    assert of_type(events, Replanned)[0].cause == "failures"
    decide = [e for e in of_type(events, ModelCalled) if e.purpose == "decide"]
    assert "no entry for bad1" in decide[1].prompt  # the error was shown to the model


def test_the_model_can_ask_for_a_replan(tmp_path: Path) -> None:
    agent, _ = make_agent(
        tmp_path,
        [
            plan(("Look", "lookup")),
            {"action": "replan", "reason": "wrong approach"},
            plan(("Multiply", "multiply")),
            call("multiply", a=2, b=3),
            done("6"),
            answer("6", "obs-1"),
        ],
        policy="plain",
    )
    events = list(agent.iter("2*3"))
    assert [r.cause for r in of_type(events, Replanned)] == ["model"]
    assert len(of_type(events, PlanMade)) == 2
    assert of_type(events, RunFinished)[-1].status == "succeeded"


def test_identical_calls_are_not_rerun_and_a_loop_forces_a_replan(tmp_path: Path) -> None:
    same = call("lookup", key="k")
    agent, _ = make_agent(
        tmp_path,
        [plan(("Look", "lookup")), same, same, same, plan(("Stop", None)), done("x"), answer("x")],
        policy="plain",
    )
    events = list(agent.iter("look k"))
    obs = of_type(events, ObservationMade)
    assert [o.error for o in obs] == [None, "repeated", "repeated"] and CALLS == ["k"]
    assert of_type(events, Replanned)[0].cause == "loop"


def test_a_step_budget_ends_the_run_with_a_forced_answer(tmp_path: Path) -> None:
    agent, _ = make_agent(
        tmp_path,
        [plan(("Look", "lookup")), call("lookup", key="a"), answer("partial", "obs-1")],
        policy="plain",
        max_steps=1,
    )
    events = list(agent.iter("look"))
    final = of_type(events, RunFinished)[-1]
    assert final.status == "budget_exhausted" and "step budget" in (final.reason or "")
    assert of_type(events, Answered)[0].forced is True


def test_too_many_replans_give_up(tmp_path: Path) -> None:
    replan = {"action": "replan", "reason": "again"}
    step = plan(("Look", "lookup"))
    agent, _ = make_agent(
        tmp_path, [step, replan, step, replan, step, replan, answer("gave up")], policy="plain"
    )
    final = of_type(list(agent.iter("x")), RunFinished)[-1]
    assert final.status == "failed" and "re-plans" in (final.reason or "")


def test_a_final_decision_skips_the_remaining_steps(tmp_path: Path) -> None:
    agent, _ = make_agent(
        tmp_path,
        [
            plan(("One", None), ("Two", None)),
            {"action": "final", "answer": "enough"},
            answer("enough"),
        ],
        policy="plain",
    )
    events = list(agent.iter("x"))
    assert len(of_type(events, StepFinished)) == 1


def test_invalid_model_output_is_asked_for_once_more(tmp_path: Path) -> None:
    agent, model = make_agent(
        tmp_path,
        [
            plan(("Multiply", "multiply")),
            "{not json",
            call("multiply", a=2, b=2),
            done("4"),
            answer("4", "obs-1"),
        ],
        policy="plain",
    )
    events = list(agent.iter("2*2"))
    assert of_type(events, RunFinished)[-1].status == "succeeded" and model.remaining == 0


def test_invalid_output_twice_fails_the_run_as_the_models_fault(tmp_path: Path) -> None:
    agent, _ = make_agent(
        tmp_path, [plan(("Multiply", "multiply")), "{bad", "{bad", answer("?")], policy="plain"
    )
    final = of_type(list(agent.iter("2*2")), RunFinished)[-1]
    assert final.status == "failed" and "violates the call" in (final.reason or "")


def test_a_schema_that_cannot_be_compiled_is_a_bug_not_a_model_failure(tmp_path: Path) -> None:
    @tool
    def unbounded(text: str) -> str:
        """Echo.

        Args:
            text: anything.
        """
        return text

    unbounded.definition.parameters["properties"]["text"].pop("maxLength", None)
    agent, model = make_agent(
        tmp_path, [plan(("Echo", "unbounded"))], tools=[unbounded], policy="plain"
    )
    with pytest.raises(SchemaError, match="maxLength"):
        list(agent.iter("echo"))
    assert len(model.calls) == 1  # never retried


def test_the_transcript_prefix_is_stable_across_steps(tmp_path: Path) -> None:
    agent, model = make_agent(
        tmp_path,
        [
            plan(("Look a", "lookup"), ("Look b", "lookup")),
            call("lookup", key="a"),
            done("a"),
            call("lookup", key="b"),
            done("b"),
            answer("a and b", "obs-1", "obs-2"),
        ],
        policy="plain",
    )
    list(agent.iter("look a and b"))
    prompts = [messages for messages, _ in model.calls]
    for earlier, later in itertools.pairwise(prompts[1:-1]):
        assert later[: len(earlier) - 1] == earlier[:-1]


def test_resume_reads_an_interrupted_read_again_before_the_model_decides(tmp_path: Path) -> None:
    settings = Settings(
        workspace=tmp_path, yes=True, no_memory=True, home=tmp_path / "h", policy="plain"
    )
    journal = Journal.open(settings)
    agent, _ = make_agent(
        tmp_path, [plan(("Look", "lookup")), call("lookup", key="a")], policy="plain"
    )
    agent.journal = journal
    stream = agent.iter("look a", run_id="r1")
    for event in stream:
        if isinstance(event, ToolCalled):
            break  # killed mid-call: the observation was never recorded
    journal.close()
    journal = Journal.open(settings)
    again, _ = make_agent(tmp_path, [done("unsure"), answer("unsure")], policy="plain")
    again.journal = journal
    events = list(again.resume("r1"))
    obs = of_type(events, ObservationMade)
    # a read has no side effects: reconciliation runs it again instead of guessing
    assert obs[0].ok and "no side effects" in obs[0].text and CALLS == ["a"]
    assert of_type(events, RunFinished)[-1].status == "succeeded"
