"""agentkit.llm.serve's defaults for llama-cpp-python's server flags (no server started)."""

from __future__ import annotations

from agentkit.llm.serve import CACHE_BYTES, server_args


def _value(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


def test_loopback_and_the_prompt_cache_are_on_by_default() -> None:
    args = server_args(["--model", "m.gguf", "--port", "9000"])
    assert _value(args, "--host") == "127.0.0.1"
    assert _value(args, "--cache") == "true" and _value(args, "--cache_type") == "ram"
    assert _value(args, "--cache_size") == str(CACHE_BYTES)
    assert args.count("--model") == 1 and _value(args, "--model") == "m.gguf"


def test_flags_given_by_the_user_are_left_alone() -> None:
    args = server_args(["--model=m.gguf", "--host", "0.0.0.0", "--cache", "false"])
    assert _value(args, "--host") == "0.0.0.0" and args.count("--host") == 1
    assert _value(args, "--cache") == "false" and "--cache_size" not in args
    sized = server_args(["--model", "m.gguf", "--cache_size", "1024"])
    assert _value(sized, "--cache") == "true" and _value(sized, "--cache_size") == "1024"
    assert sized.count("--cache_size") == 1
