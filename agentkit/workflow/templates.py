"""Jinja2 templates of workflow files: sandboxed, strict, and typed where it matters.

A string that is exactly one `{{ expression }}` evaluates to the expression's value
(a list stays a list, a number a number), so `foreach:` and tool arguments can pass
data between steps; any other string renders to text. Undefined names are errors,
never empty strings, so a typo in `steps.x.output` fails loudly.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import TYPE_CHECKING, Any

from agentkit.errors import WorkflowError

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

__all__ = ["check_expression", "check_syntax", "evaluate", "render"]

_SINGLE = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\{\{|\}\}).)*)\}\}\s*$", re.DOTALL)


def _lines(text: Any) -> list[str]:
    return [line.strip() for line in str(text).splitlines() if line.strip()]


def _findall(text: Any, pattern: str) -> list[Any]:
    return re.findall(pattern, str(text), flags=re.MULTILINE)


def _fromjson(text: Any) -> Any:
    return json.loads(str(text))


@cache
def _env() -> SandboxedEnvironment:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters.update(lines=_lines, regex_findall=_findall, fromjson=_fromjson)
    return env


def _expression_of(text: str) -> str:
    match = _SINGLE.match(text)
    return match.group("expr") if match else text


def check_syntax(text: str) -> None:
    """Raise ValueError (for pydantic) if `text` is not a valid template."""
    from jinja2 import TemplateSyntaxError

    try:
        _env().parse(text)
    except TemplateSyntaxError as exc:
        raise ValueError(f"template error: {exc.message}") from None


def check_expression(text: str) -> None:
    from jinja2 import TemplateSyntaxError

    try:
        _env().compile_expression(_expression_of(text))
    except TemplateSyntaxError as exc:
        raise ValueError(f"expression error: {exc.message}") from None


def evaluate(text: str, context: dict[str, Any]) -> Any:
    """The value of an expression, given bare (`x > 1`) or braced (`{{ x > 1 }}`)."""

    def run() -> Any:
        from jinja2 import Undefined

        value = _env().compile_expression(_expression_of(text), undefined_to_none=False)(**context)
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()  # a bare undefined name is an error too
        return value

    return _guard(run, text)


def render(value: Any, context: dict[str, Any]) -> Any:
    """Render every string in `value` (recursively through dicts and lists)."""
    if isinstance(value, str):
        if _SINGLE.match(value):
            return evaluate(value, context)
        return _guard(lambda: _env().from_string(value).render(**context), value)
    if isinstance(value, dict):
        return {k: render(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, context) for v in value]
    return value


def _guard(fn: Any, text: str) -> Any:
    from jinja2 import TemplateError

    try:
        return fn()
    except TemplateError as exc:
        raise WorkflowError(f"template {_short(text)!r}: {exc}") from exc
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        raise WorkflowError(f"template {_short(text)!r}: {type(exc).__name__}: {exc}") from exc


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 80 else flat[:79] + "…"
