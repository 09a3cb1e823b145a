"""`agentkit workflow`: validate workflow files and list the known ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentkit.cli.common import resolve

__all__ = ["app"]

app = typer.Typer(help="Validate and list workflow files.", no_args_is_help=True)

ToolsOpt = Annotated[
    list[Path] | None,
    typer.Option("--tools", "-t", help="Extra tool plugin file or directory (repeatable)."),
]


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="The workflow YAML file.")],
    tools: ToolsOpt = None,
) -> None:
    """Check FILE (schema, templates, step references, tool names) without running it."""
    from agentkit.workflow.cli import validate_file

    workflow = validate_file(file, resolve(tools_path=tools or None).settings)
    kinds = ", ".join(type(s).__name__.removesuffix("Step").lower() for s in workflow.steps)
    typer.echo(f"{file}: ok: workflow {workflow.name!r}, {len(workflow.steps)} steps ({kinds})")


@app.command("list")
def list_workflows() -> None:
    """List the bundled example workflows and those in <home>/workflows."""
    from agentkit.workflow.cli import find_workflows

    found = find_workflows(resolve().settings)
    if not found:
        typer.echo("no workflows found")
    for path, workflow, error in found:
        if workflow is None:
            typer.echo(f"{path}\n    invalid: {error}")
        else:
            inputs = " ".join(f"--var {k}={v.default}" for k, v in workflow.inputs.items())
            typer.echo(f"{path}\n    {workflow.name}: {workflow.description.strip()[:100]}")
            if inputs:
                typer.echo(f"    inputs: {inputs}")
