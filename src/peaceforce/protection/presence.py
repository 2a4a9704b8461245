"""Air and sea presence: who holds each air-policing station, how much corridor is covered.

An aircraft holds a combat air patrol station when it flies from a base within
its combat radius that its nation may use: a base in Ukraine if the pledge may
stand there under the framework, or a base in a nation that agreed to host
(flying over Ukraine is allowed even under a "no presence on Ukrainian
territory" caveat). The Black Sea corridor is covered twice over: by the
mine-countermeasures vessels, each keeping a length of the route swept, and by
maritime patrol aircraft, whose radius from their bases decides how much of the
corridor's area they can patrol.
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely
from shapely import wkt

from peaceforce.geo.crs import geodesic_km, lonlat_to_metric, to_metric
from peaceforce.mandate.analysis import FrameworkAssessment, PledgeStatus
from peaceforce.protection.data import AirBase, ProtectionData
from peaceforce.protection.geometry import Frontier
from peaceforce.protection.result import (
    BaseReach,
    CapStationCover,
    CorridorCover,
    PresenceReport,
)
from peaceforce.scenario.model import NoPresenceOnUkrainianTerritory, Scenario
from peaceforce.sourcing.result import SourcingResult

UKRAINE = "UKR"


def usable_bases(
    scenario: Scenario, data: ProtectionData, assessment: FrameworkAssessment, pledge_id: str
) -> tuple[AirBase, ...]:
    """Air bases a pledge may fly from: host nations' always, Ukraine's if it may stand there."""
    pledge = next(p for p in scenario.pledges if p.id == pledge_id)
    status = next(v.status for v in assessment.pledges if v.pledge_id == pledge_id)
    in_ukraine = status is PledgeStatus.ELIGIBLE and not pledge.caveats_of(
        NoPresenceOnUkrainianTerritory
    )
    return tuple(
        b
        for b in data.air_bases
        if (b.host_nation == UKRAINE and in_ukraine) or b.host_nation in data.hosts
    )


def flying_base(
    scenario: Scenario,
    data: ProtectionData,
    assessment: FrameworkAssessment,
    pledge_id: str,
    *,
    serves: tuple[float, float],
    frontier: Frontier,
) -> AirBase | None:
    """The base an aircraft flies from to serve a point: the least exposed one in reach.

    Among the bases the pledge may use that lie within its combat radius of the
    point, the one farthest from the threat; if none is in reach, the nearest
    usable base; None when it may use none.
    """
    bases = usable_bases(scenario, data, assessment, pledge_id)
    if not bases:
        return None
    pledge = next(p for p in scenario.pledges if p.id == pledge_id)
    radius = scenario.unit_type_by_id[pledge.unit_type].range_km or 0.0
    away = {b.id: geodesic_km(b.lon, b.lat, *serves) for b in bases}
    exposure = dict(
        zip(
            (b.id for b in bases),
            frontier.threat_km([b.lon for b in bases], [b.lat for b in bases])[0],
            strict=True,
        )
    )
    in_reach = [b for b in bases if away[b.id] <= radius]
    if in_reach:
        return max(in_reach, key=lambda b: (exposure[b.id], -away[b.id]))
    return min(bases, key=lambda b: away[b.id])


def _sourced(sourcing: SourcingResult, unit_types: Sequence[str]) -> dict[str, int]:
    units: dict[str, int] = {}
    for a in sourcing.assignments:
        if a.unit_type in unit_types:
            units[a.pledge_id] = units.get(a.pledge_id, 0) + a.units
    return units


def cap_stations(
    scenario: Scenario,
    data: ProtectionData,
    sourcing: SourcingResult,
    assessment: FrameworkAssessment,
) -> tuple[CapStationCover, ...]:
    """Every CAP station: bases within the aircraft's radius, sourced squadrons that reach it."""
    result = []
    for station in data.cap_stations:
        radius = scenario.unit_type_by_id[station.aircraft].range_km or 0.0
        reach = {b.id: geodesic_km(b.lon, b.lat, station.lon, station.lat) for b in data.air_bases}
        squadrons = sorted(
            pledge_id
            for pledge_id in _sourced(sourcing, (station.aircraft,))
            if any(
                reach[b.id] <= radius for b in usable_bases(scenario, data, assessment, pledge_id)
            )
        )
        result.append(
            CapStationCover(
                id=station.id,
                name=station.name,
                lon=station.lon,
                lat=station.lat,
                aircraft=station.aircraft,
                radius_km=radius,
                bases=tuple(
                    BaseReach(
                        base_id=b.id,
                        name=b.name,
                        host_nation=b.host_nation,
                        distance_km=round(reach[b.id], 1),
                    )
                    for b in sorted(data.air_bases, key=lambda b: reach[b.id])
                    if reach[b.id] <= radius
                ),
                squadrons=tuple(squadrons),
            )
        )
    return tuple(result)


def corridor_cover(
    scenario: Scenario,
    data: ProtectionData,
    sourcing: SourcingResult,
    assessment: FrameworkAssessment,
) -> CorridorCover | None:
    """How much of the corridor's route is swept and how much of its area is patrolled."""
    corridor = data.corridor
    if corridor is None:
        return None
    route_km = float(to_metric(wkt.loads(corridor.route_wkt)).length) / 1000.0
    mcm = _sourced(sourcing, corridor.mcm_unit_types)
    vessels = sum(mcm.values())
    swept = min(route_km, vessels * corridor.mcm_km_per_vessel)
    area = to_metric(wkt.loads(scenario.area_by_id[corridor.area].geometry_wkt))
    mpa = _sourced(sourcing, corridor.mpa_unit_types)
    reach = []
    bases: set[str] = set()
    for pledge_id in mpa:
        unit_type = next(p.unit_type for p in scenario.pledges if p.id == pledge_id)
        radius_m = (scenario.unit_type_by_id[unit_type].range_km or 0.0) * 1000.0
        for base in usable_bases(scenario, data, assessment, pledge_id):
            x, y = lonlat_to_metric([base.lon], [base.lat])
            circle = shapely.Point(float(x[0]), float(y[0])).buffer(radius_m, quad_segs=32)
            if circle.intersects(area):
                reach.append(circle)
                bases.add(base.id)
    patrolled = area.intersection(shapely.union_all(reach)).area / area.area if reach else 0.0
    return CorridorCover(
        area=corridor.area,
        route_km=round(route_km, 1),
        mcm_vessels=vessels,
        mcm_pledges=tuple(sorted(mcm)),
        swept_km=round(swept, 1),
        swept_share=round(swept / route_km, 4) if route_km else 0.0,
        mpa_units=sum(mpa.values()),
        mpa_pledges=tuple(sorted(mpa)),
        mpa_bases=tuple(sorted(bases)),
        patrolled_share=round(float(patrolled), 4),
    )


def assess_presence(
    scenario: Scenario,
    data: ProtectionData,
    sourcing: SourcingResult,
    assessment: FrameworkAssessment,
) -> PresenceReport:
    """Air-policing stations and corridor coverage of one sourced mission."""
    return PresenceReport(
        cap_stations=cap_stations(scenario, data, sourcing, assessment),
        corridor=corridor_cover(scenario, data, sourcing, assessment),
    )
