"""Reading calls out of free text, for the unconstrained `--baseline-prompt` mode.

Accepted shapes: BFCL's Python list `[f(a=1), g.h(b="x")]` (a bare `f(a=1)` too), or
JSON: `{"name": ..., "arguments": ...}`, `{"tool": ..., "arguments": ...}`,
`{"f": {"a": 1}}`, a list of those, or agentkit's `{"calls": [...]}`.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from agentkit.eval.checker import Call

__all__ = ["NotCalls", "parse_calls"]

_FENCE = re.compile(r"```[a-zA-Z]*\n?|```")
# Not plain words: it opens with `[` or `{`, holds code (a fence) or anything like `name(`.
_NOT_PROSE = re.compile(r"^\s*[\[{]|```|[A-Za-z_][\w.]*\(")


class NotCalls(ValueError):
    """The text tries to make calls but they cannot be read."""


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    raise NotCalls("a call target is not a dotted name")


def _python_calls(text: str) -> list[Call]:
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise NotCalls(f"not Python syntax: {exc.msg}") from exc
    nodes = tree.elts if isinstance(tree, ast.List | ast.Tuple) else [tree]
    calls = []
    for node in nodes:
        if not isinstance(node, ast.Call):
            raise NotCalls("a list element is not a call")
        if node.args or any(k.arg is None for k in node.keywords):
            raise NotCalls("positional arguments cannot be matched to parameters")
        try:
            args = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
        except ValueError as exc:
            raise NotCalls("an argument is not a literal value") from exc
        calls.append(Call(_name(node.func), _listify(args)))
    return calls


def _listify(value: Any) -> Any:
    """Python tuples become lists, as they would in JSON."""
    if isinstance(value, tuple | list):
        return [_listify(v) for v in value]
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    return value


def _json_call(obj: Any) -> Call:
    if not isinstance(obj, dict):
        raise NotCalls("a JSON call is not an object")
    name = obj.get("name", obj.get("tool", obj.get("function")))
    args = obj.get("arguments", obj.get("parameters", obj.get("args")))
    if isinstance(name, str) and isinstance(args, dict):
        return Call(name, args)
    if len(obj) == 1:
        [(key, value)] = obj.items()
        if isinstance(value, dict):
            return Call(key, value)
    raise NotCalls("a JSON object is not a call")


def _json_calls(text: str) -> list[Call]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotCalls(f"not JSON: {exc.msg}") from exc
    if isinstance(data, dict) and isinstance(data.get("calls"), list):
        data = data["calls"]
    return [_json_call(obj) for obj in (data if isinstance(data, list) else [data])]


def parse_calls(text: str) -> list[Call]:
    """The calls in `text`; [] for plain words (a refusal); NotCalls for anything else.

    The baseline prompt asks for calls only, or plain words when no function fits, so code
    or call-like text that cannot be read as calls is an invalid output.
    """
    if not _NOT_PROSE.search(text):
        return []
    body = _FENCE.sub("", text).strip()
    errors = []
    for parse in (_json_calls, _python_calls):
        try:
            return parse(body)
        except NotCalls as exc:
            errors.append(str(exc))
    start, end = body.find("["), body.rfind("]")  # calls embedded in prose
    if 0 <= start < end:
        try:
            return _python_calls(body[start : end + 1])
        except NotCalls as exc:
            errors.append(str(exc))
    raise NotCalls(errors[-1])
