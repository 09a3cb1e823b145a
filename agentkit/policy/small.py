"""The small policy: the plain policy's requests, reshaped by aids for a small model.

Each aid lives in its own module in agentkit.policy.aids, with its constants, and each
can be turned off by name (`disable_aids`). None of them may force a tool: the plan may
always use none, and a step's call request may always decline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from agentkit.errors import AgentkitError
from agentkit.plan import plan_schema
from agentkit.policy.aids import (
    answer_examples,
    auto_finish,
    composed_answer,
    demo_tools,
    demonstrations,
    focused_call,
    number_blind,
    quote_answers,
    routing,
    written_steps,
)
from agentkit.policy.aids.demonstrations import Demonstration, Library, Scored
from agentkit.policy.base import Offer, RunView
from agentkit.policy.plain import PlainPolicy, answer_prompt
from agentkit.policy.schemas import answer_schema
from agentkit.run.recorder import ModelRequest
from agentkit.run.transcript import MAX_PLAN_STEPS, append

if TYPE_CHECKING:
    from agentkit.config import Settings
    from agentkit.events import ObservationMade, PlanStep
    from agentkit.prompts import PromptRenderer
    from agentkit.tool import ToolDefinition

__all__ = ["ANSWER_LIMIT", "SmallPolicy"]

log = logging.getLogger(__name__)

ANSWER_LIMIT = 600  # the model's own part of an answer; composed step results come on top


class SmallPolicy:
    name = "small"

    def __init__(
        self,
        settings: Settings,
        renderer: PromptRenderer,
        embedder: Callable[[], routing.TextEmbedder],
        disabled: Sequence[str] = (),
    ) -> None:
        self.settings = settings
        self.renderer = renderer
        self.embedder = embedder
        self.disabled = frozenset(disabled)
        self._plain = PlainPolicy()

    def on(self, aid: str) -> bool:
        return aid not in self.disabled

    # -- the offer -----------------------------------------------------------------------

    def _embedder_for_demonstrations(self) -> routing.TextEmbedder:
        inner = self.embedder()
        return number_blind.NumberBlindEmbedder(inner) if self.on("number_blind") else inner

    def _demonstrations(
        self, goal: str, usable: Sequence[str]
    ) -> tuple[list[Demonstration], list[Scored]]:
        """The library and the demonstrations nearest `goal`."""
        if not (self.on("demonstrations") or self.on("demo_tools")):
            return [], []
        library = demonstrations.load_library(self.renderer.dirs, self.settings.data_home)
        try:
            embedder = self._embedder_for_demonstrations()
            found = Library(library, embedder, self.settings.data_home).nearest(goal, usable)
            return library, found
        except (AgentkitError, OSError, ImportError) as exc:
            log.warning("demonstrations unavailable: %s", exc)
            return library, []

    def offer(self, goal: str, usable: Sequence[ToolDefinition]) -> Offer:
        tools = list(usable)
        library, demos = self._demonstrations(goal, [t.name for t in usable])
        if self.on("demo_tools") and demos:
            better = self._better_uncovered(goal, demos, usable, library)
            if better:  # a goal of a kind the library does not cover: show no demonstration
                tools, demos = better, []
            else:
                tools = demo_tools.tools_of(demos, usable, library)
        if self.on("routing") and len(tools) > self.settings.max_tools:
            try:
                tools = routing.narrow(goal, tools, self.embedder(), self.settings.max_tools)
            except (AgentkitError, OSError, ImportError) as exc:
                log.warning("tool ranking unavailable, offering the first tools: %s", exc)
                tools = tools[: self.settings.max_tools]
        preamble = []
        if self.on("demonstrations") and demos:
            names = [t.name for t in tools]
            shown = [s.demo for s in demos if set(s.demo.tools) <= set(names)]
            preamble = demonstrations.plan_messages(shown, self.renderer, names)
        return Offer(tools, preamble)

    def _better_uncovered(
        self,
        goal: str,
        demos: Sequence[Scored],
        usable: Sequence[ToolDefinition],
        library: Sequence[Demonstration],
    ) -> list[ToolDefinition]:
        try:
            return demo_tools.better_uncovered(goal, demos, usable, library, self.embedder())
        except (AgentkitError, OSError, ImportError) as exc:
            log.warning("tool ranking unavailable, going by the demonstrations: %s", exc)
            return []

    # -- requests --------------------------------------------------------------------------

    def plan_request(self, run: RunView) -> ModelRequest:
        names = [t.name for t in run.tools]
        least = written_steps.MIN_STEPS if self.on("written_steps") and not names else 1
        schema = plan_schema(names, MAX_PLAN_STEPS, min_steps=least)
        return ModelRequest("plan", run.transcript.plan_request(), schema)

    def decision_request(self, run: RunView, step: PlanStep) -> ModelRequest:
        if self.on("focused_call") and focused_call.applies(run, step):
            return focused_call.request(run, step)
        if self.on("written_steps") and written_steps.applies(run, step):
            return written_steps.request(run, step)
        return self._plain.decision_request(run, step)

    def observe(self, run: RunView, step: PlanStep, observation: ObservationMade) -> bool:
        return self.on("auto_finish") and auto_finish.finishes(step, observation)

    def _quotes(self, run: RunView) -> list[str]:
        return quote_answers.quotable(run.state) if self.on("quote_answers") else []

    def answer_request(self, run: RunView, forced: str | None) -> ModelRequest:
        quotes = self._quotes(run)
        prompt = answer_prompt(run, forced, quoting=bool(quotes))
        if self.on("answer_examples"):
            messages = answer_examples.messages(run, prompt, quoting=bool(quotes))
        else:
            messages = append(run.transcript.messages, "user", prompt)
        schema = answer_schema(
            run.state.citable(),
            limit=ANSWER_LIMIT,
            quotes=quotes,
            max_quotes=quote_answers.MAX_QUOTES,
        )
        only = quote_answers.only_answer(quotes) if quotes else None
        return ModelRequest("answer", messages, schema, only_reply=only)

    def finish_answer(self, run: RunView, reply: Any) -> tuple[str, list[str]]:
        draft = str(reply["answer"]).strip()
        text, quoted = draft, list[str]()
        if self._quotes(run):
            text, quoted = quote_answers.quoted(run.state, draft)
        elif self.on("quote_answers"):
            text, quoted = quote_answers.expand(run.state, draft)
        if self.on("composed_answer") and run.state.written:
            text = composed_answer.compose(run.state.plan, run.state.written, text)
        return text, list(dict.fromkeys([*reply.get("citations", []), *quoted]))
