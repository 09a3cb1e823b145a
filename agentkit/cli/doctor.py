"""`agentkit doctor`: check the model, grammar, memory, embedder, GPU, journal and sandbox.

Each check reports OK, WARN or FAIL with one line of detail; any FAIL exits 1. A
check fails by raising an agentkit error (or an OS/import error from the
environment), which becomes its detail line.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import typer
from pydantic import BaseModel

from agentkit.cli.common import JsonOpt, ModelOpt, ThreadsOpt, resolve
from agentkit.errors import AgentkitError

if TYPE_CHECKING:
    from agentkit.config import ResolvedSettings
    from agentkit.llm.llama import LlamaModel

__all__ = ["Check", "doctor"]

Status = Literal["OK", "WARN", "FAIL"]
Outcome = tuple[Status, str]
# Environment failures a check turns into FAIL; anything else is a bug and raises.
_EXPECTED = (AgentkitError, OSError, ImportError)


class Check(BaseModel):
    name: str
    status: Status
    detail: str
    seconds: float


class _Checks:
    """The checks in order; later ones reuse what earlier ones loaded."""

    def __init__(self, resolved: ResolvedSettings) -> None:
        self.resolved = resolved
        self.settings = resolved.settings
        self.model: LlamaModel | None = None

    def config(self) -> Outcome:
        path = self.resolved.config_file
        return "OK", f"{path} {'loaded' if path.is_file() else 'not found (defaults apply)'}"

    def model_loads(self) -> Outcome:
        from agentkit.llm.factory import is_remote

        if is_remote(self.settings.model):
            return self._remote_model()
        from agentkit.llm.llama import LlamaModel

        started = time.perf_counter()
        self.model = LlamaModel.from_settings(self.settings)
        took = time.perf_counter() - started
        return "OK", f"{self.model.name} loaded in {took:.2f} s ({self.model.path})"

    def _remote_model(self) -> Outcome:
        from agentkit.llm.openai_compat import OpenAICompatModel

        remote = OpenAICompatModel.from_settings(self.settings)
        self.model = remote  # type: ignore[assignment]  # only the Model protocol is used below
        mode = remote.probe()
        return "OK", f"{remote.name} at {remote.url} constrains output via {mode!r}"

    def grammar(self) -> Outcome:
        if self.model is None:
            return "WARN", "skipped: the model did not load"
        from agentkit.llm.base import Message
        from agentkit.llm.structured import generate

        schema = {
            "type": "object",
            "properties": {"ok": {"type": "boolean"}},
            "required": ["ok"],
            "additionalProperties": False,
        }
        question = [Message(role="user", content='Is 2 + 2 = 4? Reply as {"ok": true/false}.')]
        value, completion = generate(self.model, question, schema, max_tokens=16)
        u = completion.usage
        # a server constrains on its side: only the in-process model has a decoder setting
        decoder = getattr(self.model, "decoder", "the server's")
        return "OK", (
            f"schema-constrained completion returned {json.dumps(value)} "
            f"({u.completion_tokens} tok, {u.forced_tokens} forced; decoder {decoder})"
        )

    def threads(self) -> Outcome:
        from agentkit.llm.factory import is_remote
        from agentkit.llm.threads import describe_threads, thread_counts

        if is_remote(self.settings.model):
            return "OK", "the model runs on its server, with the server's threads"
        counts = self.model.threads if self.model is not None else None
        return "OK", describe_threads(counts or thread_counts(self.settings.threads))

    def gpu(self) -> Outcome:
        from agentkit.llm.factory import is_remote
        from agentkit.llm.llama import gpu_offload_supported

        if is_remote(self.settings.model):
            return "OK", "the model runs on its server; its GPU is the server's business"

        if gpu_offload_supported():
            layers = self.model.gpu_layers if self.model is not None else self.settings.gpu_layers
            return "OK", f"llama.cpp can offload to the GPU (gpu_layers={layers})"
        return "WARN", (
            "CPU-only llama.cpp build; for GPU offload reinstall llama-cpp-python with "
            'CMAKE_ARGS="-DGGML_CUDA=on"'
        )

    def memory_dir(self) -> Outcome:
        if self.settings.chroma_url:
            from agentkit.memory.backend import server_version

            url = self.settings.chroma_url
            return "OK", f"backend: Chroma server {url} (version {server_version(url)})"
        path = self.settings.memory_path
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-") as handle:
            handle.write(b"ok")
            handle.flush()
        return "OK", f"backend: local directory {path} (writable)"

    def embedder(self) -> Outcome:
        try:
            from agentkit.memory.embedders import make_embedder
        except ImportError:
            return "WARN", "memory not installed (agentkit.memory.embedders is missing)"
        embedder = make_embedder(self.settings.embedder, threads=self.settings.threads)
        vectors = embedder.embed(["agentkit doctor"])
        return "OK", f"{embedder.name} embedded a test sentence offline ({len(vectors[0])} dims)"

    def journal(self) -> Outcome:
        from agentkit.journal import Journal

        with Journal.open(self.settings) as journal:
            verdict = journal.check()
            version = journal.schema_version
        if verdict != "ok":
            return "FAIL", f"{journal.path}: {verdict}; move it aside and a new one is created"
        return "OK", f"{journal.path} passes quick_check (schema v{version})"

    def sandbox(self) -> Outcome:
        from agentkit.sandbox import choose, describe

        detail = describe(self.settings.sandbox)
        try:
            confined = choose(self.settings.sandbox).mode == "bubblewrap"
        except AgentkitError:  # sandbox.mode = bubblewrap where bwrap cannot run
            return "FAIL", detail
        return ("OK" if confined else "WARN"), f"shell/python: {detail}"

    def all(self) -> list[tuple[str, Callable[[], Outcome]]]:
        return [
            ("config", self.config),
            ("model", self.model_loads),
            ("grammar", self.grammar),
            ("threads", self.threads),
            ("gpu", self.gpu),
            ("memory dir", self.memory_dir),
            ("embedder", self.embedder),
            ("journal", self.journal),
            ("sandbox", self.sandbox),
        ]


def _run(name: str, check: Callable[[], Outcome]) -> Check:
    started = time.perf_counter()
    try:
        status, detail = check()
    except _EXPECTED as exc:
        status, detail = "FAIL", str(exc) or type(exc).__name__
    return Check(name=name, status=status, detail=detail, seconds=time.perf_counter() - started)


def _report(checks: list[Check], as_json: bool) -> None:
    failed = any(c.status == "FAIL" for c in checks)
    if as_json:
        payload: dict[str, Any] = {"ok": not failed, "checks": [c.model_dump() for c in checks]}
        typer.echo(json.dumps(payload, indent=2))
    else:
        for c in checks:
            typer.echo(f"{c.status:<4}  {c.name:<10}  {c.detail}")
    if failed:
        raise typer.Exit(1)


def doctor(model: ModelOpt = None, threads: ThreadsOpt = None, as_json: JsonOpt = False) -> None:
    """Check the model, grammar support, threads, memory, embedder, GPU and journal."""
    try:
        resolved = resolve(model=model, threads=threads)
    except AgentkitError as exc:  # nothing else can run without settings
        _report([Check(name="config", status="FAIL", detail=str(exc), seconds=0.0)], as_json)
        return
    _report([_run(name, check) for name, check in _Checks(resolved).all()], as_json)
