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

__all__ = ["MAX_COUNTED_REPETITION", "check_grammar", "schema_to_gbnf"]

_lock = threading.Lock()  # the converter's repetition helper is swapped module-wide
# llama.cpp refuses larger counted repetitions; longer limits are enforced by schema
# validation after generation, and the call's token budget bounds the output.
MAX_COUNTED_REPETITION = 1000


def _repetition(
    item_rule: str,
    min_items: int,
    max_items: int | None,
    separator_rule: str | None = None,
    item_rule_is_literal: bool = False,
) -> str:
    if max_items == 0:
        return ""
    if max_items is not None and max_items > MAX_COUNTED_REPETITION:
        max_items = None
    upper = "" if max_items is None else str(max_items)
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


def check_grammar(grammar: str, vocab: Any) -> None:
    """Parse `grammar` with llama.cpp now, so a bad one is a SchemaError, not a crash later."""
    import llama_cpp

    sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode(), b"root")
    if not sampler:
        raise SchemaError("llama.cpp rejected the grammar built from this schema; simplify it")
    llama_cpp.llama_sampler_free(sampler)
