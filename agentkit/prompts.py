"""Prompt templates: jinja2, sandboxed, StrictUndefined, overridable per file.

A user directory given by `--prompts DIR` (or `prompts_dir` in config) is searched
before the bundled `prompts/`, so overriding one template leaves the others intact.
The same goes for the worked answers in `answer_examples.yaml` and the demonstrations
in `demonstrations.yaml`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from agentkit.errors import ConfigError
from agentkit.resources import prompts_dir

__all__ = ["TEMPLATES", "AnswerExample", "PromptRenderer"]

TEMPLATES = ("system", "plan", "step", "call", "observation", "memory", "replan", "answer")
E = TypeVar("E", bound=BaseModel)


class PromptRenderer:
    def __init__(self, override_dir: Path | None = None) -> None:
        from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
        from jinja2.sandbox import SandboxedEnvironment

        self.dirs = [prompts_dir()]
        if override_dir is not None:
            if not override_dir.is_dir():
                raise ConfigError(f"prompts directory not found: {override_dir}; fix --prompts")
            self.dirs.insert(0, override_dir)
        self.env = SandboxedEnvironment(
            loader=ChoiceLoader([FileSystemLoader(str(d)) for d in self.dirs]),
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

    def answer_examples(self) -> list[AnswerExample]:
        return self._examples("answer", AnswerExample)

    def _examples(self, kind: str, shape: type[E]) -> list[E]:
        """Worked examples from `{kind}_examples.yaml` in the first prompts directory that
        has the file."""
        import yaml
        from pydantic import TypeAdapter, ValidationError

        name = f"{kind}_examples.yaml"
        path = next(d / name for d in self.dirs if (d / name).is_file())
        problem = f"{path} is not a valid list of {kind} examples"
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            return TypeAdapter(list[shape]).validate_python(raw or [])  # type: ignore[valid-type]
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise ConfigError(f"{problem}: at {where}: {error['msg']}") from exc
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{problem}: {str(exc).splitlines()[0]}") from exc


class ExampleResult(BaseModel):
    tool: str
    text: str


class ExampleStep(BaseModel):
    title: str
    result: str


class AnswerExample(BaseModel):
    """One worked final answer: a goal, its step results and tool results, and the reply
    to learn from."""

    goal: str
    steps: list[ExampleStep] = []
    results: list[ExampleResult] = []
    answer: str
    citations: list[str]
