"""Trip-planner tools over a small local dataset (data/*.csv); no network needed.

Load them with `--tools examples/trip_planner/tools.py`. The tools do the heavy
lifting (filtering, budgeting, writing the file) so that even a tiny model only has
to pick a tool and fill in a city name.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from agentkit import ToolContext, ToolError, tool
from agentkit.sandbox import resolve_in_workspace

DATA = Path(__file__).resolve().parent / "data"
City = Annotated[str, Field(min_length=2, max_length=40, examples=["Lisbon"])]


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _city(rows: list[dict[str, str]], key: str, city: str) -> list[dict[str, str]]:
    found = [r for r in rows if r[key].lower() == city.strip().lower()]
    if not found:
        known = sorted({r[key] for r in rows})
        raise ToolError(f"no data for {city!r}; known cities: {', '.join(known)}")
    return found


@tool
def find_flights(
    destination: City, max_price: Annotated[int, Field(ge=0, le=10_000)] = 10_000
) -> list[dict[str, Any]]:
    """Flights from Berlin to a city, cheapest first.

    Args:
        destination: the city to fly to, e.g. Lisbon.
        max_price: highest ticket price in euros.
    """
    rows = _city(_rows("flights.csv"), "destination", destination)
    fits = [r for r in rows if int(r["price_eur"]) <= max_price]
    fits.sort(key=lambda r: int(r["price_eur"]))
    return [{**r, "price_eur": int(r["price_eur"])} for r in fits]


@tool
def find_hotels(
    city: City,
    nights: Annotated[int, Field(ge=1, le=30)] = 3,
    max_total: Annotated[int, Field(ge=0, le=100_000)] = 100_000,
) -> list[dict[str, Any]]:
    """Hotels in a city whose total for the stay fits a budget, best rated first.

    Args:
        city: the city, e.g. Lisbon.
        nights: how many nights.
        max_total: most euros to spend on the whole stay.
    """
    found: list[dict[str, Any]] = []
    for row in _city(_rows("hotels.csv"), "city", city):
        total = int(row["price_per_night_eur"]) * nights
        if total <= max_total:
            found.append(
                {
                    **row,
                    "stars": int(row["stars"]),
                    "price_per_night_eur": int(row["price_per_night_eur"]),
                    "total_eur": total,
                }
            )
    found.sort(key=lambda r: (-r["stars"], r["total_eur"]))
    return found


@tool
def list_sights(city: City) -> list[dict[str, Any]]:
    """Things to see in a city, with entry price (euros) and hours needed.

    Args:
        city: the city, e.g. Lisbon.
    """
    rows = _city(_rows("sights.csv"), "city", city)
    return [{**r, "price_eur": int(r["price_eur"]), "hours": float(r["hours"])} for r in rows]


def plan_trip(destination: str, nights: int, budget: int) -> dict[str, Any]:
    """Cheapest flight, the best hotel the rest of the budget allows, sights that still fit."""
    flights = find_flights.fn(destination, budget)
    if not flights:
        raise ToolError(f"no flight to {destination} within {budget} euros; raise the budget")
    flight = flights[0]
    left = budget - flight["price_eur"]
    hotels = find_hotels.fn(destination, nights, left)
    if not hotels:
        raise ToolError(f"no hotel for {nights} nights within {left} euros; raise the budget")
    hotel = hotels[0]
    left -= hotel["total_eur"]
    sights = []
    for sight in sorted(list_sights.fn(destination), key=lambda s: s["price_eur"]):
        if sight["price_eur"] <= left:
            sights.append(sight)
            left -= sight["price_eur"]
    return {"flight": flight, "hotel": hotel, "sights": sights, "left_eur": left}


@tool(permission="write")
def build_itinerary(
    destination: City,
    ctx: ToolContext,
    nights: Annotated[int, Field(ge=1, le=30)] = 3,
    budget: Annotated[int, Field(ge=1, le=100_000)] = 900,
    notes: Annotated[str, Field(max_length=2000)] = "",
    path: Annotated[str, Field(max_length=200)] = "itinerary.md",
) -> dict[str, Any]:
    """Plan a whole trip within a budget and write it as a markdown file.

    Args:
        destination: the city to visit, e.g. Lisbon.
        nights: how many nights.
        budget: total euros for flight, hotel and sights.
        notes: extra text to add at the end (tips, packing list).
        path: file to write, relative to the workspace.
    """
    trip = plan_trip(destination, nights, budget)
    flight, hotel, sights = trip["flight"], trip["hotel"], trip["sights"]
    per_day = [sights[i :: nights + 1] for i in range(nights + 1)]  # spread over arrival..last day
    lines = [
        f"# {nights} nights in {destination} (budget {budget} EUR)",
        "",
        f"- Flight: {flight['airline']} from {flight['origin']}, {flight['depart']}, "
        f"{flight['price_eur']} EUR",
        f"- Hotel: {hotel['name']} ({hotel['stars']}*, {hotel['area']}), "
        f"{hotel['total_eur']} EUR for {nights} nights",
        f"- Left over: {trip['left_eur']} EUR",
        "",
    ]
    for day, todo in enumerate(per_day, 1):
        names = ", ".join(f"{s['name']} ({s['price_eur']} EUR)" for s in todo) or "free time"
        lines.append(f"## Day {day}\n\n{names}\n")
    if notes.strip():
        lines += ["## Notes", "", notes.strip(), ""]
    target = resolve_in_workspace(ctx.workspace, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines), encoding="utf-8")
    spent = budget - trip["left_eur"]
    return {"path": path, "spent_eur": spent, "left_eur": trip["left_eur"], "hotel": hotel["name"]}
