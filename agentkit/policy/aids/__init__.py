"""The aids the `small` policy is composed of, one module each, with its constants.

Each aid can be turned off by name (`disable_aids`, `--disable-aid NAME`), which is how
the ablation table in docs/policy.md is measured.
"""

from __future__ import annotations

from collections.abc import Iterable

from agentkit.errors import ConfigError

__all__ = ["AID_NAMES", "check_aid_names"]

AID_NAMES: tuple[str, ...] = (
    "routing",  # narrow many usable tools to those whose descriptions fit the goal
    "demonstrations",  # worked plans of the most similar goals, retrieved, before the plan
    "number_blind",  # demonstrations retrieved with the goals' numbers masked
    "demo_tools",  # offer only the tools the most similar demonstrations use
    "focused_call",  # a planned tool's call from a short prompt, required arguments only
    "auto_finish",  # a step whose planned tool succeeded is finished with its result
    "written_steps",  # a step planned without a tool is written, not acted on
    "quote_answers",  # an answer from tool results alone quotes them exactly
    "answer_examples",  # worked answers before the answer request
    "composed_answer",  # an answer worked out in steps carries each step's result
)


def check_aid_names(names: Iterable[str]) -> list[str]:
    """The names, checked: an unknown one is a one-line config error."""
    out = []
    for name in names:
        if name not in AID_NAMES:
            raise ConfigError(f"unknown aid {name!r}; known aids: {', '.join(AID_NAMES)}")
        out.append(name)
    return out
