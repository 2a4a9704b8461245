"""Typed results of force sourcing; every one serialises to JSON and back."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

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
    ACCESS = "access_regime"
    USED_ELSEWHERE = "used_elsewhere"
    CEILING = "personnel_ceiling"
    CONDITIONAL = "conditional_pledge"


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
    units_per_station: int = Field(
        default=1, description="units taking turns on one station (2 under a stay limit)"
    )


class Candidate(Result):
    """A pledge whose capability matches a line, and what kept it out (if anything)."""

    pledge_id: str
    nation: str
    unit_type: str
    obstacles: tuple[Obstacle, ...]


class Fix(Result):
    """A change that would fill (or most reduce) a line's shortfall, confirmed by a re-solve.

    ``preference`` orders fixes a political staff would propose first: 0 a nation
    below its fair share gives more, 1 a policy caveat is lifted, 2 a nation at or
    above its fair share gives more, or one below it is asked for an air-defence
    system, aircraft or ships of a kind it pledges none of, 3 a legal limit
    (mandate, treaty) is set aside.
    """

    pledge_id: str | None
    nation: str | None
    obstacle: ObstacleKind | None
    description: str
    shortfall_after: int
    preference: int = 0


class FirmOnlyGap(Result):
    """A line short in the first tour from firm pledges alone, and conditional pledges to firm up.

    Each fix makes one conditional pledge firm and re-solves the firm-only
    shortfall stage; ranked by the shortfall left, then burden sharing (a
    nation below its fair share first), then the fewest personnel asked for.
    """

    line_id: str
    required: int
    filled: int = Field(description="stations filled from firm pledges alone")
    fixes: tuple[Fix, ...] = ()

    @property
    def shortfall(self) -> int:
        """Units missing from firm pledges alone."""
        return self.required - self.filled


class Stint(Result):
    """Units of one pledge holding a line over consecutive months (months from 1)."""

    pledge_id: str
    nation: str
    units: int
    first_month: int
    last_month: int


class LineSustainment(Result):
    """How long one line is held over the mission, and how often it changes hands."""

    line_id: str
    required: int
    months: int
    held_per_month: tuple[int, ...]
    months_held: int = Field(description="months with every required unit in place")
    first_unheld_month: int | None = Field(
        description="first month not fully held ('held until month 7'); None if always held"
    )
    hand_overs: int = Field(description="units that take over from others' leaving, in all")
    stints: tuple[Stint, ...]


class Fills(Result):
    """The headline fills: first tour (units) and sustained (personnel-months)."""

    first_tour: float = Field(description="share of required personnel in place for the first tour")
    sustained: float = Field(
        description="share of required personnel-months covered over the mission"
    )


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
    fixes: tuple[Fix, ...] = Field(
        default=(), description="up to three changes, most acceptable first, each re-solved"
    )

    @property
    def relaxation(self) -> Fix | None:
        """The first fix proposed, if any."""
        return self.fixes[0] if self.fixes else None

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
    committed_personnel: int = Field(
        description="personnel held for the first tour's units over the months they are "
        "held: deployed × min(rotation ratio, tours held) per unit (rule of thirds)"
    )
    fair_share_personnel: float
    ceiling: int | None
    force_pool: int | None = Field(default=None, description="the nation's declared force pool")

    @property
    def over_pool(self) -> bool:
        """The rule-of-thirds commitment exceeds the nation's declared force pool."""
        return self.force_pool is not None and self.committed_personnel > self.force_pool


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
    sustainment: tuple[LineSustainment, ...] = ()
    firm_only: Fills | None = Field(
        default=None, description="the fills from firm pledges alone (conditional ones left out)"
    )
    firm_only_sustainment: tuple[LineSustainment, ...] = Field(
        default=(), description="the sustained plan of the firm pledges alone"
    )
    firm_only_gaps: tuple[FirmOnlyGap, ...] = Field(
        default=(),
        description="lines short from firm pledges alone, with conditional pledges to make firm",
    )
    illustrative_units: int = Field(
        default=0, description="first-tour units that rest on illustrative pledges"
    )
    notes: tuple[str, ...] = Field(
        default=(), description="what the what-if settings changed, or why they changed nothing"
    )

    @property
    def assigned_units(self) -> int:
        """First-tour units assigned, in stations."""
        return sum(line.filled for line in self.lines)

    def fills(self) -> Fills:
        """First-tour and sustained fill of every pledge (firm and conditional), by personnel."""
        return Fills(
            first_tour=round(self.first_tour_fill(), 4), sustained=round(self.sustained_fill(), 4)
        )

    def first_tour_fill(self) -> float:
        """Required personnel in place for the first tour, as a share."""
        needed = sum(line.required * line.unit_personnel for line in self.lines)
        held = sum(line.filled * line.unit_personnel for line in self.lines)
        return 1.0 if needed == 0 else held / needed

    def sustained_fill(self) -> float:
        """Required personnel-months covered, as a share (the first tour's if not solved)."""
        if not self.sustainment:
            return self.first_tour_fill()
        size = {line.line_id: line.unit_personnel for line in self.lines}
        needed = sum(size[x.line_id] * x.required * x.months for x in self.sustainment)
        held = sum(size[x.line_id] * sum(x.held_per_month) for x in self.sustainment)
        return 1.0 if needed == 0 else held / needed

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
