"""One test per aid of the small policy (agentkit/policy/aids), each on the aid's own
function or through the public Agent with that aid on and off."""

from __future__ import annotations

import json
from pathlib import Path

from agentkit.agent import Agent
from agentkit.config import Settings
from agentkit.events import ObservationMade, PlanStep, RunFinished
from agentkit.memory.embedders import make_embedder
from agentkit.policy.aids import (
    auto_finish,
    composed_answer,
    demo_tools,
    number_blind,
    routing,
)
from agentkit.policy.aids.demonstrations import (
    Demonstration,
    DemoStep,
    Scored,
    append_demonstration,
    load_library,
)
from agentkit.registry import load_toolset
from agentkit.resources import prompts_dir
from agentkit.testing import ScriptedModel
from agentkit.tool import tool
from tests.unit.agent_helpers import answer, call, done, lookup, make_agent, multiply, of_type, plan


def _builtin(tmp_path: Path, **settings: object) -> Agent:
    config = Settings(workspace=tmp_path, yes=True, no_memory=True, policy="small", **settings)  # type: ignore[arg-type]
    return Agent(ScriptedModel([]), load_toolset(config), settings=config)


def test_routing_narrows_to_the_tools_that_fit_and_may_offer_none(tmp_path: Path) -> None:
    tools = load_toolset(Settings(workspace=tmp_path, yes=True)).definitions()
    chosen = routing.narrow("What is 17 * 23?", tools, make_embedder("minilm"), 4)
    assert chosen[0].name == "calculator" and len(chosen) <= 4


def test_demonstrations_put_the_closest_worked_plans_in_the_prefix(tmp_path: Path) -> None:
    offer = _builtin(tmp_path).offer("Plan a weekend trip to the lakes.")
    text = " ".join(m.content for m in offer.preamble)
    assert "Plan a weekend in the mountains." in text  # the closest demonstration
    assert '"action": "done"' in text  # shown whole: its written step results
    assert not _builtin(tmp_path, disable_aids=["demonstrations"]).offer("Plan a trip.").preamble


def test_demo_tools_offers_what_the_neighbours_use_and_keeps_uncovered_tools(
    tmp_path: Path,
) -> None:
    assert _builtin(tmp_path).offer("Plan a weekend trip to the lakes.").tools == []
    calc = [t.name for t in _builtin(tmp_path).offer("How much is 41 times 12?").tools]
    assert calc == ["calculator"]
    loose = _builtin(tmp_path, disable_aids=["demo_tools"]).offer("Plan a weekend trip.").tools
    assert loose  # without the aid, routing alone offers something
    demos = [Demonstration(goal="g", steps=[DemoStep(title="t", tool=None)])]
    kept = demo_tools.tools_of([Scored(0.5, demos[0])], [multiply.definition], library=demos)
    assert [t.name for t in kept] == ["multiply"]  # no demonstration speaks for it


@tool
def get_current_time(timezone: str) -> str:
    """Get current time in a specific timezones

    Args:
        timezone: IANA timezone name, such as Europe/London.
    """
    return f"12:00 in {timezone}"


def test_demo_tools_yield_to_an_uncovered_tool_that_fits_the_goal_better(
    tmp_path: Path,
) -> None:
    """A plugin's or MCP server's tool that no demonstration uses, fitting the goal better
    than the demonstrations' tools, is what is offered, and no demonstration is shown."""
    config = Settings(workspace=tmp_path, yes=True, no_memory=True, policy="small")
    toolset = load_toolset(config)
    toolset.add(get_current_time)
    agent = Agent(ScriptedModel([]), toolset, settings=config)
    timely = agent.offer("What time is it in Tokyo right now?")
    assert [t.name for t in timely.tools] == ["get_current_time"] and timely.preamble == []
    sums = agent.offer("How much is 41 times 12?")  # the demonstrations' kind of goal
    assert [t.name for t in sums.tools] == ["calculator", "get_current_time"]
    assert sums.preamble
    library = load_library([prompts_dir()], None)
    closest = [Scored(0.9, next(d for d in library if "weekday" in d.tools))]
    usable = toolset.definitions()
    embedder = make_embedder("minilm")
    better = demo_tools.better_uncovered("What time is it now?", closest, usable, library, embedder)
    assert [t.name for t in better] == ["get_current_time"]
    builtins = [t for t in usable if t.name != "get_current_time"]  # all covered: never
    assert not demo_tools.better_uncovered("What time is it?", closest, builtins, library, embedder)


def test_demo_tools_offers_a_side_effecting_tool_only_with_the_weighted_majority(
    tmp_path: Path,
) -> None:
    usable = load_toolset(Settings(workspace=tmp_path, yes=True)).definitions()
    steps = [DemoStep(title="r", tool="read_file"), DemoStep(title="w", tool="write_file")]
    writes = Demonstration(goal="w", steps=steps)
    reads = Demonstration(goal="r", steps=[DemoStep(title="r", tool="read_file")])
    library = [writes, reads]
    split = demo_tools.tools_of([Scored(0.55, writes), Scored(0.6, reads)], usable, library)
    assert "write_file" not in [t.name for t in split]  # one close writer is not enough
    assert "read_file" in [t.name for t in split]  # a read tool needs only one
    most = demo_tools.tools_of([Scored(0.6, writes), Scored(0.3, reads)], usable, library)
    assert "write_file" in [t.name for t in most]


def test_number_blind_retrieval_goes_by_what_a_goal_asks_not_its_values(
    tmp_path: Path,
) -> None:
    assert number_blind.without_numbers("45 days after 2023-09-10, 3.5 or 10:30?") == (
        "a number days after a number, a number or a number?"
    )
    goal = "What is 45 * 45?"  # its numbers match "the date 45 days after 2023-09-10"
    blind = [t.name for t in _builtin(tmp_path).offer(goal).tools]
    seeing = _builtin(tmp_path, disable_aids=["number_blind"]).offer(goal).tools
    assert blind[0] == "calculator" and "add_days" not in blind
    assert "add_days" in [t.name for t in seeing]


def test_runs_keep_adds_a_demonstration_the_library_then_loads(tmp_path: Path) -> None:
    demo = Demonstration(goal="Water the plants", steps=[DemoStep(title="Water them", tool=None)])
    append_demonstration(tmp_path, demo)
    library = load_library([prompts_dir()], tmp_path)
    assert library[-1].goal == "Water the plants"


def test_focused_call_asks_for_required_arguments_only(tmp_path: Path) -> None:
    @tool
    def fetch(key: str, verbose: bool = False) -> str:
        """Fetch.

        Args:
            key: the key.
            verbose: more output.
        """
        return f"got {key}"

    agent, model = make_agent(
        tmp_path,
        [plan(("Fetch k", "fetch")), call("fetch", key="k"), answer("[obs-1]", "obs-1")],
        tools=[fetch],
        policy="small",
    )
    assert agent.run("Fetch k").answer == "got k"
    schema = json.dumps(model.calls[1][1])
    assert '"key"' in schema and '"verbose"' not in schema
    agent, model = make_agent(
        tmp_path,
        [plan(("Fetch k", "fetch")), call("fetch", key="k", verbose=True), done("x"), answer("x")],
        tools=[fetch],
        policy="small",
        disable_aids=["focused_call", "auto_finish"],
    )
    agent.run("Fetch k")
    assert '"verbose"' in json.dumps(model.calls[1][1])  # off: the whole schema


def _obs(tool_name: str, ok: bool = True) -> ObservationMade:
    return ObservationMade(
        run_id="r", index=1, step_id=1, tool=tool_name, arguments={}, ok=ok, text="7"
    )


def test_auto_finish_finishes_a_step_with_its_planned_tools_success() -> None:
    step = PlanStep(id=1, title="Multiply", tool="multiply")
    assert auto_finish.finishes(step, _obs("multiply"))
    assert not auto_finish.finishes(step, _obs("lookup"))
    assert not auto_finish.finishes(step, _obs("multiply", ok=False))


def test_written_steps_ask_for_a_result_without_earlier_results_in_view(tmp_path: Path) -> None:
    agent, model = make_agent(
        tmp_path,
        [plan(("First", None), ("Second", None)), done("ALPHA"), done("BETA"), answer("x")],
        tools=[],
        policy="small",
        disable_aids=["demonstrations"],
    )
    list(agent.iter("Write two things."))
    second = model.calls[2]
    assert "ALPHA" not in " ".join(m.content for m in second[0])
    assert json.dumps(second[1]).count('"const": "done"') == 1 and '"call"' not in json.dumps(
        second[1]
    )


def test_quote_answers_quote_results_exactly_and_can_be_turned_off(tmp_path: Path) -> None:
    replies = [
        plan(("Multiply", "multiply")),
        call("multiply", a=250, b=4),
        answer("[obs-1]", "obs-1"),
    ]
    agent, model = make_agent(tmp_path, replies, policy="small")
    assert agent.run("What is 250 * 4?").answer == "1000"
    assert len(model.calls) == 2  # one result to quote: the grammar leaves one answer
    agent, model = make_agent(
        tmp_path,
        [
            plan(("Multiply", "multiply"), ("Multiply again", "multiply")),
            replies[1],
            call("multiply", a=2, b=3),
            answer("[obs-2] and [obs-1]", "obs-1"),
        ],
        policy="small",
    )
    assert agent.run("What is 250 * 4, and 2 * 3?").answer == "6 and 1000"
    assert "pattern" in json.dumps(model.calls[-1][1])  # two results: the model quotes
    agent, model = make_agent(
        tmp_path,
        [*replies[:2], answer("It is 1000.", "obs-1")],
        policy="small",
        disable_aids=["quote_answers"],
    )
    assert agent.run("What is 250 * 4?").answer == "It is 1000."


def test_answer_examples_show_worked_answers_of_the_kind_asked_for(tmp_path: Path) -> None:
    replies = [  # two results to quote, so the answer is asked for (see quote_answers)
        plan(("Multiply", "multiply"), ("Multiply again", "multiply")),
        call("multiply", a=2, b=3),
        call("multiply", a=4, b=5),
        answer("[obs-1] and [obs-2]", "obs-1"),
    ]
    agent, model = make_agent(tmp_path, replies, policy="small")
    agent.run("What are 2 * 3 and 4 * 5?")
    shown = " ".join(m.content for m in model.calls[-1][0])
    assert "How old is the oldest cat?" in shown and "Plan a picnic." not in shown
    agent, model = make_agent(tmp_path, replies, policy="small", disable_aids=["answer_examples"])
    agent.run("What are 2 * 3 and 4 * 5?")
    assert "How old is the oldest cat?" not in " ".join(m.content for m in model.calls[-1][0])


def test_composed_answer_carries_every_written_step() -> None:
    steps = [PlanStep(id=1, title="Day 1"), PlanStep(id=2, title="Day 2")]
    text = composed_answer.compose(steps, {1: "Museum.", 2: "Beach."}, "draft")
    assert text == "- Day 1: Museum.\n- Day 2: Beach."
    assert composed_answer.compose(steps, {}, "draft") == "draft"


def test_a_policy_run_with_every_aid_off_still_works(tmp_path: Path) -> None:
    from agentkit.policy.aids import AID_NAMES

    agent, _ = make_agent(
        tmp_path,
        [
            plan(("Look", "lookup")),
            call("lookup", key="a"),
            done("value of a"),
            answer("value of a", "obs-1"),
        ],
        tools=[lookup, multiply],
        policy="small",
        disable_aids=list(AID_NAMES),
    )
    events = list(agent.iter("look a up"))
    assert of_type(events, RunFinished)[-1].answer == "value of a"
