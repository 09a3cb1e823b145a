"""Built-in `shell` tool: one command in a subprocess, inside the workspace.

Where bubblewrap works the command runs sandboxed (workspace read-write, the rest
read-only, private /tmp, network off unless `sandbox.network`); otherwise it runs in
its own process group. Either way, at the timeout or when it exits, everything it
started is killed (see `agentkit.sandbox`). Output is capped.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from agentkit.errors import ToolError
from agentkit.sandbox import CONFINED_TOOLS, choose, run_process
from agentkit.tool import ToolContext, tool


@tool(permission="execute")
def shell(
    command: Annotated[str, Field(max_length=2000, examples=["ls -la"])], ctx: ToolContext
) -> str:
    """Run a shell command in the workspace and return its output.

    Args:
        command: a /bin/sh command line, e.g. ls -la or grep -rn TODO .
    """
    timeout = ctx.timeout or ctx.settings.tool_timeout
    result = run_process(
        ["/bin/sh", "-c", command],
        cwd=ctx.workspace,
        timeout=timeout,
        confinement=choose(ctx.settings.sandbox),
    )
    output = result.output()
    if result.timed_out:
        raise TimeoutError(
            f"command timed out after {timeout:g}s; it and its child processes were killed"
            + (f" Output so far:\n{output}" if output else "")
        )
    if result.returncode != 0:
        raise ToolError(f"{result.describe_exit()}\n{output}".rstrip())
    return output or "(no output)"


CONFINED_TOOLS.add(shell.name)
