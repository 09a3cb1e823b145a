"""`agentkit doctor`: check the environment."""

from __future__ import annotations

import typer


def doctor() -> None:
    """Check the model, grammar support, memory, embedder, GPU and journal."""
    typer.echo("doctor: not implemented yet")
