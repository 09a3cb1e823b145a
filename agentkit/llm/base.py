"""The model boundary: a one-method protocol and the records that cross it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

__all__ = ["Completion", "Message", "Model", "Usage"]

JsonSchema = dict[str, Any]


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str


class Usage(BaseModel):
    """Token and time accounting of one or more model calls."""

    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0  # prompt tokens reused from the KV cache, not re-evaluated
    completion_tokens: int = 0  # sampled + forced
    # The model's own choices vs tokens a grammar fixed and the decoder appended without
    # sampling (JSON keys, braces): tok/s over sampled tokens is the honest decode speed.
    sampled_tokens: int = 0
    forced_tokens: int = 0
    # Sampled tokens the grammar rejected and that were drawn again under its full mask.
    resampled_tokens: int = 0
    seconds: float = 0.0
    calls: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            cached_prompt_tokens=self.cached_prompt_tokens + other.cached_prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            sampled_tokens=self.sampled_tokens + other.sampled_tokens,
            forced_tokens=self.forced_tokens + other.forced_tokens,
            resampled_tokens=self.resampled_tokens + other.resampled_tokens,
            seconds=self.seconds + other.seconds,
            calls=self.calls + other.calls,
        )

    @property
    def evaluated_prompt_tokens(self) -> int:
        return self.prompt_tokens - self.cached_prompt_tokens

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def tokens_per_second(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds > 0 else 0.0

    @property
    def sampled_tokens_per_second(self) -> float:
        return self.sampled_tokens / self.seconds if self.seconds > 0 else 0.0

    @property
    def forced_share(self) -> float:
        return self.forced_tokens / self.completion_tokens if self.completion_tokens else 0.0


class Completion(BaseModel):
    text: str
    usage: Usage


@runtime_checkable
class Model(Protocol):
    """Anything that turns chat messages into text, optionally constrained by a JSON schema.

    `schema`, when given, must be honoured exactly: the returned text is JSON valid
    against it, or the call raises `agentkit.errors.SchemaError`. `repeat_penalty`
    overrides the model's default for this call (1.0 = none), for outputs that must
    copy text from the prompt; models without such a knob ignore it.
    """

    name: str

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: JsonSchema | None = None,
        max_tokens: int = 256,
        repeat_penalty: float | None = None,
    ) -> Completion: ...
