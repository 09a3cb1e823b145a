"""Strings that match a regular expression, for `SchemaModel`'s `pattern` strings.

The pattern is parsed with the standard library's own regex parser and walked: a
literal is copied, a class gives its first (or a random) member, a repeat its minimum
(or a random count), an alternation its first (or a random) branch. Lookarounds and
conditional groups are refused with `UnsupportedSchemaError`, never guessed.
"""

from __future__ import annotations

import importlib
import random
import re
import string
from typing import Any

from agentkit.errors import AgentkitError

__all__ = ["UnsupportedSchemaError", "string_matching"]

# The stdlib regex parser and its opcodes (re._parser, stable since 3.11; the public
# sre_parse alias is deprecated). Untyped, hence Any.
sre_parse: Any = importlib.import_module("re._parser")
sre: Any = importlib.import_module("re._constants")

_EXTRA_REPEATS = 3  # a random repeat goes at most this far past its minimum
_ALPHABET = string.ascii_lowercase + string.digits + " -_."
_CATEGORY = {
    sre.CATEGORY_DIGIT: "0123456789",
    sre.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    sre.CATEGORY_SPACE: " ",
    sre.CATEGORY_NOT_DIGIT: string.ascii_lowercase,
    sre.CATEGORY_NOT_WORD: " -.",
    sre.CATEGORY_NOT_SPACE: string.ascii_lowercase,
}


class UnsupportedSchemaError(AgentkitError):
    """A schema (or one of its patterns) that SchemaModel cannot make an instance of."""


def string_matching(pattern: str, rng: random.Random | None = None) -> str:
    """A string that `re.search(pattern, s)` matches: the shortest simple one, or random."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        raise UnsupportedSchemaError(f"invalid pattern {pattern!r}: {exc}") from exc
    groups: dict[int, str] = {}
    text = _emit(list(parsed), rng, groups, pattern)
    if re.search(pattern, text) is None:  # a construct this walker does not model faithfully
        raise UnsupportedSchemaError(f"cannot generate a string matching {pattern!r}")
    return text


def _emit(items: list[Any], rng: random.Random | None, groups: dict[int, str], src: str) -> str:
    return "".join(_one(op, av, rng, groups, src) for op, av in items)


def _one(op: Any, av: Any, rng: random.Random | None, groups: dict[int, str], src: str) -> str:
    if op is sre.LITERAL:
        return chr(av)
    if op is sre.NOT_LITERAL:
        return next(c for c in _ALPHABET if ord(c) != av)
    if op is sre.ANY:
        return rng.choice(string.ascii_lowercase) if rng else "a"
    if op is sre.IN:
        return _from_class(av, rng, src)
    if op is sre.AT:
        return ""  # anchors consume nothing
    if op is sre.SUBPATTERN:
        group, _add, _del, body = av
        text = _emit(list(body), rng, groups, src)
        if group is not None:
            groups[group] = text
        return text
    if op is sre.BRANCH:
        branches = av[1]
        chosen = rng.choice(branches) if rng else branches[0]
        return _emit(list(chosen), rng, groups, src)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, high, body = av
        high = low + _EXTRA_REPEATS if high is sre.MAXREPEAT else high
        count = rng.randint(low, min(high, low + _EXTRA_REPEATS)) if rng else low
        return "".join(_emit(list(body), rng, groups, src) for _ in range(count))
    if op is sre.GROUPREF:
        return groups.get(av, "")
    if op is sre.ATOMIC_GROUP:
        return _emit(list(av), rng, groups, src)
    raise UnsupportedSchemaError(f"pattern {src!r} uses {op} (lookarounds are not supported)")


def _from_class(items: list[Any], rng: random.Random | None, src: str) -> str:
    members: list[str] = []
    negate = False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            members.append(chr(av))
        elif op is sre.RANGE:
            low, high = av
            members.extend(chr(c) for c in range(low, min(high, low + 94) + 1))
        elif op is sre.CATEGORY:
            members.extend(_CATEGORY.get(av, ""))
        else:
            raise UnsupportedSchemaError(f"pattern {src!r}: unsupported class item {op}")
    if negate:
        members = [c for c in _ALPHABET if c not in set(members)]
    if not members:
        raise UnsupportedSchemaError(f"pattern {src!r} has a character class nothing matches")
    return rng.choice(members) if rng else members[0]
