"""Running BFCL items through a `Model`, constrained or with the plain text baseline."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel

from agentkit.decision import CallTools, decision_schema, grounded_calls, parse_decision
from agentkit.errors import EmptyOutputError, SchemaError
from agentkit.eval.bfcl import Item, parameters_schema, tools_of
from agentkit.eval.checker import Call, check_item
from agentkit.eval.parse import NotCalls, parse_calls
from agentkit.eval.prompts import baseline_messages, decision_messages
from agentkit.eval.relevance import relevant_functions
from agentkit.llm.base import Model, Usage
from agentkit.llm.structured import generate, validate_json
from agentkit.policy.aids.routing import TextEmbedder

__all__ = ["CategoryScore", "EvalReport", "ItemResult", "Mode", "run_eval", "run_item"]

Mode = Literal["constrained", "baseline"]
MAX_CALLS = 8  # the most calls any public BFCL answer needs; the same for every category
# Room for MAX_CALLS calls with long string arguments: at 768, three of 250 items were cut
# off mid-call (the model writing the same long call up to eight times) and scored invalid.
DECISION_TOKENS = 2048
DECLINE_CHARS = 120  # a decline only says why no function fits
BASELINE_TOKENS = 384


class ItemResult(BaseModel):
    id: str
    category: str
    correct: bool
    invalid: bool  # output that is not a well-formed decision (or, baseline, readable calls)
    reason: str  # why it is wrong or invalid; "" when correct
    calls: list[dict[str, Any]]
    output: str
    usage: Usage


class CategoryScore(BaseModel):
    category: str
    total: int
    correct: int
    accuracy: float
    invalid: int


class EvalReport(BaseModel):
    mode: Mode
    model: str
    max_calls: int
    total: int
    correct: int
    accuracy: float  # over all items
    macro_accuracy: float  # mean of the category accuracies, as BFCL's summary does
    invalid: int
    tokens_per_second: float  # completion tokens / model seconds, over all items
    usage: Usage
    categories: list[CategoryScore]
    items: list[ItemResult]


def _schema_problem(call: Call, item: Item) -> str:
    """Baseline only: why a parsed call is not a valid call of an offered function."""
    function = next((f for f in item.functions if f["name"] == call.name), None)
    if function is None:
        return f"calls unknown function {call.name!r}"
    schema = parameters_schema(function["parameters"], bounded=False)
    try:
        validate_json(json.dumps(call.arguments), schema)
    except SchemaError as exc:
        return f"arguments of {call.name}: {exc}"
    return ""


def _constrained(
    model: Model, item: Item, max_calls: int, embedder: TextEmbedder | None, grounding: bool
) -> tuple[list[Call], str, str, Usage]:
    tools = tools_of(item.functions)
    if embedder is not None:
        tools = relevant_functions(item.request, tools, embedder)
    if tools:
        schema = decision_schema(tools, actions=("call", "final"), max_calls=max_calls)
    else:  # nothing fits: the decision can only decline
        schema = decision_schema([], actions=("final",), text_limit=DECLINE_CHARS)
    value, completion = generate(model, decision_messages(item), schema, max_tokens=DECISION_TOKENS)
    decision = parse_decision(value)
    made = decision.calls if isinstance(decision, CallTools) else []
    if grounding:
        made = grounded_calls(made, item.request)
    return [Call(c.tool, c.arguments) for c in made], completion.text, "", completion.usage


def _baseline(model: Model, item: Item) -> tuple[list[Call], str, str, Usage]:
    completion = model.complete(baseline_messages(item), max_tokens=BASELINE_TOKENS)
    try:
        calls = parse_calls(completion.text)
    except NotCalls as exc:  # BFCL scores unreadable output as "no call"
        return [], completion.text, f"unreadable calls: {exc}", completion.usage
    problems = [p for p in (_schema_problem(c, item) for c in calls) if p]
    return calls, completion.text, problems[0] if problems else "", completion.usage


def run_item(
    model: Model,
    item: Item,
    mode: Mode = "constrained",
    max_calls: int = MAX_CALLS,
    embedder: TextEmbedder | None = None,
    grounding: bool = True,
) -> ItemResult:
    """`embedder`: apply the relevance gate (agentkit.eval.relevance) in constrained mode;
    `grounding`: keep a further call only when its values come from the request
    (agentkit.decision.grounded_calls)."""
    try:
        if mode == "constrained":
            calls, output, problem, usage = _constrained(
                model, item, max_calls, embedder, grounding
            )
        else:
            calls, output, problem, usage = _baseline(model, item)
    except (SchemaError, EmptyOutputError) as exc:  # the model's fault: invalid, scored as no call
        calls, output, problem, usage = [], "", str(exc), Usage()
    verdict = check_item(item.kind, item.functions, calls, item.answers)
    return ItemResult(
        id=item.id,
        category=item.category,
        correct=verdict.correct,
        invalid=bool(problem),
        reason=problem or verdict.reason,
        calls=[{"name": c.name, "arguments": c.arguments} for c in calls],
        output=output,
        usage=usage,
    )


def _score(category: str, results: Sequence[ItemResult]) -> CategoryScore:
    correct = sum(r.correct for r in results)
    return CategoryScore(
        category=category,
        total=len(results),
        correct=correct,
        accuracy=correct / len(results) if results else 0.0,
        invalid=sum(r.invalid for r in results),
    )


def run_eval(
    model: Model,
    items: Sequence[Item],
    *,
    mode: Mode = "constrained",
    max_calls: int = MAX_CALLS,
    progress: Callable[[int, ItemResult], None] | None = None,
    embedder: TextEmbedder | None = None,
    grounding: bool = True,
) -> EvalReport:
    results: list[ItemResult] = []
    for index, item in enumerate(items):
        results.append(run_item(model, item, mode, max_calls, embedder, grounding))
        if progress is not None:
            progress(index, results[-1])
    categories = list(dict.fromkeys(r.category for r in results))
    scores = [_score(c, [r for r in results if r.category == c]) for c in categories]
    usage = sum((r.usage for r in results), Usage())
    overall = _score("overall", results)
    return EvalReport(
        mode=mode,
        model=model.name,
        max_calls=max_calls,
        total=overall.total,
        correct=overall.correct,
        accuracy=overall.accuracy,
        macro_accuracy=sum(s.accuracy for s in scores) / len(scores) if scores else 0.0,
        invalid=overall.invalid,
        tokens_per_second=usage.tokens_per_second,
        usage=usage,
        categories=scores,
        items=results,
    )
