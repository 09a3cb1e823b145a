"""The OpenAI chat-completions wire format, as `openai_compat` speaks it: how a schema
travels in a request (one way per kind of server), and how a reply's text and token
usage are read from whichever fields a server fills."""

from __future__ import annotations

import json
from typing import Any, Literal

from agentkit.errors import ModelError
from agentkit.llm.base import JsonSchema, Usage

__all__ = [
    "PROBE_SCHEMA",
    "SCHEMA_MODES",
    "ModelServerError",
    "SchemaMode",
    "constraint",
    "probe_passed",
    "reply_text",
    "reply_usage",
]

SchemaMode = Literal["grammar", "json_schema", "response_format", "json_object"]
SCHEMA_MODES: tuple[SchemaMode, ...] = ("grammar", "json_schema", "response_format", "json_object")

# The probe's one valid value: no model writes this unconstrained in reply to "Say hello".
PROBE_WORD = "zq-7-probe"
PROBE_SCHEMA: JsonSchema = {
    "type": "object",
    "properties": {"word": {"enum": [PROBE_WORD]}},
    "required": ["word"],
    "additionalProperties": False,
}


class ModelServerError(ModelError):
    """The model server failed, refused, or cannot constrain output; the message names it."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, when the server answered at all


def constraint(mode: SchemaMode, schema: JsonSchema) -> dict[str, Any]:
    if mode == "grammar":
        from agentkit.llm.grammar import schema_to_gbnf

        return {"grammar": schema_to_gbnf(schema)}
    if mode == "json_schema":
        return {"json_schema": schema}
    if mode == "response_format":
        spec = {"name": "agentkit_output", "schema": schema, "strict": True}
        return {"response_format": {"type": "json_schema", "json_schema": spec}}
    return {"response_format": {"type": "json_object", "schema": schema}}


def probe_passed(reply: dict[str, Any]) -> bool:
    try:
        text = reply_text(reply, "")
        return bool(json.loads(text, strict=False) == {"word": PROBE_WORD})
    except (ModelServerError, ValueError):
        return False


def reply_text(reply: dict[str, Any], url: str) -> str:
    try:
        content = reply["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise ModelServerError(
            f"the model server at {url} sent a reply without choices[0].message.content"
        ) from None
    return content if isinstance(content, str) else ""


def reply_usage(reply: dict[str, Any], seconds: float) -> Usage:
    """Prompt, completion and cached tokens, from whichever fields the server reports."""
    usage = reply.get("usage") or {}
    timings = reply.get("timings") or {}
    details = usage.get("prompt_tokens_details") or {}
    prompt = as_int(usage.get("prompt_tokens"))
    cached = as_int(details.get("cached_tokens"))  # OpenAI, vLLM, recent llama-server
    if not cached:  # llama-server
        cached = as_int(timings.get("cache_n")) or as_int(reply.get("tokens_cached"))
    if not prompt and timings:
        prompt = as_int(timings.get("prompt_n")) + as_int(timings.get("cache_n"))
    return Usage(
        prompt_tokens=prompt,
        cached_prompt_tokens=min(cached, prompt),
        completion_tokens=as_int(usage.get("completion_tokens"))
        or as_int(timings.get("predicted_n")),
        seconds=seconds,
        calls=1,
    )


def as_int(value: object) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0
