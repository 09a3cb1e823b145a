"""Local servers on 127.0.0.1 for tests, benchmarks and recipes: a model server
(llama-cpp-python's, through `agentkit.llm.serve`) and a Chroma server (`chroma run`).

    with model_server(port=free_port()) as url:    # http://127.0.0.1:PORT/v1
        ...
    with chroma_server(tmp_path / "chroma") as url:  # http://127.0.0.1:PORT
        ...

Each waits (bounded) until the server answers, and stops it on exit, killing it if
it does not stop by itself. They bind to the loopback address only.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = ["LOOPBACK", "Server", "chroma_server", "free_port", "model_server", "wait_http"]

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """Poll `url` until it answers 200, the process exits, or `timeout` seconds pass."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with code {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server for {url} did not answer within {timeout:.0f} s")


class Server:
    """A started server process: its URL, and `stop`/`kill` by its own pid only."""

    def __init__(self, argv: Sequence[str], url: str, ready: str, log: Path | None) -> None:
        self.argv, self.url, self.ready, self.log = list(argv), url, ready, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120.0) -> Server:
        out = self.log.open("ab") if self.log is not None else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT)
        finally:
            if self.log is not None and not isinstance(out, int):
                out.close()
        try:
            wait_http(self.ready, self.proc, timeout)
        except BaseException:
            self.kill()
            raise
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash would: the server gets no chance to answer anything."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


def model_argv(
    port: int,
    model: str | None = None,
    *,
    n_ctx: int = 4096,
    threads: int = 1,
    extra: Sequence[str] = (),
) -> list[str]:
    """`agentkit.llm.serve`'s command line; `extra` are more server flags (`--cache false`)."""
    argv = [sys.executable, "-m", "agentkit.llm.serve", "--host", LOOPBACK, "--port", str(port)]
    argv += ["--n_ctx", str(n_ctx), "--n_threads", str(threads), "--n_threads_batch", str(threads)]
    argv += list(extra)
    return [*argv, "--model", model] if model else argv


@contextlib.contextmanager
def model_server(
    port: int | None = None,
    model: str | None = None,
    *,
    log: Path | None = None,
    threads: int = 1,
    extra: Sequence[str] = (),
) -> Iterator[Server]:
    """llama-cpp-python's OpenAI server on the bundled (or given) GGUF; `.url` ends in /v1."""
    port = port or free_port()
    base = f"http://{LOOPBACK}:{port}/v1"
    argv = model_argv(port, model, threads=threads, extra=extra)
    server = Server(argv, base, f"{base}/models", log)
    try:
        yield server.start()
    finally:
        server.stop()


def chroma_argv(path: Path, port: int) -> list[str]:
    beside = Path(sys.executable).with_name("chroma")  # the installed chromadb's own CLI
    chroma = str(beside) if beside.exists() else shutil.which("chroma") or "chroma"
    return [chroma, "run", "--path", str(path), "--host", LOOPBACK, "--port", str(port)]


@contextlib.contextmanager
def chroma_server(
    path: Path, port: int | None = None, *, log: Path | None = None
) -> Iterator[Server]:
    """`chroma run --path PATH` on 127.0.0.1; `.url` is http://127.0.0.1:PORT."""
    port = port or free_port()
    url = f"http://{LOOPBACK}:{port}"
    server = Server(chroma_argv(path, port), url, f"{url}/api/v2/heartbeat", log)
    try:
        yield server.start()
    finally:
        server.stop()
