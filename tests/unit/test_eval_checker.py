"""BFCL AST checker rules, one by one, on hand-made calls."""

from __future__ import annotations

from typing import Any

import pytest

from agentkit.eval.checker import Call, check_call, check_item, normalize

AREA = {
    "name": "area",
    "parameters": {
        "type": "dict",
        "properties": {
            "base": {"type": "integer"},
            "height": {"type": "float"},
            "unit": {"type": "string"},
            "sides": {"type": "array", "items": {"type": "integer"}},
            "exact": {"type": "boolean"},
        },
        "required": ["base", "height"],
    },
}
ANSWER: dict[str, list[Any]] = {
    "base": [10],
    "height": [5.0],
    "unit": ["square meters", ""],
    "sides": [[1, 2, 3], ""],
    "exact": ["", True],
}


def ok(args: dict[str, Any], answer: dict[str, list[Any]] = ANSWER) -> str:
    return check_call(AREA, Call("area", args), answer)


def test_exact_match_is_correct() -> None:
    assert ok({"base": 10, "height": 5.0, "unit": "square meters"}) == ""


def test_function_name_must_match_exactly() -> None:
    assert "wrong function" in check_call(AREA, Call("Area", {"base": 10, "height": 5}), ANSWER)


def test_required_parameter_must_be_present() -> None:
    assert "missing required" in ok({"base": 10})


def test_parameter_absent_from_answer_is_rejected() -> None:
    answer = {k: v for k, v in ANSWER.items() if k != "exact"}
    assert "unexpected parameter 'exact'" in ok({"base": 10, "height": 5, "exact": True}, answer)


def test_parameter_unknown_to_function_is_rejected() -> None:
    assert "unexpected parameter 'colour'" in ok({"base": 10, "height": 5, "colour": "red"})


def test_int_is_accepted_for_float() -> None:
    assert ok({"base": 10, "height": 5}) == ""


def test_float_is_not_accepted_for_integer() -> None:
    assert "wrong type" in ok({"base": 10.0, "height": 5})


def test_bool_is_not_a_number() -> None:
    assert "wrong type" in ok({"base": True, "height": 5})


def test_wrong_value_is_rejected() -> None:
    assert "not an accepted value" in ok({"base": 11, "height": 5})


@pytest.mark.parametrize(
    "unit", ["Square Meters", "square-meters", "square_meters.", "SQUARE*METERS"]
)
def test_strings_compare_normalized(unit: str) -> None:
    assert ok({"base": 10, "height": 5, "unit": unit}) == ""


def test_normalize_strips_punctuation_and_reads_single_quotes_as_double() -> None:
    assert normalize("It's A-b_c, d/e.f*g^h") == 'it"sabcdefgh'
    assert normalize("'x'") == normalize('"x"')


def test_string_with_other_words_is_rejected() -> None:
    assert "not an accepted value" in ok({"base": 10, "height": 5, "unit": "square feet"})


def test_lists_compare_in_order() -> None:
    assert ok({"base": 10, "height": 5, "sides": [1, 2, 3]}) == ""
    assert "not an accepted value" in ok({"base": 10, "height": 5, "sides": [3, 2, 1]})
    assert "not an accepted value" in ok({"base": 10, "height": 5, "sides": [1, 2]})


def test_list_elements_are_type_checked() -> None:
    assert "wrong type" in ok({"base": 10, "height": 5, "sides": [1, "2", 3]})


def test_empty_string_in_answer_means_optional() -> None:
    assert ok({"base": 10, "height": 5}) == ""


def test_answer_parameter_without_empty_string_must_be_given() -> None:
    answer = {**ANSWER, "unit": ["square meters"]}
    assert "missing parameter 'unit'" in ok({"base": 10, "height": 5}, answer)


def test_optional_value_must_still_be_accepted_when_given() -> None:
    assert "not an accepted value" in ok({"base": 10, "height": 5, "exact": False})


def test_variable_name_for_non_string_parameter_matches_answer_type() -> None:
    answer = {**ANSWER, "base": ["b"]}
    assert ok({"base": "b", "height": 5}, answer) == ""


DICT_FN = {
    "name": "grades",
    "parameters": {
        "type": "dict",
        "properties": {
            "scores": {"type": "dict"},
            "rules": {"type": "array", "items": {"type": "dict"}},
        },
        "required": ["scores"],
    },
}
DICT_ANSWER: dict[str, list[Any]] = {
    "scores": [{"math": [90], "art": [80, ""]}],
    "rules": [[{"field": ["age"], "op": [">"]}, {"field": ["job"], "op": ["="]}], ""],
}


@pytest.mark.parametrize(
    ("scores", "fine"),
    [
        ({"math": 90, "art": 80}, True),
        ({"math": 90}, True),  # art is optional inside the dict
        ({"math": 91}, False),
        ({"art": 80}, False),  # math is not optional
        ({"math": 90, "music": 1}, False),  # key absent from the answer
    ],
)
def test_dict_values_follow_parameter_rules(scores: dict[str, int], fine: bool) -> None:
    reason = check_call(DICT_FN, Call("grades", {"scores": scores}), DICT_ANSWER)
    assert (reason == "") is fine


def test_list_of_dicts_compares_in_order() -> None:
    rules = [{"field": "age", "op": ">"}, {"field": "job", "op": "="}]
    args = {"scores": {"math": 90}, "rules": rules}
    assert check_call(DICT_FN, Call("grades", args), DICT_ANSWER) == ""
    args["rules"] = rules[::-1]
    assert check_call(DICT_FN, Call("grades", args), DICT_ANSWER) != ""


# Items: the per-category rules.

ADD = {
    "name": "add",
    "parameters": {"type": "dict", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
}
SUB = {**ADD, "name": "sub"}


def add(a: int) -> Call:
    return Call("add", {"a": a})


def test_simple_needs_exactly_one_call() -> None:
    answers = [{"add": {"a": [1]}}]
    assert check_item("single", [ADD], [add(1)], answers).correct
    assert not check_item("single", [ADD], [], answers).correct
    two = check_item("single", [ADD], [add(1), add(1)], answers)
    assert not two.correct
    assert "expected 1" in two.reason


def test_multiple_needs_the_right_function_among_several() -> None:
    answers = [{"sub": {"a": [1]}}]
    assert check_item("single", [ADD, SUB], [Call("sub", {"a": 1})], answers).correct
    assert not check_item("single", [ADD, SUB], [add(1)], answers).correct


def test_parallel_matches_calls_in_any_order() -> None:
    answers = [{"add": {"a": [1]}}, {"add": {"a": [2]}}]
    assert check_item("parallel", [ADD], [add(2), add(1)], answers).correct
    assert check_item("parallel", [ADD], [add(1), add(2)], answers).correct


def test_parallel_needs_the_same_number_of_calls() -> None:
    answers = [{"add": {"a": [1]}}, {"add": {"a": [2]}}]
    assert not check_item("parallel", [ADD], [add(1)], answers).correct
    assert not check_item("parallel", [ADD], [add(1), add(2), add(2)], answers).correct


def test_parallel_matches_each_answer_to_a_distinct_call() -> None:
    answers = [{"add": {"a": [1, 2]}}, {"add": {"a": [2]}}]
    assert not check_item("parallel", [ADD], [add(2), add(3)], answers).correct
    assert not check_item("parallel", [ADD], [add(1), add(1)], answers).correct
    assert check_item("parallel", [ADD], [add(2), add(1)], answers).correct


def test_parallel_multiple_mixes_functions() -> None:
    answers = [{"add": {"a": [1]}}, {"sub": {"a": [2]}}]
    calls = [Call("sub", {"a": 2}), add(1)]
    assert check_item("parallel", [ADD, SUB], calls, answers).correct
    assert not check_item("parallel", [ADD, SUB], [add(2), Call("sub", {"a": 1})], answers).correct


def test_irrelevance_is_correct_only_without_calls() -> None:
    assert check_item("none", [ADD], [], []).correct
    assert not check_item("none", [ADD], [add(1)], []).correct
