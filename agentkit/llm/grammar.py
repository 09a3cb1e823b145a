"""JSON schema → GBNF grammar for llama.cpp, with compact bounded repetition.

llama-cpp-python's converter spells `maxLength: 2000` as 2000 nested optional groups,
which llama.cpp's parser cannot take (it crashes the process) and which is slow to
sample. GBNF has a native `x{m,n}` operator, so repetitions are written with it.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from agentkit.errors import SchemaError
from agentkit.llm.base import JsonSchema

__all__ = ["schema_to_gbnf"]

_lock = threading.Lock()  # the converter's repetition helper is swapped module-wide


def _repetition(
    item_rule: str,
    min_items: int,
    max_items: int | None,
    separator_rule: str | None = None,
    item_rule_is_literal: bool = False,
) -> str:
    upper = "" if max_items is None else str(max_items)
    if max_items == 0:
        return ""
    if not separator_rule:
        if (min_items, max_items) == (0, 1):
            return f"({item_rule})?"
        return f"({item_rule}){{{min_items},{upper}}}"
    rest_upper = "" if max_items is None else str(max_items - 1)
    body = f"{item_rule} ({separator_rule} {item_rule}){{{max(min_items - 1, 0)},{rest_upper}}}"
    return f"({body})" if min_items > 0 else f"({body})?"


def schema_to_gbnf(schema: JsonSchema) -> str:
    """The GBNF text for `schema`; SchemaError if the converter cannot express it."""
    import llama_cpp.llama_grammar as converter

    module: Any = converter
    with _lock:
        original = module._build_repetition
        module._build_repetition = _repetition
        try:
            grammar: str = module.json_schema_to_gbnf(json.dumps(schema))
        except (ValueError, KeyError, TypeError, NotImplementedError, RecursionError) as exc:
            raise SchemaError(f"cannot build a grammar from this schema: {exc}") from exc
        finally:
            module._build_repetition = original
    return grammar
