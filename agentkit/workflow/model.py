"""The schema of a workflow file, as pydantic models.

Everything a file can get wrong is caught here, before any step runs: unknown keys,
missing fields, duplicate or unknown step ids, template syntax and unbounded output
schemas. The loader maps each error's location back to a line of the YAML file.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

__all__ = ["AgentStep", "Input", "PromptStep", "Step", "ToolStep", "Workflow", "step_kind"]

_ID = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
# `steps.<id>` and `steps['<id>']` references, checked against the ids defined earlier.
_REF = re.compile(r"\bsteps\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")


def _check_template(text: str) -> str:
    from agentkit.workflow.templates import check_syntax

    check_syntax(text)
    return text


def _check_expression(text: str) -> str:
    from agentkit.workflow.templates import check_expression

    check_expression(text)
    return text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Input(_Strict):
    """A typed input; without a default it must be given with --var."""

    type: Literal["string", "integer", "number", "boolean", "list"] = "string"
    default: Any = None
    description: str = ""


class _StepBase(_Strict):
    id: Annotated[str | None, Field(pattern=_ID)] = None
    name: str | None = None
    when: str | None = None
    foreach: str | None = None
    on_error: Literal["stop", "continue"] = "stop"

    _expr = field_validator("when", "foreach")(
        lambda v: None if v is None else _check_expression(v)
    )

    def templates(self) -> list[str]:
        """Every template text in this step, for reference checking."""
        return [t for t in (self.when, self.foreach) if t]


class ToolStep(_StepBase):
    """Call a named tool directly; string arguments are templates."""

    tool: Annotated[str, Field(pattern=_ID)]
    args: dict[str, Any] = Field(default_factory=dict)

    @field_validator("args")
    @classmethod
    def _args(cls, value: dict[str, Any]) -> dict[str, Any]:
        for text in _strings(value):
            _check_template(text)
        return value

    def templates(self) -> list[str]:
        return [*super().templates(), *_strings(self.args)]


class PromptStep(_StepBase):
    """One model generation: free text, or JSON constrained by `output_schema`."""

    prompt: str
    system: str | None = None
    output_schema: dict[str, Any] | None = None
    max_tokens: Annotated[int, Field(ge=1, le=4096)] = 256

    _tpl = field_validator("prompt", "system")(lambda v: None if v is None else _check_template(v))

    @field_validator("output_schema")
    @classmethod
    def _bounded(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        import jsonschema

        from agentkit.errors import SchemaError
        from agentkit.llm.structured import check_bounded

        try:
            jsonschema.Draft202012Validator.check_schema(value)
            check_bounded(value)
        except jsonschema.SchemaError as exc:
            raise ValueError(f"not a valid JSON schema: {exc.message}") from None
        except SchemaError as exc:
            raise ValueError(str(exc)) from None
        return value

    def templates(self) -> list[str]:
        return [*super().templates(), self.prompt, *([self.system] if self.system else [])]


class AgentStep(_StepBase):
    """A sub-goal for the planner loop, with its own budgets and tool subset."""

    agent: str
    tools: list[Annotated[str, Field(pattern=_ID)]] | None = None
    max_steps: Annotated[int, Field(ge=1, le=100)] | None = None
    max_time: Annotated[float, Field(gt=0)] | None = None
    max_tokens: Annotated[int, Field(ge=256)] | None = None

    _tpl = field_validator("agent")(_check_template)

    def templates(self) -> list[str]:
        return [*super().templates(), self.agent]


def step_kind(data: Any) -> str | None:
    """Which step type a raw mapping is, by its one key among tool/prompt/agent."""
    if isinstance(data, BaseModel):
        return {ToolStep: "tool", PromptStep: "prompt", AgentStep: "agent"}.get(type(data))
    if not isinstance(data, dict):
        return None
    kinds = [k for k in ("tool", "prompt", "agent") if k in data]
    return kinds[0] if len(kinds) == 1 else None


Step = Annotated[
    Annotated[ToolStep, Tag("tool")]
    | Annotated[PromptStep, Tag("prompt")]
    | Annotated[AgentStep, Tag("agent")],
    Discriminator(
        step_kind,
        custom_error_type="step_kind",
        custom_error_message="a step needs exactly one of the keys tool, prompt or agent",
    ),
]


class Workflow(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    description: str = ""
    plugins: list[str] = Field(
        default_factory=list, description="tool files, relative to this file"
    )
    inputs: dict[Annotated[str, Field(pattern=_ID)], Input] = Field(default_factory=dict)
    steps: Annotated[list[Step], Field(min_length=1)]
    outputs: dict[Annotated[str, Field(pattern=_ID)], Any] = Field(default_factory=dict)

    @field_validator("outputs")
    @classmethod
    def _outputs(cls, value: dict[str, Any]) -> dict[str, Any]:
        for text in _strings(value):
            _check_template(text)
        return value

    @model_validator(mode="after")
    def _ids(self) -> Workflow:
        seen: set[str] = set()
        for index, step in enumerate(self.steps):
            for text in step.templates():
                _check_refs(text, seen, f"steps.{index}")
            if step.id is not None:
                if step.id in seen:
                    raise ValueError(f"steps.{index}.id: duplicate step id {step.id!r}")
                seen.add(step.id)
        for key, text in self.outputs.items():
            for piece in _strings(text):
                _check_refs(piece, seen, f"outputs.{key}")
        return self


def _check_refs(text: str, known: set[str], where: str) -> None:
    for match in _REF.finditer(text):
        ref = match.group(1) or match.group(2)
        if ref not in known:
            hint = f"; earlier ids: {', '.join(sorted(known))}" if known else ""
            raise ValueError(
                f"{where}: refers to steps.{ref}, which is not an earlier step id{hint}"
            )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
