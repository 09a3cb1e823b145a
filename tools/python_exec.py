"""Built-in `python` tool: a snippet in a separate Python process with resource limits.

Limits: wall-clock timeout (everything the snippet started is killed), CPU seconds
and address space via `resource`, and a cap on file size and captured output. The
child runs isolated (`-I`: no user site, no PYTHON* variables) with the workspace as
cwd, inside the bubblewrap sandbox where it works (see `agentkit.sandbox`); without
it, it is not a filesystem jail. Either way the tool needs `execute` approval.
"""

from __future__ import annotations

import math
import sys
from typing import Annotated

from pydantic import Field

from agentkit.errors import ToolError
from agentkit.sandbox import CONFINED_TOOLS, Limits, choose, run_process
from agentkit.tool import ToolContext, tool

MEMORY_BYTES = 1024 * 1024 * 1024
FILE_BYTES = 64 * 1024 * 1024

# Runs the snippet from stdin like a REPL cell: a final expression's value is printed, so
# `12 * 12` answers 144 instead of nothing. Tracebacks start at the snippet, not here.
_DRIVER = """
import ast, linecache, sys, traceback
source = sys.stdin.read()
linecache.cache["<snippet>"] = (len(source), None, source.splitlines(True), "<snippet>")
try:
    tree = ast.parse(source, "<snippet>")
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    scope = {"__name__": "__main__"}
    exec(compile(tree, "<snippet>", "exec"), scope)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), "<snippet>", "eval"), scope)
        if value is not None:
            print(repr(value))
except SystemExit:
    raise
except BaseException as exc:
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != "<snippet>":
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb)
    sys.exit(1)
"""


def limits_for(timeout: float) -> Limits:
    return Limits(
        cpu_seconds=max(1, math.ceil(timeout)), memory_bytes=MEMORY_BYTES, file_bytes=FILE_BYTES
    )


@tool(name="python", permission="execute")
def python_exec(
    code: Annotated[str, Field(max_length=4000, examples=["print(2 + 2)"])], ctx: ToolContext
) -> str:
    """Run Python code in a separate process and return what it prints.

    Args:
        code: Python source code; print() or a last expression shows the result.
    """
    timeout = ctx.timeout or ctx.settings.tool_timeout
    result = run_process(
        [sys.executable, "-I", "-c", _DRIVER],
        cwd=ctx.workspace,
        timeout=timeout,
        limits=limits_for(timeout),
        stdin_text=code,
        confinement=choose(ctx.settings.sandbox),
    )
    output = result.output()
    if result.timed_out:
        raise TimeoutError(f"python timed out after {timeout:g}s and was killed")
    if result.returncode != 0:
        raise ToolError(f"{result.describe_exit()}\n{output}".rstrip())
    return output or "(no output; print() the result or end with an expression)"


CONFINED_TOOLS.add(python_exec.name)
