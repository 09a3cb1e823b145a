"""The llama.cpp runtime on the real bundled GGUF: grammar output, KV-cache reuse, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import BaseModel, Field
from typer.testing import CliRunner

from agentkit.cli.app import app
from agentkit.errors import ContextOverflowError, EmptyOutputError, ModelFormatError
from agentkit.llm.base import Message
from agentkit.llm.llama import LlamaModel
from agentkit.llm.resolve import bundled_model_path
from agentkit.llm.structured import generate
from agentkit.llm.threads import default_threads, physical_cores

pytestmark = pytest.mark.integration


class Capital(BaseModel):
    country: str = Field(max_length=30)
    capital: str = Field(max_length=30)


@pytest.fixture(scope="module")
def model() -> LlamaModel:
    return LlamaModel(n_ctx=1024)


def test_structured_output_is_valid_under_the_grammar(model: LlamaModel) -> None:
    messages = [Message(role="user", content="What is the capital of France? Answer in JSON.")]
    value, completion = generate(model, messages, Capital, max_tokens=60)
    assert isinstance(value, Capital)
    assert completion.usage.completion_tokens > 0 and completion.usage.seconds > 0


def test_shared_prefix_reuses_the_kv_cache(model: LlamaModel) -> None:
    long_context = " ".join(f"Fact {i}: the sky was blue on day {i}." for i in range(60))
    first = [
        Message(role="system", content=long_context),
        Message(role="user", content="Name one colour."),
    ]
    second = [*first[:1], Message(role="user", content="Name one animal.")]
    a = model.complete(first, max_tokens=8)
    b = model.complete(second, max_tokens=8)
    assert a.usage.prompt_tokens > 400
    # Nearly the whole system prompt is reused; only the new user turn is evaluated.
    assert b.usage.cached_prompt_tokens > 400
    assert b.usage.evaluated_prompt_tokens < 30


def test_prompt_longer_than_context_is_a_clear_error(model: LlamaModel) -> None:
    huge = [Message(role="user", content="word " * 3000)]
    with pytest.raises(ContextOverflowError, match="context window is 1024"):
        model.complete(huge)


def test_model_that_emits_nothing(model: LlamaModel, monkeypatch: pytest.MonkeyPatch) -> None:
    # llama.cpp returning only whitespace (e.g. an immediate end-of-turn) is reported.
    blank = {"choices": [{"text": " \n"}], "usage": {"completion_tokens": 1}}
    monkeypatch.setattr(model.llama, "create_completion", lambda **kwargs: blank)
    with pytest.raises(EmptyOutputError, match="produced no output"):
        model.complete([Message(role="user", content="hi")], max_tokens=1)


def test_truncated_gguf_is_a_clear_error(tmp_path: Path) -> None:
    source = bundled_model_path()
    broken = tmp_path / "broken.gguf"
    with source.open("rb") as src, broken.open("wb") as dst:
        dst.write(src.read(source.stat().st_size // 3))
    with pytest.raises(ModelFormatError, match=r"truncated|corrupt"):
        LlamaModel(broken)


def test_models_command_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["models", "--json"], env={"AGENTKIT_CONFIG": str(tmp_path / "c.toml")}
    )
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["quantization"] == "Q4_1" and info["chat_template"] is True
    assert info["context_length"] == 8192 and info["size_bytes"] > 50_000_000
    assert isinstance(info["gpu_offload_available"], bool)


def test_models_command_on_a_non_gguf_is_one_line(tmp_path: Path) -> None:
    bogus = tmp_path / "x.gguf"
    shutil.copy(__file__, bogus)
    result = CliRunner().invoke(app, ["models", "--model", str(bogus)])
    assert result.exit_code == 1
    assert result.output.strip().startswith("error:") and "not a GGUF" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_every_builtin_decision_grammar_is_accepted_by_llama_cpp(model: LlamaModel) -> None:
    from agentkit.config import Settings
    from agentkit.decision import decision_schema
    from agentkit.registry import load_toolset

    tools = load_toolset(Settings(yes=True))
    for name in tools.names():  # each tool alone, as a step's focused first call uses it
        model.grammar(decision_schema(tools.subset([name]).definitions(), actions=("call",)))
    model.grammar(decision_schema(tools.definitions(), max_calls=8))  # all at once


def test_models_command_shows_threads_and_decoder(tmp_path: Path) -> None:
    env = {"AGENTKIT_CONFIG": str(tmp_path / "c.toml")}
    shown = CliRunner().invoke(app, ["models", "--threads", "3", "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    info = json.loads(shown.stdout)
    assert info["threads"] == {"decode": 3, "batch": 3, "source": "setting", "idle_batch": None}
    assert info["decoder"] == "llguidance"
    text = CliRunner().invoke(app, ["models"], env=env)
    assert "threads" in text.stdout and "default: cores - 1" in text.stdout


def test_model_uses_the_thread_count_it_reports() -> None:
    model = LlamaModel(n_ctx=256, threads=1)
    assert (model.threads.decode, model.threads.batch) == (1, 1)
    assert model.llama.context_params.n_threads == 1
    assert model.llama.context_params.n_threads_batch == 1
    model.complete([Message(role="user", content="Hi")], max_tokens=2)
    assert model.batch_threads == 1  # a setting is never adapted to the load


def test_prompts_leave_a_core_to_a_busy_neighbour() -> None:
    """By default a prompt takes every core only while nothing else keeps the CPU busy
    (agentkit/llm/threads.py); beside a CPU-bound process it leaves one free."""
    model = LlamaModel(n_ctx=256)
    counts = model.threads
    assert counts.idle_batch == physical_cores() and counts.batch == default_threads()
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.0)
        model.complete([Message(role="user", content="Hi")], max_tokens=2)
    finally:
        busy.kill()
        busy.wait()
    assert model.batch_threads == counts.batch
