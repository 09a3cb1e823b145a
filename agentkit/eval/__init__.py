"""Benchmarks of tool calling: BFCL data through agentkit's own decision path."""

from agentkit.eval.bfcl import CATEGORIES, Item, load_items
from agentkit.eval.checker import Call, check_item
from agentkit.eval.runner import CategoryScore, EvalReport, ItemResult, run_eval

__all__ = [
    "CATEGORIES",
    "Call",
    "CategoryScore",
    "EvalReport",
    "Item",
    "ItemResult",
    "check_item",
    "load_items",
    "run_eval",
]
