"""Serve a GGUF over the OpenAI HTTP API with llama-cpp-python's server (its `server` extra).

    python -m agentkit.llm.serve --model PATH --port 8080      # binds 127.0.0.1 by default

It is `python -m llama_cpp.server` with two differences: the host defaults to
127.0.0.1, and on CPUs with AMX the model loads without llama.cpp's extra weight
buffers, which crash on any batch of more than one token (see `llama.load_llama`).
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["main"]


def _plain_buffers() -> None:
    import llama_cpp.llama_cpp as native

    from agentkit.llm.llama import _cpu_has_amx

    if not _cpu_has_amx():
        return
    defaults = native.llama_model_default_params

    def plain() -> Any:
        params = defaults()
        params.use_extra_bufts = False
        return params

    native.llama_model_default_params = plain


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not any(a == "--host" or a.startswith("--host=") for a in args):
        args += ["--host", "127.0.0.1"]
    if not any(a == "--model" or a.startswith("--model=") for a in args):
        from agentkit.llm.resolve import bundled_model_path

        args += ["--model", str(bundled_model_path())]
    try:
        from llama_cpp.server.__main__ import main as serve
    except ImportError as exc:
        sys.exit(
            f"error: llama-cpp-python's server extra is missing ({exc.name}); "
            "run `pip install 'agentkit[server]'`"
        )
    _plain_buffers()
    sys.argv = ["llama_cpp.server", *args]
    serve()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()
