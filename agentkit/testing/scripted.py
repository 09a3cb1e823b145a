"""`ScriptedModel`: a model that replays scripted replies, for deterministic tests.

`ScriptedModel` replays replies in order and checks each one against the schema of
the call that consumes it, exactly as the llama.cpp grammar would have forced.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agentkit.errors import EmptyOutputError, InvalidOutputError, ModelNotFoundError
from agentkit.llm.base import Completion, JsonSchema, Message, Usage

__all__ = ["Reply", "ScriptExhausted", "ScriptedModel", "load_script"]

# A scripted reply: text, a JSON-able value, a pydantic model, or a function of the call.
Reply = (
    str
    | dict[str, Any]
    | list[Any]
    | BaseModel
    | Callable[[Sequence[Message], JsonSchema | None], Any]
)


class ScriptExhausted(AssertionError):
    """The code under test made more model calls than the script has replies."""


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


class ScriptedModel:
    """A `Model` that replays scripted replies; records every call in `.calls`.

    Usage mimics a KV cache: the prompt tokens shared with the previous call's
    prompt count as cached, so prefix-stability can be tested without llama.cpp.
    """

    def __init__(
        self,
        replies: Iterable[Reply] = (),
        *,
        rules: Sequence[tuple[str, Reply]] = (),
        name: str = "scripted",
    ) -> None:
        """Replies are consumed in order; `rules` instead pick the first reply whose
        pattern occurs in the last message, so a script survives a resumed run."""
        self.name = name
        self._replies = list(replies)
        self._rules = list(rules)
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
        repeat_penalty: float | None = None,
    ) -> Completion:
        self.calls.append((list(messages), schema))
        reply = self._next_reply(messages)
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

    def _next_reply(self, messages: Sequence[Message]) -> Reply:
        if self._rules:
            last = messages[-1].content if messages else ""
            for pattern, reply in self._rules:
                if pattern in last:
                    return reply
            raise ScriptExhausted(f"no scripted rule matches the last message: {last[-200:]!r}")
        if not self._replies:
            raise ScriptExhausted(f"ScriptedModel ran out of replies at call {len(self.calls)}")
        return self._replies.pop(0)

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
            raise InvalidOutputError(
                f"scripted reply violates the call's schema: {detail}"
            ) from exc


def load_script(path: Path) -> ScriptedModel:
    """A ScriptedModel from JSON: a list of replies, or {"rules": [[pattern, reply], ...]}.

    This is what `--model scripted:FILE` uses, for deterministic CLI tests.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelNotFoundError(f"cannot read scripted model {path}: {exc}") from exc
    if isinstance(data, list):
        return ScriptedModel(data, name=f"scripted:{path.name}")
    if isinstance(data, dict) and isinstance(data.get("rules"), list):
        rules = [(str(pattern), reply) for pattern, reply in data["rules"]]
        return ScriptedModel(rules=rules, name=f"scripted:{path.name}")
    raise ModelNotFoundError(f"{path}: a scripted model is a JSON list or {{'rules': [...]}}")
