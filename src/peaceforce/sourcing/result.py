"""Typed results of force sourcing; every one serialises to JSON and back."""

from __future__ import annotations

from enum import StrEnum

from peaceforce.results import Result, StageResult
from peaceforce.scenario.model import Domain
from peaceforce.solvers import SolveStatus


class ObstacleKind(StrEnum):
    """Why a pledge that matches a line's capability cannot fill it."""

    MANDATE = "mandate"
    NO_PRESENCE = "no_presence_on_ukrainian_territory"
    DOMAIN = "allowed_domains"
    DISTANCE = "min_distance_from_line_of_contact"
    US_BACKSTOP = "requires_us_backstop"
    READINESS = "readiness"
    WINDOW = "availability_window"
    USED_ELSEWHERE = "used_elsewhere"
    CEILING = "personnel_ceiling"


class Obstacle(Result):
    """One reason a candidate pledge stays out of a line, and by how much it misses."""

    kind: ObstacleKind
    detail: str
    excess: float | None = None


class Assignment(Result):
    """Units of one pledge assigned to one requirement line."""

    line_id: str
    pledge_id: str
    nation: str
    unit_type: str
    units: int
    personnel: int
    substitute: bool
    distance_km: float


class Candidate(Result):
    """A pledge whose capability matches a line, and what kept it out (if anything)."""

    pledge_id: str
    nation: str
    unit_type: str
    obstacles: tuple[Obstacle, ...]


class Relaxation(Result):
    """The smallest single change that would fill (or most reduce) a line's shortfall."""

    pledge_id: str | None
    nation: str | None
    obstacle: ObstacleKind | None
    description: str
    shortfall_after: int


class LineFill(Result):
    """How far one requirement line is filled, and why not further."""

    line_id: str
    capability: str
    domain: Domain
    area: str
    priority: int
    latest_arrival_day: int
    required: int
    filled: int
    unit_personnel: int
    candidates: tuple[Candidate, ...] = ()
    relaxation: Relaxation | None = None

    @property
    def shortfall(self) -> int:
        """Units missing."""
        return self.required - self.filled


class NationContribution(Result):
    """What one nation deploys, and what keeping it there costs over the mission."""

    nation: str
    units: int
    deployed_personnel: int
    rotations: int
    committed_personnel: int
    fair_share_personnel: float
    ceiling: int | None


class Objective(Result):
    """The three lexicographic objective values, in order of precedence.

    A value is None when its stage was not reached (no solution in time, or
    only the first stages were asked for).
    """

    weighted_shortfall: float | None
    burden_deviation: float | None
    movement_personnel_km: float | None
    statement: str


class SourcingResult(StageResult):
    """The sourcing of one mission option under one framework."""

    mission_id: str
    framework_id: str
    status: SolveStatus
    objective: Objective
    lines: tuple[LineFill, ...]
    assignments: tuple[Assignment, ...]
    contributions: tuple[NationContribution, ...]
    rotation_ratio: int
    solve_seconds: float

    @property
    def missing_personnel(self) -> int:
        """Personnel of the units still missing, counted at the required type's size."""
        return sum(line.shortfall * line.unit_personnel for line in self.lines)

    def fill_rate(self, domain: Domain | None = None) -> float:
        """Share of required units filled, overall or in one domain (1.0 if none required)."""
        lines = [line for line in self.lines if domain is None or line.domain is domain]
        required = sum(line.required for line in lines)
        return 1.0 if required == 0 else sum(line.filled for line in lines) / required

    def gaps(self) -> tuple[LineFill, ...]:
        """Lines not completely filled."""
        return tuple(line for line in self.lines if line.shortfall > 0)
