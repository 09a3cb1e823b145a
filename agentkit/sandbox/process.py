"""Running a command with a timeout, capped output, resource limits and a full kill.

`run_process` runs a command in its own session (process group), optionally inside a
`Confinement` (bubblewrap), caps what it may print, and can apply `resource` limits
(CPU seconds, address space, file size). When it ends, by itself or at the timeout,
everything it started is killed: the PID namespace in bubblewrap mode, the group plus a
/proc sweep of descendants and marked processes otherwise (`agentkit.sandbox.reap`).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from agentkit.errors import ToolError
from agentkit.sandbox.confine import Confinement
from agentkit.sandbox.reap import MARKER_VAR, sweep

__all__ = ["DEFAULT_MAX_OUTPUT", "Limits", "ProcessResult", "run_process", "safe_env"]

DEFAULT_MAX_OUTPUT = 20_000  # bytes kept per stream; the rest is drained and counted


@dataclass(frozen=True)
class Limits:
    """`resource` limits applied in the child before exec; None = inherit."""

    cpu_seconds: int | None = None
    memory_bytes: int | None = None
    file_bytes: int | None = None

    def apply(self) -> None:
        # Runs in the forked child: only async-signal-safe-ish calls, no allocation-heavy work.
        if self.cpu_seconds is not None:
            resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds + 1))
        if self.memory_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        if self.file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_bytes, self.file_bytes))


@dataclass(frozen=True)
class ProcessResult:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    stdout_dropped: int  # bytes beyond the cap that were discarded
    stderr_dropped: int
    killed: int = 0  # processes still running at the end that the sweep killed

    def output(self) -> str:
        """stdout, then stderr under a label, each with a marker where it was capped."""
        parts = []
        for label, text, dropped in (
            ("", self.stdout, self.stdout_dropped),
            ("[stderr]\n", self.stderr, self.stderr_dropped),
        ):
            if text or dropped:
                marker = f"\n…[truncated {dropped} bytes]" if dropped else ""
                parts.append(f"{label}{text.rstrip()}{marker}")
        return "\n".join(parts)

    def describe_exit(self) -> str:
        if self.returncode >= 0:
            return f"exit code {self.returncode}"
        try:
            name = signal.Signals(-self.returncode).name
        except ValueError:
            name = f"signal {-self.returncode}"
        why = {"SIGXCPU": " (CPU time limit)", "SIGKILL": " (killed)"}.get(name, "")
        return f"killed by {name}{why}"


def safe_env(workspace: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A small environment for child processes: no inherited secrets or tokens."""
    keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update({"HOME": str(workspace), "TERM": "dumb", "PYTHONIOENCODING": "utf-8"})
    env.update(extra or {})
    return env


class _Drain(threading.Thread):
    """Reads a pipe to EOF, keeping the first `cap` bytes, so a chatty child never blocks."""

    def __init__(self, pipe: IO[bytes], cap: int) -> None:
        super().__init__(daemon=True)
        self.pipe, self.cap, self.kept, self.dropped = pipe, cap, bytearray(), 0

    def run(self) -> None:
        with self.pipe:
            while chunk := os.read(self.pipe.fileno(), 65536):
                room = max(0, self.cap - len(self.kept))
                self.kept += chunk[:room]
                self.dropped += len(chunk) - min(room, len(chunk))

    def text(self) -> str:
        return self.kept.decode("utf-8", errors="replace")


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    max_output: int = DEFAULT_MAX_OUTPUT,
    limits: Limits | None = None,
    env: Mapping[str, str] | None = None,
    stdin_text: str | None = None,
    confinement: Confinement | None = None,
) -> ProcessResult:
    """Run `argv` in a new process group (inside `confinement` when given); at the
    timeout, or when it exits, kill it and everything it started.

    Background children the command left behind (`sleep 100 &`) never outlive the call.
    """
    preexec: Callable[[], None] | None = limits.apply if limits else None
    marker = uuid.uuid4().hex
    child_env = dict(env) if env is not None else safe_env(cwd)
    child_env[MARKER_VAR] = marker  # how the sweep finds processes that left the group
    command = confinement.command(argv, cwd) if confinement is not None else list(argv)
    try:
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=child_env,
            stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # own session => own process group, killable as one
            preexec_fn=preexec,  # only setrlimit, which is safe after fork
        )
    except OSError as exc:
        raise ToolError(f"cannot start {command[0]!r}: {exc.strerror or exc}") from exc
    assert proc.stdout is not None and proc.stderr is not None
    out, err = _Drain(proc.stdout, max_output), _Drain(proc.stderr, max_output)
    out.start()
    err.start()
    if stdin_text is not None and proc.stdin is not None:
        try:
            with proc.stdin:
                proc.stdin.write(stdin_text.encode())
        except BrokenPipeError:
            pass  # the child did not read its input; that is its business
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        leftovers = sweep(proc.pid, marker, root_reaped=proc.returncode is not None)
        proc.wait()
    for drain in (out, err):
        drain.join(timeout=2.0)  # a process the sweep could not find may hold the pipe
    return ProcessResult(
        returncode=proc.returncode,
        stdout=out.text(),
        stderr=err.text(),
        timed_out=timed_out,
        stdout_dropped=out.dropped,
        stderr_dropped=err.dropped,
        killed=leftovers,
    )
