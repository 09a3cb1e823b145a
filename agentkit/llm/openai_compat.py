"""A `Model` served over the OpenAI HTTP API: llama.cpp's llama-server, vLLM, Ollama,
llama-cpp-python's `python -m llama_cpp.server`, or OpenAI itself.

Structured output is never unconstrained. At the first structured call a probe asks
the server for a reply that only a constrained decoder produces (a schema whose one
valid value the model would never write by itself), trying each way servers take a
schema, most exact first:

    grammar          GBNF built here exactly as the local path builds it (llama.cpp servers)
    json_schema      llama-server's own top-level field
    response_format  {"type": "json_schema", ...}: OpenAI, vLLM, recent llama.cpp
    json_object      {"type": "json_object", "schema": ...}: llama-cpp-python's older form

The first way whose reply validates is kept; a server for which none does is refused
with a `ModelServerError`. Errors, all one line naming the URL (never the API key):

    ModelError (agentkit.errors)
    └── ModelServerError        connection refused, timeout, 4xx, 5xx, or no constrained decoding

Connection resets, 429, 502 and 503 are retried with exponential backoff, capped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from agentkit.errors import ConfigError, ContextOverflowError, EmptyOutputError
from agentkit.llm.base import Completion, JsonSchema, Message
from agentkit.llm.openai_wire import (
    PROBE_SCHEMA,
    SCHEMA_MODES,
    ModelServerError,
    SchemaMode,
    constraint,
    probe_passed,
    reply_text,
    reply_usage,
)

if TYPE_CHECKING:
    from agentkit.config import Settings

__all__ = [
    "OPENAI_PREFIX",
    "SCHEMA_MODES",
    "ModelServerError",
    "OpenAICompatModel",
    "public_url",
]

OPENAI_PREFIX = "openai:"
TRANSIENT_STATUS = frozenset({429, 502, 503})
RETRY_ATTEMPTS = 5
RETRY_SECONDS = 60.0


class _Transient(Exception):
    """A reply worth retrying (429/502/503); carries the one-line error for the last try."""

    def __init__(self, error: ModelServerError) -> None:
        super().__init__(str(error))
        self.error = error


def public_url(url: str) -> str:
    """`url` without any user:password part, fit for messages and logs."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def _is_transient(exc: BaseException) -> bool:
    # A reset or dropped connection mid-request; a refused connect is not transient.
    dropped = httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError
    return isinstance(exc, _Transient | dropped)


class OpenAICompatModel:
    """Chat completions from an OpenAI-compatible server, always schema-constrained."""

    def __init__(
        self,
        base_url: str,
        *,
        remote_model: str | None = None,
        api_key_env: str | None = None,
        timeout: float = 120.0,
        temperature: float = 0.0,
        repeat_penalty: float = 1.1,
        seed: int = 0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigError(
                f"invalid model server URL {public_url(base_url)!r}; "
                "use --model openai:http://HOST:PORT/v1"
            )
        self.base_url = base_url.rstrip("/")
        self.url = public_url(self.base_url)
        headers = {"Content-Type": "application/json"}
        self._secret = _api_key(api_key_env)
        if self._secret:
            headers["Authorization"] = f"Bearer {self._secret}"
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
        )
        self.timeout = timeout
        self.remote_model = remote_model
        self.name = remote_model or "remote"
        self.temperature = temperature
        self.repeat_penalty = repeat_penalty
        self.seed = seed
        self.mode: SchemaMode | None = None  # found by `probe`
        self.extensions = True  # llama.cpp's cache_prompt/repeat_penalty fields accepted
        if remote_model is None:  # also fails fast, in one line, when nobody is listening
            self._discover_name()

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAICompatModel:
        spec = settings.model or ""
        return cls(
            spec.removeprefix(OPENAI_PREFIX),
            remote_model=settings.remote_model,
            api_key_env=settings.api_key_env,
            timeout=settings.request_timeout,
            temperature=settings.temperature,
            repeat_penalty=settings.repeat_penalty,
            seed=settings.seed,
        )

    def __repr__(self) -> str:  # never shows the key
        return f"OpenAICompatModel({self.url!r}, remote_model={self.remote_model!r})"

    def close(self) -> None:
        self._client.close()

    # -- the Model protocol ---------------------------------------------------------

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: JsonSchema | None = None,
        max_tokens: int = 256,
        repeat_penalty: float | None = None,
    ) -> Completion:
        if schema is not None and self.mode is None:
            self.probe()
        body = self._body(messages, max_tokens, repeat_penalty)
        if schema is not None:
            assert self.mode is not None
            body |= constraint(self.mode, schema)
        started = time.perf_counter()
        reply = self._post("/chat/completions", body)
        seconds = time.perf_counter() - started
        text = reply_text(reply, self.url)
        if not text.strip():
            raise EmptyOutputError(
                f"{self.name} at {self.url} produced no output; try a larger model "
                "or a higher temperature"
            )
        return Completion(text=text, usage=reply_usage(reply, seconds))

    # -- probing ----------------------------------------------------------------------

    def probe(self) -> SchemaMode:
        """Find how this server constrains output; ModelServerError if it cannot."""
        question = [Message(role="user", content="Say hello.")]
        tried: list[str] = []
        for mode in SCHEMA_MODES:
            for extensions in (True, False):
                self.extensions = extensions
                body = self._body(question, 24, None) | constraint(mode, PROBE_SCHEMA)
                try:
                    reply = self._post("/chat/completions", body)
                except ModelServerError as exc:
                    if not _refused_request(exc):
                        raise
                    continue  # this server rejects the field (or our extensions)
                if probe_passed(reply):
                    self.mode = mode
                    return mode
                break  # accepted but ignored: without extensions it would be ignored too
            tried.append(mode)
        raise ModelServerError(
            f"the model server at {self.url} does not constrain output to a JSON schema "
            f"(tried {', '.join(tried)}); agentkit never runs unconstrained, so use "
            "llama-server, vLLM or llama-cpp-python's server"
        )

    def _discover_name(self) -> None:
        """The served model's id from GET /models, for servers that require `model`."""
        try:
            listing = self._request("GET", "/models", None)
        except ModelServerError as exc:
            if not _refused_request(exc):
                raise
            return
        data = listing.get("data") if isinstance(listing, dict) else None
        if isinstance(data, list) and data and isinstance(data[0], dict) and data[0].get("id"):
            self.remote_model = str(data[0]["id"])
            # llama-cpp-python names a model by its file path: show the file name.
            self.name = self.remote_model.rstrip("/").rsplit("/", 1)[-1]

    # -- HTTP -------------------------------------------------------------------------

    def _body(
        self, messages: Sequence[Message], max_tokens: int, repeat_penalty: float | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.remote_model or "default",
            "messages": [m.model_dump() for m in messages],
            "max_tokens": max_tokens,
            "temperature": self.temperature,
            "seed": self.seed,
            "stream": False,
        }
        if self.extensions:
            # llama.cpp: keep the prompt's KV cache for the next step's shared prefix.
            body["cache_prompt"] = True
            penalty = self.repeat_penalty if repeat_penalty is None else repeat_penalty
            body["repeat_penalty"] = penalty
        return body

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", path, body)

    def _request(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        retrying = Retrying(
            retry=retry_if_exception(_is_transient),
            wait=wait_random_exponential(multiplier=0.5, max=8.0),
            stop=stop_after_attempt(RETRY_ATTEMPTS) | stop_after_delay(RETRY_SECONDS),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(method, path, body)
        except _Transient as exc:
            raise exc.error from None
        except httpx.HTTPError as exc:
            raise self._translate(exc) from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _once(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        url = self.base_url + path
        response = self._client.request(method, url, json=body)
        if response.status_code >= 400:
            error = self._status_error(response)
            if response.status_code in TRANSIENT_STATUS:
                raise _Transient(error)
            raise error
        try:
            data = response.json()
        except ValueError:
            raise ModelServerError(
                f"the model server at {self.url} answered {path} with non-JSON "
                f"({self._scrub(response.text[:80])!r}); is the URL an OpenAI-compatible /v1?"
            ) from None
        if not isinstance(data, dict):
            raise ModelServerError(f"the model server at {self.url} answered {path} oddly")
        return data

    def _status_error(self, response: httpx.Response) -> ModelServerError:
        status = response.status_code
        detail = self._scrub(_error_detail(response))
        where = f"the model server at {self.url}"
        if status == 400 and "context" in detail.lower():
            return _ContextError(
                f"{where} says the prompt does not fit its context ({detail}); "
                "start the server with a larger context or shorten the goal"
            )
        if status in {401, 403}:
            fix = "set the API key's environment variable (api_key_env)"
        elif status == 404:
            fix = "check the URL (it usually ends in /v1) and --remote-model"
        elif status == 429:
            fix = "the server is rate-limiting; retry later"
        elif status >= 500:
            fix = "check the server's log"
        else:
            fix = "the server refused the request"
        return ModelServerError(f"{where} answered HTTP {status} ({detail}); {fix}", status=status)

    def _translate(self, exc: httpx.HTTPError) -> ModelServerError:
        where = f"the model server at {self.url}"
        if isinstance(exc, httpx.ConnectError):
            return ModelServerError(
                f"cannot connect to {where} ({_one_line(exc) or 'connection refused'}); "
                "start the server or fix --model openai:URL"
            )
        if isinstance(exc, httpx.TimeoutException):
            return ModelServerError(
                f"{where} did not answer within {self.timeout:.0f} s; raise request_timeout "
                "(AGENTKIT_REQUEST_TIMEOUT) or check the server"
            )
        return ModelServerError(
            f"the connection to {where} failed ({type(exc).__name__}: "
            f"{self._scrub(_one_line(exc))}); check that the server is running"
        )

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text


class _ContextError(ModelServerError, ContextOverflowError):
    """HTTP 400 because the prompt is longer than the server's context window."""


def _refused_request(exc: ModelServerError) -> bool:
    """A 400/404/422-style answer: the server understood us and declined this request."""
    status = exc.status
    return status is not None and 400 <= status < 500 and status not in {401, 403, 429}


def _api_key(env_name: str | None) -> str:
    if not env_name:
        return ""
    value = os.environ.get(env_name, "").strip()
    if not value:
        raise ConfigError(
            f"api_key_env names the environment variable {env_name!r}, which is not set; "
            "export it or unset api_key_env"
        )
    return value


def _error_detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return _one_line_text(response.text) or response.reason_phrase
    error = data.get("error", data) if isinstance(data, dict) else data
    message = error.get("message", error.get("detail", error)) if isinstance(error, dict) else error
    return _one_line_text(str(message)) or response.reason_phrase


def _one_line(exc: BaseException) -> str:
    return _one_line_text(str(exc))


def _one_line_text(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 160 else text[:160] + "…"
