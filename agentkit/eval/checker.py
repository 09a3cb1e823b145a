"""Scoring calls the way BFCL's AST checker does.

Per call: the function name matches exactly; every required parameter is present;
no parameter appears that the answer lacks; values have the documented type (an int
is accepted for a float); strings compare after removing spaces and `,./-_*^`,
lowercasing and reading `'` as `"`; lists compare in order; `""` among an answer's
values means the parameter may be omitted. Per item: single-call categories need
exactly one call, parallel ones the answer's number of calls matched one-to-one in
any order, irrelevance no call at all. Pairing uses a full matching, not BFCL's greedy
first fit, so a call accepted by two answers cannot cause a false negative.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agentkit.eval.bfcl import Kind

__all__ = ["Call", "Verdict", "check_call", "check_item", "normalize"]

_STRIP = re.compile(r"[ ,./\-_*^]")


@dataclass(frozen=True)
class Call:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    correct: bool
    reason: str = ""


def normalize(text: str) -> str:
    return _STRIP.sub("", text).lower().replace("'", '"')


def _typed(value: Any, doc: dict[str, Any]) -> bool:
    """Whether `value` has the BFCL type `doc` declares, element-wise for lists."""
    kind = doc.get("type", "any")
    if kind == "any":
        return True
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False  # a bool is never an integer or a float here
    if kind == "integer":
        return isinstance(value, int)
    if kind == "float":
        return isinstance(value, int | float)
    if kind == "string":
        return isinstance(value, str)
    if kind == "dict":
        return isinstance(value, dict)
    if kind in {"array", "tuple"}:
        items = doc.get("items")
        return isinstance(value, list) and (items is None or all(_typed(v, items) for v in value))
    return True


def _variable(value: Any, accepted: Sequence[Any]) -> bool:
    """A string where the answer also has one: BFCL lets a variable name stand for a value."""
    return isinstance(value, str) and any(isinstance(a, str) and a != "" for a in accepted)


def _equal(value: Any, answer: Any) -> bool:
    if isinstance(answer, dict):
        return isinstance(value, dict) and _dict_matches(value, answer)
    if isinstance(answer, list):
        return (
            isinstance(value, list)
            and len(value) == len(answer)
            and all(_equal(v, a) for v, a in zip(value, answer, strict=True))
        )
    if isinstance(answer, str):
        return isinstance(value, str) and normalize(value) == normalize(answer)
    if isinstance(answer, bool) or isinstance(value, bool):
        return value is answer
    if isinstance(value, int | float) and isinstance(answer, int | float):
        return float(value) == float(answer)
    return bool(value == answer)


def _dict_matches(value: dict[str, Any], answer: dict[str, Any]) -> bool:
    """A dict inside an answer maps each key to its accepted values, like parameters do."""
    if any(key not in answer for key in value):
        return False
    for key, accepted in answer.items():
        if key not in value:
            if "" not in accepted:
                return False
        elif not any(_equal(value[key], a) for a in accepted if a != "" or value[key] == ""):
            return False
    return True


def check_call(function: dict[str, Any], call: Call, answer: dict[str, list[Any]]) -> str:
    """Why `call` does not match `answer` for `function` (BFCL doc), or "" when it does."""
    if call.name != function["name"]:
        return f"wrong function {call.name!r}, expected {function['name']!r}"
    params: dict[str, Any] = function["parameters"].get("properties", {})
    for name in function["parameters"].get("required", []):
        if name not in call.arguments:
            return f"missing required parameter {name!r}"
    for name, value in call.arguments.items():
        if name not in params or name not in answer:
            return f"unexpected parameter {name!r}"
        accepted = answer[name]
        if not (_typed(value, params[name]) or _variable(value, accepted)):
            return f"parameter {name!r} has the wrong type"
        if not any(_equal(value, a) for a in accepted if a != "" or value == ""):
            return f"parameter {name!r}={value!r} is not an accepted value"
    for name, accepted in answer.items():
        if name not in call.arguments and "" not in accepted:
            return f"missing parameter {name!r}"
    return ""


def _function(functions: Sequence[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((f for f in functions if f["name"] == name), None)


def check_item(
    kind: Kind,
    functions: Sequence[dict[str, Any]],
    calls: Sequence[Call],
    answers: Sequence[dict[str, dict[str, list[Any]]]],
) -> Verdict:
    """Score one item's calls against its possible answers."""
    if kind == "none":
        return Verdict(not calls, f"made {len(calls)} call(s), expected none" if calls else "")
    if kind == "single" and len(answers) != 1:
        raise ValueError("a single-call item needs exactly one possible answer")
    if len(calls) != len(answers):
        return Verdict(False, f"made {len(calls)} call(s), expected {len(answers)}")
    reasons: list[list[str]] = []  # reasons[answer][call], "" where they match
    for answer in answers:
        [(name, params)] = answer.items()
        function = _function(functions, name)
        if function is None:
            raise ValueError(f"possible answer names {name!r}, which the item does not offer")
        reasons.append([check_call(function, call, params) for call in calls])
    for row in reasons:
        if all(row):
            return Verdict(False, row[0] if len(row) == 1 else "no call matches an answer")
    if not _pairs_up(reasons):
        return Verdict(False, "calls cannot be paired one-to-one with the answers")
    return Verdict(True)


def _pairs_up(reasons: list[list[str]]) -> bool:
    """A perfect matching of answers to calls (augmenting paths; n is at most a few)."""
    owner: dict[int, int] = {}  # call -> answer

    def assign(answer: int, seen: set[int]) -> bool:
        for call, reason in enumerate(reasons[answer]):
            if not reason and call not in seen:
                seen.add(call)
                if call not in owner or assign(owner[call], seen):
                    owner[call] = answer
                    return True
        return False

    return all(assign(answer, set()) for answer in range(len(reasons)))
