"""Prompt templates: jinja2, sandboxed, StrictUndefined, overridable per file.

A user directory given by `--prompts DIR` (or `prompts_dir` in config) is searched
before the bundled `prompts/`, so overriding one template leaves the others intact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentkit.errors import ConfigError
from agentkit.resources import prompts_dir

__all__ = ["TEMPLATES", "PromptRenderer"]

TEMPLATES = ("system", "plan", "step", "call", "observation", "memory", "replan", "answer")


class PromptRenderer:
    def __init__(self, override_dir: Path | None = None) -> None:
        from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
        from jinja2.sandbox import SandboxedEnvironment

        dirs = [prompts_dir()]
        if override_dir is not None:
            if not override_dir.is_dir():
                raise ConfigError(f"prompts directory not found: {override_dir}; fix --prompts")
            dirs.insert(0, override_dir)
        self.env = SandboxedEnvironment(
            loader=ChoiceLoader([FileSystemLoader(str(d)) for d in dirs]),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )

    def render(self, name: str, **context: Any) -> str:
        from jinja2 import TemplateError

        try:
            return self.env.get_template(f"{name}.j2").render(**context).strip()
        except TemplateError as exc:
            raise ConfigError(f"prompt template {name}.j2 failed to render: {exc}") from exc
