"""Safety for tools: workspace confinement of paths and files, and confined commands.

paths     resolve_in_workspace: a model-supplied path, checked by name
files     open_in_workspace: open without following a swapped-in symlink or a
          hard link to an outside file; non-regular files refused
confine   Confinement: bubblewrap sandbox, or the process-group fallback
process   run_process: timeout, capped output, resource limits, full kill
reap      sweep: kill what a command left behind, found through /proc
"""

from agentkit.sandbox.confine import (
    CONFINED_TOOLS,
    Confinement,
    Mode,
    bwrap_problem,
    choose,
    describe,
)
from agentkit.sandbox.paths import PathEscapeError, resolve_in_workspace
from agentkit.sandbox.process import (
    DEFAULT_MAX_OUTPUT,
    Limits,
    ProcessResult,
    run_process,
    safe_env,
)

__all__ = [
    "CONFINED_TOOLS",
    "DEFAULT_MAX_OUTPUT",
    "Confinement",
    "Limits",
    "Mode",
    "PathEscapeError",
    "ProcessResult",
    "bwrap_problem",
    "choose",
    "describe",
    "resolve_in_workspace",
    "run_process",
    "safe_env",
]
