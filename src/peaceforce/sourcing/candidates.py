"""Which pledge may fill which requirement line, and every obstacle where it may not.

A pledge is a *candidate* for a line when its unit type is the line's
capability or one of that capability's substitutes. A candidate is *usable*
when no caveat, stance or mandate verdict stands in the way; otherwise each
obstacle is recorded with how far it misses (days, km), which is what the gap
explanations and the relaxations are built from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from shapely import wkt

from peaceforce.geo.crs import geodesic_km, to_metric
from peaceforce.mandate.analysis import FrameworkAssessment, PledgeStatus
from peaceforce.scenario.model import (
    AllowedDomains,
    Area,
    MinDistanceFromLineOfContact,
    MissionOption,
    NoPresenceOnUkrainianTerritory,
    Pledge,
    RequirementLine,
    RequiresUsBackstop,
    Scenario,
)
from peaceforce.sourcing.result import Obstacle, ObstacleKind


@dataclass(frozen=True)
class Pair:
    """A candidate (pledge, line) pair and what stands in its way (empty: usable)."""

    pledge: Pledge
    line: RequirementLine
    substitute: bool
    obstacles: tuple[Obstacle, ...]
    distance_km: float

    @property
    def usable(self) -> bool:
        """Whether the pledge may fill the line."""
        return not self.obstacles


@cache
def _area_distance_km(area_wkt: str, line_wkt: str) -> float:
    """Shortest distance from an area to the line of contact, in km on the metric CRS."""
    return float(to_metric(wkt.loads(area_wkt)).distance(to_metric(wkt.loads(line_wkt)))) / 1000.0


def distance_to_line_km(scenario: Scenario, area: Area) -> float:
    """How far an area lies from the line of contact (0 if it touches it)."""
    return _area_distance_km(area.geometry_wkt, scenario.line_of_contact.geometry_wkt)


@cache
def _centroid(area_wkt: str) -> tuple[float, float]:
    point = wkt.loads(area_wkt).centroid
    return float(point.x), float(point.y)


def area_centre(area: Area) -> tuple[float, float]:
    """The (lon, lat) centre of an area, computed once per geometry."""
    return _centroid(area.geometry_wkt)


def travel_km(pledge: Pledge, area: Area) -> float:
    """Great-circle distance from the pledge's home base to the area's centre."""
    lon, lat = area_centre(area)
    return geodesic_km(pledge.home_base.lon, pledge.home_base.lat, lon, lat)


def obstacles(
    scenario: Scenario,
    verdict_status: PledgeStatus,
    mandate_reasons: tuple[str, ...],
    pledge: Pledge,
    line: RequirementLine,
) -> tuple[Obstacle, ...]:
    """Every reason this pledge cannot fill this line (empty if it can)."""
    area = scenario.area_by_id[line.area]
    domain = scenario.unit_type_by_id[line.capability].domain
    found: list[Obstacle] = []

    if verdict_status is PledgeStatus.EXCLUDED:
        found.append(Obstacle(kind=ObstacleKind.MANDATE, detail="; ".join(mandate_reasons)))
    if area.on_ukrainian_soil:
        if pledge.caveats_of(NoPresenceOnUkrainianTerritory):
            found.append(
                Obstacle(
                    kind=ObstacleKind.NO_PRESENCE,
                    detail=f"caveat: no presence on Ukrainian soil ({area.id})",
                )
            )
        elif verdict_status is PledgeStatus.RESTRICTED:
            found.append(Obstacle(kind=ObstacleKind.NO_PRESENCE, detail="; ".join(mandate_reasons)))
    for caveat in pledge.caveats_of(AllowedDomains):
        if domain not in caveat.domains:
            allowed = ", ".join(d.value for d in caveat.domains)
            found.append(
                Obstacle(
                    kind=ObstacleKind.DOMAIN,
                    detail=f"caveat: only {allowed}, line is {domain.value}",
                )
            )
    distance = distance_to_line_km(scenario, area)
    for min_distance in pledge.caveats_of(MinDistanceFromLineOfContact):
        if distance < min_distance.km:
            found.append(
                Obstacle(
                    kind=ObstacleKind.DISTANCE,
                    detail=(
                        f"caveat: ≥ {min_distance.km:g} km from the line, "
                        f"{area.id} is {distance:.0f} km"
                    ),
                    excess=min_distance.km - distance,
                )
            )
    if pledge.caveats_of(RequiresUsBackstop) and not scenario.assumptions.us_backstop:
        found.append(
            Obstacle(
                kind=ObstacleKind.US_BACKSTOP,
                detail="caveat: needs a US backstop, scenario assumes none",
            )
        )
    vote_days = pledge.ready_day() - pledge.readiness_days
    ready_day = pledge.ready_day()
    if ready_day > line.latest_arrival_day:
        what = f"readiness {pledge.readiness_days} d" + (
            f" + parliamentary vote {vote_days} d" if vote_days else ""
        )
        found.append(
            Obstacle(
                kind=ObstacleKind.READINESS,
                detail=f"{what} = day {ready_day} > latest arrival day {line.latest_arrival_day}",
                excess=float(ready_day - line.latest_arrival_day),
            )
        )
    arrival = scenario.d_day + timedelta(days=line.latest_arrival_day)
    if not pledge.available.start <= arrival <= pledge.available.end:
        found.append(
            Obstacle(
                kind=ObstacleKind.WINDOW,
                detail=(
                    f"available {pledge.available.start}..{pledge.available.end}, "
                    f"needed by {arrival}"
                ),
            )
        )
    return tuple(found)


def candidate_pairs(
    scenario: Scenario, mission: MissionOption, assessment: FrameworkAssessment
) -> list[Pair]:
    """Every (pledge, line) pair whose capability matches, usable or not."""
    verdicts = {v.pledge_id: v for v in assessment.pledges}
    pairs = []
    for line in mission.requirements:
        accepted = {line.capability, *scenario.unit_type_by_id[line.capability].substitutes}
        area = scenario.area_by_id[line.area]
        for pledge in scenario.pledges:
            if pledge.unit_type not in accepted:
                continue
            verdict = verdicts[pledge.id]
            pairs.append(
                Pair(
                    pledge=pledge,
                    line=line,
                    substitute=pledge.unit_type != line.capability,
                    obstacles=obstacles(scenario, verdict.status, verdict.reasons, pledge, line),
                    distance_km=travel_km(pledge, area),
                )
            )
    return pairs
