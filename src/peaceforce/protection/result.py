"""Typed results of the protection stage; every one serialises to JSON and back."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from peaceforce.results import Result, StageResult
from peaceforce.scenario.model import AirThreat
from peaceforce.solvers.status import SolveStatus

# --- threat --------------------------------------------------------------------------


class PositionKind(StrEnum):
    """What a position is: the threat layer scores every one of these."""

    AREA = "area"
    AIR_BASE = "air_base"
    AD_SITE = "air_defence_site"
    UNIT = "unit"
    CAP_STATION = "cap_station"


class PositionThreat(Result):
    """Which threat classes reach one position, and its risk score."""

    id: str
    name: str
    kind: PositionKind
    lon: float
    lat: float
    distance_to_line_km: float = Field(description="as the sourcing caveat measures it")
    distance_to_threat_km: float = Field(description="from the nearest origin (line or border)")
    nearest_origin: str
    classes: tuple[str, ...] = Field(description="threat classes that reach the position")
    risk: float = Field(ge=0, le=100, description="0 = nothing reaches, 100 = at the line")


class ThreatClassSummary(Result):
    """A threat class as used: its reach past the line and its severity."""

    id: str
    name: str
    range_km: float
    reach_km: float
    severity: float


class ThreatReport(Result):
    """The threat to every base, area and unit position of one mission."""

    classes: tuple[ThreatClassSummary, ...]
    positions: tuple[PositionThreat, ...]

    def position(self, position_id: str) -> PositionThreat:
        """One position by id (KeyError if absent)."""
        for position in self.positions:
            if position.id == position_id:
                return position
        raise KeyError(position_id)


# --- coverage --------------------------------------------------------------------------


class AssetKind(StrEnum):
    """Kinds of protected asset, each with its own unit of value."""

    CITY = "city"
    ENERGY = "energy"
    PORT = "port"
    FORCE_BASE = "force_base"


class ProtectedAsset(Result):
    """A demand point of the covering model and the placements that cover it."""

    id: str
    name: str
    kind: AssetKind
    lon: float
    lat: float
    value: float = Field(description="people (city), MW (energy), or the weight itself")
    weight: float
    covered_by: tuple[str, ...] = Field(
        default=(), description="placement ids that defend it against a class of the mix"
    )
    covered_against: tuple[AirThreat, ...] = Field(
        default=(), description="threat classes against which a placed unit defends it"
    )

    @property
    def covered(self) -> bool:
        """Whether at least one placed unit reaches it."""
        return bool(self.covered_by)


class ThreatRadius(Result):
    """A system's defended radius against one threat class, and what set it."""

    threat: AirThreat
    km: float = Field(description="radius used: the catalogue's, cut to the radar horizon")
    catalogue_km: float
    horizon_km: float | None = Field(description="radar horizon at the class's altitude, if low")
    estimate: bool = Field(description="the catalogue's figure is an estimate")

    @property
    def horizon_limited(self) -> bool:
        """Whether the radar horizon, not the interceptor, sets the radius."""
        return self.horizon_km is not None and self.horizon_km < self.catalogue_km


def radius_km(radii: tuple[ThreatRadius, ...], threat: AirThreat) -> float:
    """The radius against one class (0 when it is not listed)."""
    return next((r.km for r in radii if r.threat is threat), 0.0)


class AirDefenceUnit(Result):
    """Air-defence units of one pledge for one requirement line, and where they may stand."""

    pledge_id: str
    nation: str
    unit_type: str
    units: int
    radii: tuple[ThreatRadius, ...] = Field(description="defended radius per threat class")
    sourced: bool = Field(description="false: pledged but not sourced for this mission")
    line_ids: tuple[str, ...] = Field(description="requirement line it was sourced for")
    area: str | None = Field(description="area of that line: the unit stands in it")
    min_distance_km: float = Field(description="effective minimum distance from the line")
    may_stand_in_ukraine: bool

    def radius_km(self, threat: AirThreat) -> float:
        """The radius used against one class."""
        return radius_km(self.radii, threat)


class CandidateSiteInfo(Result):
    """A candidate site and how exposed it is."""

    id: str
    name: str
    lon: float
    lat: float
    host_nation: str
    capacity: int
    distance_to_line_km: float
    risk: float
    areas: tuple[str, ...] = Field(
        default=(), description="scenario areas the site stands in (or near, for a point area)"
    )


class Placement(Result):
    """Units of one pledge at one site, and what they cover."""

    id: str
    pledge_id: str
    nation: str
    unit_type: str
    units: int
    site_id: str
    line_ids: tuple[str, ...] = Field(description="requirement line it serves (none: spare)")
    area: str | None = Field(description="area of that line")
    radii: tuple[ThreatRadius, ...]
    covered_population: int = Field(description="people defended, weighted by the threat mix")
    covered_mw: float = Field(description="MW defended, weighted by the threat mix")
    covered_weight: float
    covered_assets: tuple[str, ...] = Field(description="assets defended against a mix class")

    def radius_km(self, threat: AirThreat) -> float:
        """The radius used against one class."""
        return radius_km(self.radii, threat)


class UnplacedUnits(Result):
    """Units that could not be placed usefully, and why."""

    pledge_id: str
    units: int
    reason: str


class CoverageTotals(Result):
    """What is defended, against what there is to defend.

    Against one class the covered counts are whole; against a mix they are the
    share-weighted sums over its classes (a port defended against 90 % of the
    attacks counts 0.9).
    """

    population: int
    population_covered: int
    mw: float
    mw_covered: float
    weight: float
    weight_covered: float
    ports: int
    ports_covered: float
    force_bases: int
    force_bases_covered: float

    @property
    def population_share(self) -> float:
        """Share of the population defended (0 if there is none)."""
        return self.population_covered / self.population if self.population else 0.0

    @property
    def mw_share(self) -> float:
        """Share of the generating capacity defended (0 if there is none)."""
        return self.mw_covered / self.mw if self.mw else 0.0


class CoverageLoss(Result):
    """Coverage lost: people, MW and weight."""

    population: int
    mw: float
    weight: float


class NationWithdrawal(Result):
    """What the coverage loses if one nation withdraws its air defence."""

    nation: str
    units: int
    immediate: CoverageLoss = Field(description="before the others move")
    after_replacement: CoverageLoss = Field(description="after the others are placed again")


class ThreatCoverage(Result):
    """What the placed units defend against one threat class, and its share of the mix."""

    threat: AirThreat
    share: float = Field(description="share of the mission's threat mix (0: reported only)")
    totals: CoverageTotals


class CoverageResult(Result):
    """The maximal-covering placement of a mission's air defence."""

    status: SolveStatus
    objective: float = Field(description="weighted coverage reached")
    bound: float = Field(description="best bound on the weighted coverage")
    totals: CoverageTotals = Field(description="against the mission's threat mix")
    by_threat: tuple[ThreatCoverage, ...] = Field(description="against each class alone")
    mix_source: str = Field(description="where the mission's threat mix comes from")
    units: tuple[AirDefenceUnit, ...]
    placements: tuple[Placement, ...]
    unplaced: tuple[UnplacedUnits, ...]
    sites: tuple[CandidateSiteInfo, ...]
    assets: tuple[ProtectedAsset, ...]
    excluded_assets: int = Field(description="assets in occupied territory, not counted")
    withdrawals: tuple[NationWithdrawal, ...]
    solve_seconds: float


# --- air and sea presence -----------------------------------------------------------------


class BaseReach(Result):
    """An air base within an aircraft's combat radius of a station."""

    base_id: str
    name: str
    host_nation: str
    distance_km: float


class CapStationCover(Result):
    """A combat air patrol station: the bases that can sustain it, the squadrons that can fly it."""

    id: str
    name: str
    lon: float
    lat: float
    aircraft: str
    radius_km: float
    bases: tuple[BaseReach, ...]
    squadrons: tuple[str, ...] = Field(description="pledge ids of sourced squadrons that reach it")

    @property
    def sustained(self) -> bool:
        """Whether a sourced squadron can hold the station from a base it may use."""
        return bool(self.squadrons)


class CorridorCover(Result):
    """How much of the Black Sea corridor the pledged patrol and MCM assets cover."""

    area: str
    route_km: float
    mcm_vessels: int
    mcm_pledges: tuple[str, ...]
    swept_km: float
    swept_share: float
    mpa_units: int
    mpa_pledges: tuple[str, ...]
    mpa_bases: tuple[str, ...]
    patrolled_share: float = Field(description="share of the corridor's area within MPA radius")


class PresenceReport(Result):
    """Air policing stations and Black Sea corridor coverage."""

    cap_stations: tuple[CapStationCover, ...]
    corridor: CorridorCover | None


# --- the stage -----------------------------------------------------------------------------


class ProtectionResult(StageResult):
    """Protection of one mission option under one framework."""

    scenario_id: str
    mission_id: str
    framework_id: str
    coverage: CoverageResult
    threat: ThreatReport
    presence: PresenceReport
    notes: tuple[str, ...] = ()
