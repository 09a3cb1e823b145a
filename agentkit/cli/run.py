"""`agentkit run`: run the planner loop on a goal."""

from __future__ import annotations

import typer


def run(goal: str) -> None:
    """Run the agent on GOAL."""
    typer.echo("planner not available yet", err=True)
    raise typer.Exit(1)
