"""`agentkit eval` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="eval", no_args_is_help=True)
