"""agentkit.decision.grounded_calls: a further call in one decision must take its values
from the request; the first call is the model's choice and always stays."""

from __future__ import annotations

from typing import Any

from agentkit.decision import ToolCall, grounded_calls

REQUEST = "Find the area of a triangle with a base of 10 units and height of 5.5 units, in CM."


def calls(*arguments: dict[str, Any]) -> list[ToolCall]:
    return [ToolCall(tool="area", arguments=a) for a in arguments]


def test_the_first_call_stays_even_when_nothing_in_it_is_grounded() -> None:
    made = calls({"base": 99})
    assert grounded_calls(made, REQUEST) == made


def test_a_further_call_with_a_made_up_number_is_dropped() -> None:
    made = calls({"base": 10, "height": 5.5}, {"base": 7, "height": 5.5})
    assert grounded_calls(made, REQUEST) == made[:1]


def test_values_match_across_case_spacing_and_integral_floats() -> None:
    made = calls({"base": 10}, {"base": 10.0, "unit": "cm", "shape": " TRIANGLE "})
    assert grounded_calls(made, REQUEST) == made


def test_nested_values_count_and_booleans_and_empty_strings_carry_no_evidence() -> None:
    made = calls(
        {"base": 10},
        {"sides": [10, {"h": 5.5}], "exact": True, "note": ""},
        {"sides": [10, {"h": 6}]},
    )
    assert grounded_calls(made, REQUEST) == made[:2]
