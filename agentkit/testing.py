"""Test doubles shipped with the library, for deterministic tests of code built on agentkit.

`ScriptedModel` replays replies in order and checks each one against the schema of
the call that consumes it, exactly as the llama.cpp grammar would have forced.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import BaseModel

from agentkit.errors import EmptyOutputError, SchemaError
from agentkit.llm.base import Completion, JsonSchema, Message, Usage

__all__ = ["Reply", "ScriptedModel", "ScriptExhausted"]

# A scripted reply: text, a JSON-able value, a pydantic model, or a function of the call.
Reply = str | dict[str, Any] | list[Any] | BaseModel | Callable[[Sequence[Message], JsonSchema | None], Any]


class ScriptExhausted(AssertionError):
    """The code under test made more model calls than the script has replies."""


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


class ScriptedModel:
    """A `Model` that replays scripted replies; records every call in `.calls`.

    Usage mimics a KV cache: the prompt tokens shared with the previous call's
    prompt count as cached, so prefix-stability can be tested without llama.cpp.
    """

    def __init__(self, replies: Iterable[Reply], *, name: str = "scripted") -> None:
        self.name = name
        self._replies = list(replies)
        self.calls: list[tuple[list[Message], JsonSchema | None]] = []
        self._previous_prompt = ""

    @property
    def remaining(self) -> int:
        return len(self._replies)

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: JsonSchema | None = None,
        max_tokens: int = 256,
    ) -> Completion:
        self.calls.append((list(messages), schema))
        if not self._replies:
            raise ScriptExhausted(f"ScriptedModel ran out of replies at call {len(self.calls)}")
        reply = self._replies.pop(0)
        if callable(reply) and not isinstance(reply, BaseModel):
            reply = reply(messages, schema)
        text = self._text(reply)
        if not text.strip():
            raise EmptyOutputError(f"{self.name} produced no output")
        if schema is not None:
            self._check(text, schema)
        prompt = "".join(m.content for m in messages)
        shared = 0
        for a, b in zip(prompt, self._previous_prompt, strict=False):
            if a != b:
                break
            shared += 1
        self._previous_prompt = prompt
        usage = Usage(
            prompt_tokens=_estimate_tokens(prompt),
            cached_prompt_tokens=min(shared // 4, _estimate_tokens(prompt) - 1),
            completion_tokens=_estimate_tokens(text),
            seconds=0.0,
            calls=1,
        )
        return Completion(text=text, usage=usage)

    @staticmethod
    def _text(reply: Any) -> str:
        if isinstance(reply, str):
            return reply
        if isinstance(reply, BaseModel):
            return reply.model_dump_json()
        return json.dumps(reply)

    @staticmethod
    def _check(text: str, schema: JsonSchema) -> None:
        import jsonschema

        try:
            jsonschema.validate(json.loads(text), schema)
        except (json.JSONDecodeError, jsonschema.ValidationError) as exc:
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else exc.message
            raise SchemaError(f"scripted reply violates the call's schema: {detail}") from exc
