"""`agentkit config`: the effective settings, where each came from, and the file's path."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from agentkit.cli.common import JsonOpt, resolve

if TYPE_CHECKING:
    from agentkit.config import ResolvedSettings

__all__ = ["app"]

app = typer.Typer(help="Show effective settings and their sources.", no_args_is_help=True)


def _rows(resolved: ResolvedSettings) -> dict[str, dict[str, Any]]:
    settings = resolved.settings
    values = settings.model_dump(mode="json")
    # Show where data actually goes, not the "None = default location" placeholders.
    values["home"] = str(settings.data_home)
    values["memory_dir"] = str(settings.memory_path)
    return {
        name: {"value": values[name], "source": resolved.sources[name]}
        for name in type(settings).model_fields
    }


@app.command()
def show(as_json: JsonOpt = False) -> None:
    """Print every setting, its effective value and its source (default/file/env/cli)."""
    resolved = resolve()
    rows = _rows(resolved)
    if as_json:
        payload = {
            "config_file": str(resolved.config_file),
            "config_file_exists": resolved.config_file.is_file(),
            "journal": str(resolved.settings.journal_path),
            "settings": rows,
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    exists = "" if resolved.config_file.is_file() else " (not found; defaults apply)"
    typer.echo(f"# config file: {resolved.config_file}{exists}")
    from agentkit.config import ENV_PREFIX

    typer.echo(f"# env vars:    {ENV_PREFIX}<KEY>, e.g. {ENV_PREFIX}N_CTX=8192")
    width = max(len(name) for name in rows)
    for name, row in rows.items():
        typer.echo(f"{name:<{width}}  {json.dumps(row['value']):<30}  {row['source']}")


@app.command()
def path() -> None:
    """Print the config file's path (set it with AGENTKIT_CONFIG)."""
    # Not validated: this is what you need when the file itself is broken.
    from agentkit.config import config_path

    typer.echo(str(config_path()))
