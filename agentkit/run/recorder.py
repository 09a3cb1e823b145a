"""One recorder turns model calls and tool calls into events, for the agent and workflows.

It numbers each event, journals it, and hands it to every sink (the run state, the
transcript) before the caller yields it, so what was recorded is what was folded.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from agentkit.errors import InvalidOutputError
from agentkit.events import Event, ModelCalled, ObservationMade, ToolCalled
from agentkit.llm.base import Completion, JsonSchema, Message, Model
from agentkit.llm.structured import generate

if TYPE_CHECKING:
    from agentkit.journal import Journal

__all__ = ["ModelRequest", "Purpose", "Recorder", "observation"]

log = logging.getLogger(__name__)

Purpose = Literal["plan", "decide", "answer", "prompt"]


@dataclass(frozen=True)
class ModelRequest:
    """One structured model call: what for, the messages, the schema and its limits.
    `repeat_penalty` 1.0 for outputs that copy text from the prompt; None keeps the
    model's own (against loops in free text). `only_reply`, when a policy sets it, is the
    one reply the schema leaves the model (every other it allows means the same): the
    model is then not called at all."""

    purpose: Purpose
    messages: Sequence[Message]
    schema: JsonSchema
    max_tokens: int = 400
    repeat_penalty: float | None = None
    only_reply: Any = None


def observation(
    call: ToolCalled, *, ok: bool, error: str | None, text: str, seconds: float = 0.0
) -> ObservationMade:
    return ObservationMade(
        run_id=call.run_id,
        index=call.index,
        step_id=call.step_id,
        tool=call.tool,
        arguments=call.arguments,
        ok=ok,
        error=error,
        text=text,
        seconds=seconds,
    )


class Recorder:
    def __init__(
        self,
        run_id: str,
        journal: Journal | None = None,
        sinks: Sequence[Callable[[Event], None]] = (),
        *,
        seq: int = 0,
    ) -> None:
        self.run_id = run_id
        self.journal = journal
        self.sinks = list(sinks)
        self.seq = seq

    def emit(self, event: Event) -> Event:
        event.seq = self.seq
        self.seq += 1
        for sink in self.sinks:
            sink(event)
        if self.journal is not None:
            self.journal.record(event)
        return event

    def completed(
        self, purpose: Purpose, messages: Sequence[Message], completion: Completion
    ) -> ModelCalled:
        prompt = "\n".join(f"[{m.role}]\n{m.content}" for m in messages)
        event = ModelCalled(
            run_id=self.run_id,
            purpose=purpose,
            prompt_hash=hashlib.sha256(prompt.encode()).hexdigest(),
            prompt=prompt,
            output=completion.text,
            usage=completion.usage,
        )
        self.emit(event)
        return event

    def model_call(self, model: Model, request: ModelRequest) -> Generator[Event, None, Any]:
        """The validated value of `request`. Output that fails validation is the model's
        fault and is asked for once more, with the repeat penalty (a small model without
        it can loop inside a string until the token budget cuts it off); a schema that
        cannot be compiled is a bug and propagates."""
        if request.only_reply is not None:
            return request.only_reply
        penalties = [request.repeat_penalty]
        if request.repeat_penalty == 1.0:
            penalties.append(None)
        for attempt, penalty in enumerate(penalties, 1):
            try:
                value, completion = generate(
                    model,
                    request.messages,
                    request.schema,
                    max_tokens=request.max_tokens,
                    repeat_penalty=penalty,
                )
            except InvalidOutputError as exc:
                if attempt == len(penalties):
                    raise
                log.info("%s output invalid (%s); asking once more", request.purpose, exc)
                continue
            yield self.completed(request.purpose, request.messages, completion)
            return value
        raise AssertionError("unreachable")

    def tool_called(
        self, index: int, step_id: int | None, tool: str, arguments: dict[str, Any]
    ) -> ToolCalled:
        call = ToolCalled(
            run_id=self.run_id, index=index, step_id=step_id, tool=tool, arguments=arguments
        )
        self.emit(call)
        return call

    def observed(
        self, call: ToolCalled, *, ok: bool, error: str | None, text: str, seconds: float = 0.0
    ) -> ObservationMade:
        event = observation(call, ok=ok, error=error, text=text, seconds=seconds)
        self.emit(event)
        return event
