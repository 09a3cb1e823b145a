"""Built-in date tools: `today`, `weekday`, `add_days` and `days_between`.

One tool per operation, each with only the arguments it needs: a small model picks a
tool by name far more reliably than an `operation` value inside one multiplexed tool.
Descriptions name the date format rather than show a date: a small model copies any
example value it is shown into its arguments.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from agentkit.errors import ToolError
from agentkit.tool import tool

DateText = Annotated[str, Field(min_length=1, max_length=32, examples=["2024-03-05"])]


def _parse(text: str, what: str) -> dt.date:
    if text.strip().lower() in {"today", "now"}:
        return dt.date.today()
    try:
        return dt.datetime.fromisoformat(text.strip()).date()
    except ValueError:
        raise ToolError(f"{what} {text!r} is not a date; write it like 2024-03-05") from None


@tool
def today() -> str:
    """Get the current local date, time and day of the week."""
    now = dt.datetime.now().astimezone()
    return f"{now.isoformat(timespec='seconds')} ({now:%A})"


@tool
def weekday(date: DateText) -> str:
    """Get the day of the week (Monday to Sunday) of a date written YYYY-MM-DD.

    Args:
        date: the date as YYYY-MM-DD, or today.
    """
    return f"{_parse(date, 'date'):%A}"


@tool
def add_days(
    date: DateText, days: Annotated[int, Field(ge=-1_000_000, le=1_000_000, examples=[30])]
) -> str:
    """Get the date a number of days after (or, negative, before) a date (YYYY-MM-DD).

    Args:
        date: the start date as YYYY-MM-DD, or today.
        days: how many days to add; negative goes back.
    """
    try:
        return (_parse(date, "date") + dt.timedelta(days=days)).isoformat()
    except OverflowError:
        raise ToolError("that date is out of range (years 1 to 9999)") from None


@tool
def days_between(start: DateText, end: DateText) -> str:
    """Count the days from one date to another (dates written YYYY-MM-DD).

    Args:
        start: the first date as YYYY-MM-DD, or today.
        end: the second date as YYYY-MM-DD, or today.
    """
    return str((_parse(end, "end") - _parse(start, "start")).days)
