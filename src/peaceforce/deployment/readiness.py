"""Initial and full operating capability, judged against the statement of requirements.

IOC: every priority-1 line in place and at least the scenario's IOC share of
the *required* personnel (each line's required units at the required type's
size; a substitute counts for at most the unit it replaces). FOC: every
required line in place. A force the sourcing could not complete never
reaches them; the result then says what is missing instead of a day.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from pydantic import Field

from peaceforce.results import Result
from peaceforce.sourcing.result import LineFill


class MissingLine(Result):
    """A requirement line that is not (all) in place, and what it lacks."""

    line_id: str
    capability: str
    priority: int
    units_required: int
    units_sourced: int
    units_missing: int
    personnel_missing: int


class Readiness(Result):
    """When a capability level is reached, or what is missing for it."""

    day: int | None = Field(description="day after D-day it is reached; null = not reached")
    personnel_required: int = Field(description="personnel the level needs in place")
    personnel_in_place: int = Field(description="required personnel in place once all arrive")
    missing: tuple[MissingLine, ...] = ()
    #: short reason when not reached, e.g. "2 lines unfilled; 1,130 personnel short"
    shortfall: str | None = None

    @property
    def reached(self) -> bool:
        """Whether the level is reached at all."""
        return self.day is not None

    def described(self, line_name: Callable[[str], str]) -> str:
        """``shortfall`` as a person reads it: each line by its name
        ('Joint force headquarters at Kyiv and approaches'), not its id.
        """
        return _say(
            [line_name(m.line_id) for m in self.missing],
            max(0, self.personnel_required - self.personnel_in_place),
        )


def _missing(line: LineFill) -> MissingLine:
    return MissingLine(
        line_id=line.line_id,
        capability=line.capability,
        priority=line.priority,
        units_required=line.required,
        units_sourced=line.filled,
        units_missing=line.shortfall,
        personnel_missing=line.shortfall * line.unit_personnel,
    )


def _credited(line: LineFill, arrivals: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """(day, personnel) a line's units count towards the requirement, capped at its size."""
    room = line.required * line.unit_personnel
    credited = []
    for day, people in sorted(arrivals):
        take = min(people, room)
        room -= take
        credited.append((day, take))
    return credited


def readiness(
    lines: Sequence[LineFill],
    arrivals: Mapping[str, Sequence[tuple[int, int]]],
    ioc_share: float,
) -> tuple[Readiness, Readiness]:
    """IOC and FOC of a mission.

    ``arrivals`` maps each line id to the (arrival day, personnel) of its
    sourced units; a unit with no arrival day is left out.
    """
    required = sum(line.required * line.unit_personnel for line in lines)
    credited = {line.line_id: _credited(line, arrivals.get(line.line_id, ())) for line in lines}
    in_place = sum(p for items in credited.values() for _, p in items)

    def line_day(line: LineFill) -> int | None:
        days = [d for d, _ in credited[line.line_id]]
        if line.shortfall > 0 or len(days) < line.filled:
            return None
        return max(days, default=0)

    unfilled = [line for line in lines if line_day(line) is None]
    foc_day = None if unfilled else max((line_day(line) or 0 for line in lines), default=0)
    foc = Readiness(
        day=foc_day,
        personnel_required=required,
        personnel_in_place=in_place,
        missing=tuple(_missing(line) for line in unfilled),
        shortfall=None
        if not unfilled
        else _say([u.line_id for u in unfilled], required - in_place),
    )

    threshold = ioc_share * required
    first_lines = [line for line in lines if line.priority == 1]
    short_first = [line for line in first_lines if line_day(line) is None]
    by_day = sorted(d_p for items in credited.values() for d_p in items)
    reached_share: int | None = None
    total = 0
    for day, people in by_day:
        total += people
        if total >= threshold:
            reached_share = day
            break
    ioc_day = None
    if not short_first and reached_share is not None:
        ioc_day = max([reached_share, *(line_day(line) or 0 for line in first_lines)])
    personnel_short = max(0, round(threshold) - in_place)
    ioc = Readiness(
        day=ioc_day,
        personnel_required=round(threshold),
        personnel_in_place=in_place,
        missing=tuple(_missing(line) for line in short_first),
        shortfall=None
        if ioc_day is not None
        else _say([u.line_id for u in short_first], personnel_short),
    )
    return ioc, foc


def _say(lines: Sequence[str], personnel: int) -> str:
    """'dnipro-hq not filled; 920 personnel short': what a briefer reads out."""
    parts = []
    if lines:
        named = ", ".join(lines[:3])
        more = f" and {len(lines) - 3} more" if len(lines) > 3 else ""
        parts.append(f"{named}{more} not filled")
    if personnel > 0:
        parts.append(f"{personnel:,} personnel short")
    return "; ".join(parts) or "units never arrive"
