"""Built-in `datetime` tool: the current time, date arithmetic and weekdays."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from agentkit.errors import ToolError
from agentkit.tool import tool

Operation = Literal["now", "add_days", "weekday", "days_between"]
DateText = Annotated[str, Field(max_length=32)]


def _parse(text: str, what: str) -> dt.date:
    if not text.strip():
        return dt.date.today()
    try:
        return dt.datetime.fromisoformat(text.strip()).date()
    except ValueError:
        raise ToolError(f"{what} {text!r} is not a date; write it like 2024-03-05") from None


@tool(name="datetime")
def datetime_tool(
    operation: Operation = "now",
    date: DateText = "",
    days: Annotated[int, Field(ge=-1_000_000, le=1_000_000)] = 0,
    end: DateText = "",
) -> str:
    """Date helper: now, add_days, weekday or days_between. Dates look like 2024-03-05.

    Args:
        operation: now (current date and time), add_days (date plus days), weekday (day
            name of date), days_between (days from date to end).
        date: a date like 2024-03-05; empty means today.
        days: days to add for add_days; negative goes back.
        end: the second date for days_between.
    """
    if operation == "now":
        now = dt.datetime.now().astimezone()
        return f"{now.isoformat(timespec='seconds')} ({now:%A})"
    start = _parse(date, "date")
    if operation == "weekday":
        return f"{start:%A}"
    if operation == "days_between":
        return str((_parse(end, "end") - start).days)
    try:
        return (start + dt.timedelta(days=days)).isoformat()
    except OverflowError:
        raise ToolError("that date is out of range (years 1 to 9999)") from None
