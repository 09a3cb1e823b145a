"""OpenAICompatModel at its HTTP boundary: probing, retries, one-line errors, key hygiene.

httpx's MockTransport stands in for servers whose failure modes a real local server
cannot be made to show on demand (429, 503, a server that ignores every schema field).
The real llama-cpp-python server is exercised in tests/integration/test_openai_server.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentkit.config import load_settings
from agentkit.errors import ConfigError, ContextOverflowError
from agentkit.llm.base import Message
from agentkit.llm.factory import load_model
from agentkit.llm.openai_compat import ModelServerError, OpenAICompatModel, public_url
from agentkit.llm.structured import generate

URL = "http://127.0.0.1:9/v1"
SCHEMA = {
    "type": "object",
    "properties": {"n": {"type": "integer"}},
    "required": ["n"],
    "additionalProperties": False,
}
HELLO = [Message(role="user", content="hi")]


def reply(content: str, **extra: Any) -> dict[str, Any]:
    usage = {"prompt_tokens": 40, "completion_tokens": 5}
    return {
        "choices": [{"message": {"role": "assistant", "content": content}}],
        "usage": usage,
    } | extra


def constraining(field: str, answer: str = '{"n": 7}') -> Callable[[httpx.Request], httpx.Response]:
    """A server that honours only `field`, answering the probe correctly when it is sent."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/models"):
            return httpx.Response(200, json={"data": [{"id": "/models/tiny.gguf"}]})
        body = json.loads(request.content)
        if field not in body:
            return httpx.Response(200, json=reply("Hello! How can I help?"))
        probe = "zq-7-probe" in json.dumps(body[field])
        return httpx.Response(200, json=reply('{"word": "zq-7-probe"}' if probe else answer))

    return handle


def model(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> OpenAICompatModel:
    return OpenAICompatModel(URL, transport=httpx.MockTransport(handler), **kw)


@pytest.mark.parametrize("field", ["grammar", "json_schema", "response_format"])
def test_probe_finds_the_servers_way_and_uses_it(field: str) -> None:
    m = model(constraining(field))
    value, completion = generate(m, HELLO, SCHEMA)
    assert value == {"n": 7}
    assert m.mode == field
    assert m.name == "tiny.gguf" and m.remote_model == "/models/tiny.gguf"
    assert completion.usage.prompt_tokens == 40 and completion.usage.completion_tokens == 5


def test_a_server_that_cannot_constrain_is_refused_in_one_line() -> None:
    m = model(lambda request: httpx.Response(200, json=reply("Hello there")))
    with pytest.raises(ModelServerError) as caught:
        m.complete(HELLO, schema=SCHEMA)
    message = str(caught.value)
    assert "\n" not in message and URL in message and "does not constrain" in message


def test_fields_the_server_rejects_are_dropped_before_giving_up() -> None:
    """An OpenAI-style server answers 400 to llama.cpp's extensions and to `grammar`."""

    def strict(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if {"cache_prompt", "grammar", "json_schema"} & set(body):
            return httpx.Response(400, json={"error": {"message": "Unrecognized argument"}})
        return constraining("response_format")(request)

    m = model(strict, remote_model="gpt-test")
    assert m.complete(HELLO, schema=SCHEMA).text == '{"n": 7}'
    assert (m.mode, m.extensions) == ("response_format", False)


def test_cached_tokens_come_from_whichever_field_the_server_reports() -> None:
    openai = reply('{"n": 1}', usage={"prompt_tokens": 50, "completion_tokens": 4,
                                      "prompt_tokens_details": {"cached_tokens": 45}})  # fmt: skip
    llama_server = reply('{"n": 1}', timings={"cache_n": 30, "prompt_n": 10, "predicted_n": 3})
    llama_server.pop("usage")
    for body, cached, prompt in ((openai, 45, 50), (llama_server, 30, 40)):
        m = model(lambda request, body=body: httpx.Response(200, json=body))
        m.mode = "grammar"
        usage = m.complete(HELLO, schema=SCHEMA).usage
        assert (usage.cached_prompt_tokens, usage.prompt_tokens) == (cached, prompt)


def test_transient_answers_are_retried_then_succeed() -> None:
    seen: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        if len(seen) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response")
        if len(seen) <= 3:
            return httpx.Response(503 if len(seen) == 2 else 429, json={"error": "busy"})
        return httpx.Response(200, json=reply("hello"))

    m = model(flaky, remote_model="m")
    assert m.complete(HELLO).text == "hello"
    assert len(seen) == 4


@pytest.mark.parametrize(
    ("status", "fix"),
    [(404, "check the URL"), (500, "server's log"), (401, "API key"), (422, "refused")],
)
def test_http_errors_are_one_line_naming_the_url(status: int, fix: str) -> None:
    error = {"error": {"message": "nope\nat line 2"}}
    m = model(lambda r: httpx.Response(status, json=error), remote_model="m")
    with pytest.raises(ModelServerError) as caught:
        m.complete(HELLO)
    message = str(caught.value)
    assert "\n" not in message and URL in message and f"HTTP {status}" in message and fix in message


def test_a_context_overflow_is_a_context_error() -> None:
    too_long = {"error": {"message": "Requested tokens (5000) exceed context window of 4096"}}
    m = model(lambda r: httpx.Response(400, json=too_long), remote_model="m")
    with pytest.raises(ContextOverflowError):
        m.complete(HELLO)


def test_connection_refused_and_timeouts_are_one_line() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    for handler, words in ((refuse, "cannot connect"), (slow, "did not answer within 3 s")):
        with pytest.raises(ModelServerError) as caught:
            model(handler, remote_model="m", timeout=3).complete(HELLO)
        assert words in str(caught.value) and URL in str(caught.value)


def test_the_api_key_is_sent_but_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-test-very-secret-123"
    monkeypatch.setenv("AK_TEST_KEY", secret)
    headers: list[str] = []

    def echo(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers["authorization"])
        return httpx.Response(500, json={"error": {"message": f"bad key {secret}"}})

    m = model(echo, api_key_env="AK_TEST_KEY", remote_model="m")
    with pytest.raises(ModelServerError) as caught:
        m.complete(HELLO)
    assert headers == [f"Bearer {secret}"]
    assert secret not in str(caught.value) and secret not in repr(m)


def test_a_missing_key_variable_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AK_TEST_MISSING", raising=False)
    with pytest.raises(ConfigError, match="AK_TEST_MISSING"):
        OpenAICompatModel(URL, api_key_env="AK_TEST_MISSING")


def test_credentials_in_the_url_are_hidden() -> None:
    assert public_url("http://user:pw@host:8080/v1") == "http://host:8080/v1"
    with pytest.raises(ConfigError):
        OpenAICompatModel("ftp://host/v1")


def test_settings_select_the_backend(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("AGENTKIT_")]:
        monkeypatch.delenv(name)
    config = tmp_path / "config.toml"
    config.write_text(
        '[model]\nbackend = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nname = "big"\n'
        'api_key_env = "AK_TEST_KEY2"\n\n[memory]\nchroma_url = "http://127.0.0.1:8000"\n'
    )
    monkeypatch.setenv("AGENTKIT_CONFIG", str(config))
    monkeypatch.setenv("AK_TEST_KEY2", "sk-never-in-a-dump")
    settings = load_settings().settings
    assert settings.model == "openai:http://127.0.0.1:9/v1"
    assert (settings.remote_model, settings.api_key_env) == ("big", "AK_TEST_KEY2")
    assert settings.chroma_url == "http://127.0.0.1:8000"
    built = load_model(settings)
    assert isinstance(built, OpenAICompatModel) and built.remote_model == "big"
    assert "sk-never-in-a-dump" not in json.dumps(settings.model_dump(mode="json"))


def test_run_against_no_server_fails_fast_in_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from agentkit.cli.app import app
    from agentkit.services import free_port

    url = f"http://127.0.0.1:{free_port()}/v1"
    env = {"AGENTKIT_HOME": str(tmp_path), "AGENTKIT_CONFIG": str(tmp_path / "none.toml")}
    result = CliRunner().invoke(
        app, ["run", "hi", "--model", f"openai:{url}", "--no-memory"], env=env
    )
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot connect to the model server at " + url)
