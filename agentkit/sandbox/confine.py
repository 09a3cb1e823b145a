"""How shell and python commands are confined: bubblewrap when it works, else kill-only.

`bubblewrap` mode runs a command under `bwrap` with the workspace mounted read-write,
every other path read-only, a private /tmp, no network (unless `sandbox.network`),
no capabilities (bwrap keeps all of them for root unless told not to, and root could
then remount / read-write), its own PID namespace and `--die-with-parent`: when the
command ends or is killed, the namespace's init dies and the kernel kills every
process left in it, whatever setsid/setpgid/double-fork tricks they played.

`process-group` mode is the fallback where bwrap is missing or cannot start (no user
namespaces for a non-root user, say): the command runs in its own session, and after
it ends the group is killed and a sweep of /proc kills every descendant and every
process carrying the call's marker variable (see `agentkit.sandbox.reap`). Files and
network are not confined in this mode; `describe()` says so wherever it matters.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agentkit.config import SandboxSettings
from agentkit.errors import ToolError

__all__ = ["CONFINED_TOOLS", "Confinement", "Mode", "bwrap_problem", "choose", "describe"]

Mode = Literal["bubblewrap", "process-group"]

# Tools whose commands run through `Confinement`; the approval prompt names the mode
# for them. The tool modules add their names when they are loaded.
CONFINED_TOOLS: set[str] = set()

_PROBE_TIMEOUT = 10.0


def _bwrap_flags(network: bool) -> list[str]:
    flags = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    flags += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    flags += [] if network else ["--unshare-net"]
    # --new-session: no TIOCSTI typing into the user's terminal.
    flags += ["--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    return flags


def _python_under_tmp() -> list[str]:
    """Read-only binds for this Python's installation where the private /tmp hides it."""
    flags: list[str] = []
    for prefix in dict.fromkeys([sys.prefix, sys.base_prefix]):
        real = str(Path(prefix).resolve())
        if real == "/tmp" or real.startswith("/tmp/"):
            flags += ["--ro-bind", real, real]
    return flags


@functools.cache
def bwrap_problem() -> str | None:
    """None when `bwrap` can start a confined command here, else why not (cached)."""
    exe = shutil.which("bwrap")
    if exe is None:
        return "bubblewrap is not installed (apt-get install bubblewrap)"
    try:
        probe = subprocess.run(
            [exe, *_bwrap_flags(network=False), "--", "/bin/true"],
            capture_output=True,
            timeout=_PROBE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap did not start: {exc}"
    if probe.returncode != 0:
        detail = probe.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"bwrap cannot run here: {detail[-1] if detail else f'exit {probe.returncode}'}"
    return None


@dataclass(frozen=True)
class Confinement:
    """The mode commands run in, and why; `command` wraps an argv for that mode."""

    mode: Mode
    network: bool
    reason: str = ""  # why process-group was chosen; empty for bubblewrap

    def command(self, argv: Sequence[str], workspace: Path) -> list[str]:
        if self.mode == "process-group":
            return list(argv)
        exe = shutil.which("bwrap") or "bwrap"
        root = str(workspace.resolve())
        # Binds come after the /tmp tmpfs, so a workspace under /tmp shows, and so does
        # the Python installation the python tool runs (a virtualenv under /tmp).
        return [
            exe,
            *_bwrap_flags(self.network),
            *_python_under_tmp(),
            "--bind",
            root,
            root,
            "--chdir",
            root,
            "--setenv",
            "TMPDIR",
            "/tmp",
            "--",
            *argv,
        ]

    def describe(self) -> str:
        """One line for doctor, `tools show` and the approval prompt."""
        if self.mode == "bubblewrap":
            net = "network on" if self.network else "network off"
            return (
                "bubblewrap sandbox: workspace read-write, everything else read-only, "
                f"private /tmp, {net}, own PID namespace"
            )
        why = f" ({self.reason})" if self.reason else ""
        return (
            f"no sandbox{why}: process-group kill and descendant sweep only; commands can "
            "write anywhere you can and reach the network"
        )


def choose(settings: SandboxSettings) -> Confinement:
    """The confinement `settings` ask for; raises ToolError if bubblewrap is required
    but cannot run."""
    if settings.mode == "process-group":
        return Confinement("process-group", settings.network, "sandbox.mode = process-group")
    problem = bwrap_problem()
    if problem is None:
        return Confinement("bubblewrap", settings.network)
    if settings.mode == "bubblewrap":
        raise ToolError(
            f"sandbox.mode is bubblewrap but {problem}; install it or set sandbox.mode = auto"
        )
    return Confinement("process-group", settings.network, problem)


def describe(settings: SandboxSettings) -> str:
    """`choose(settings).describe()`, or the reason commands cannot run at all."""
    try:
        return choose(settings).describe()
    except ToolError as exc:
        return f"commands cannot run: {exc}"
