"""Runways in the columns of OurAirports' ``runways.csv`` (public domain).

An airfield's ICAO ident is ``airport_ident``; a runway counts when it is open
(``closed`` is not ``1``) and its length in feet is given.
"""

from __future__ import annotations

from pathlib import Path

from peaceforce.errors import InputError, Problem
from peaceforce.sources.tables import read_table

RUNWAY_COLUMNS = ("airport_ident", "length_ft", "closed")


def longest_runways(path: Path | str) -> dict[str, int]:
    """The longest open runway (ft) of every airfield in an OurAirports runways file."""
    table = read_table(path, "an OurAirports runways CSV")
    table.require(RUNWAY_COLUMNS)
    longest: dict[str, int] = {}
    problems: list[Problem] = []
    for row in table.rows:
        if row.get("closed") == "1" or not row.get("length_ft"):
            continue
        try:
            length = int(float(row.get("length_ft")))
        except ValueError:
            problems.append(table.problem(row, "length_ft", "a number of feet"))
            continue
        ident = row.get("airport_ident")
        longest[ident] = max(length, longest.get(ident, 0))
    if problems:
        raise InputError(problems)
    return longest
