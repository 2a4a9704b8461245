"""Place a mission's air defence to cover the most people, megawatts, ports and bases.

The sourced air-defence assignments (and, if asked, the air-defence pledges
that survive the mandate but were not sourced) become facility groups of the
covering model in :mod:`peaceforce.solvers.mclp`: one group per pledge, with
its unit type's engagement range and the sites its caveats allow. A site is
allowed when it lies at least the larger of the policy distance and the
pledge's own caveat from the line of contact, and either in Ukraine (if the
pledge may stand there under the framework) or in a nation that agreed to host.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mgrs
import numpy as np
import shapely

from peaceforce.geo.crs import lonlat_to_metric, to_lonlat
from peaceforce.mandate.analysis import FrameworkAssessment, PledgeStatus
from peaceforce.protection.data import ProtectionData
from peaceforce.protection.geometry import Frontier
from peaceforce.protection.result import (
    AirDefenceUnit,
    AssetKind,
    CandidateSiteInfo,
    CoverageLoss,
    CoverageResult,
    CoverageTotals,
    NationWithdrawal,
    Placement,
    ProtectedAsset,
    UnplacedUnits,
)
from peaceforce.protection.threat import risk_scores
from peaceforce.scenario.model import (
    AllowedDomains,
    Domain,
    MinDistanceFromLineOfContact,
    NoPresenceOnUkrainianTerritory,
    Pledge,
    RequiresUsBackstop,
    Scenario,
)
from peaceforce.solvers.mclp import (
    Bools,
    FacilityGroup,
    Floats,
    MclpInstance,
    MclpSolution,
    covered_by,
    solve_mclp,
)
from peaceforce.sources.cities import City
from peaceforce.sourcing.result import SourcingResult

UKRAINE = "UKR"


# --- the units ----------------------------------------------------------------------------


def _unit(
    scenario: Scenario,
    data: ProtectionData,
    pledge: Pledge,
    status: PledgeStatus,
    units: int,
    *,
    sourced: bool,
    line_ids: tuple[str, ...],
) -> AirDefenceUnit | None:
    range_km = scenario.unit_type_by_id[pledge.unit_type].range_km
    if range_km is None:
        return None
    caveat_km = [c.km for c in pledge.caveats_of(MinDistanceFromLineOfContact)]
    return AirDefenceUnit(
        pledge_id=pledge.id,
        nation=pledge.nation,
        unit_type=pledge.unit_type,
        units=units,
        range_km=range_km,
        sourced=sourced,
        line_ids=line_ids,
        min_distance_km=max([data.min_distance_from_line_km, *caveat_km]),
        may_stand_in_ukraine=status is PledgeStatus.ELIGIBLE
        and not pledge.caveats_of(NoPresenceOnUkrainianTerritory),
    )


def _usable_spare(scenario: Scenario, pledge: Pledge, status: PledgeStatus) -> bool:
    """Whether an unsourced pledge could serve at all (mandate, backstop, domains)."""
    if status is PledgeStatus.EXCLUDED:
        return False
    if pledge.caveats_of(RequiresUsBackstop) and not scenario.assumptions.us_backstop:
        return False
    return all(Domain.AIR_DEFENCE in c.domains for c in pledge.caveats_of(AllowedDomains))


def air_defence_units(
    scenario: Scenario,
    data: ProtectionData,
    sourcing: SourcingResult,
    assessment: FrameworkAssessment,
    *,
    include_unsourced: bool = False,
) -> tuple[AirDefenceUnit, ...]:
    """The mission's sourced air defence, pledge by pledge, and optionally the spare pledges."""
    status = {v.pledge_id: v.status for v in assessment.pledges}
    pledges = {p.id: p for p in scenario.pledges}
    assigned: dict[str, list[tuple[str, int]]] = {}
    for a in sourcing.assignments:
        if scenario.unit_type_by_id[a.unit_type].domain is Domain.AIR_DEFENCE:
            assigned.setdefault(a.pledge_id, []).append((a.line_id, a.units))
    found: list[AirDefenceUnit | None] = [
        _unit(
            scenario,
            data,
            pledges[pledge_id],
            status[pledge_id],
            sum(u for _, u in lines),
            sourced=True,
            line_ids=tuple(sorted(line for line, _ in lines)),
        )
        for pledge_id, lines in sorted(assigned.items())
    ]
    if include_unsourced:
        used = {a.pledge_id: 0 for a in sourcing.assignments}
        for a in sourcing.assignments:
            used[a.pledge_id] += a.units
        for pledge in scenario.pledges:
            unit_type = scenario.unit_type_by_id[pledge.unit_type]
            spare = pledge.count - used.get(pledge.id, 0)
            if (
                unit_type.domain is Domain.AIR_DEFENCE
                and spare > 0
                and _usable_spare(scenario, pledge, status[pledge.id])
            ):
                found.append(
                    _unit(
                        scenario, data, pledge, status[pledge.id], spare, sourced=False, line_ids=()
                    )
                )
    return tuple(u for u in found if u is not None)


# --- the sites ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Site:
    id: str
    name: str
    lon: float
    lat: float
    host_nation: str
    capacity: int


def grid_sites(data: ProtectionData, frontier: Frontier, cities: Sequence[City]) -> list[_Site]:
    """Sites on a regular metric grid over unoccupied Ukrainian land, named by MGRS square."""
    if data.site_grid is None:
        return []
    land = frontier.free_land
    step = data.site_grid.spacing_km * 1000.0
    west, south, east, north = land.bounds
    xs = np.arange(np.ceil(west / step) * step, east, step)
    ys = np.arange(np.ceil(south / step) * step, north, step)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    inside = shapely.contains_xy(land, gx, gy)
    gx, gy = gx[inside], gy[inside]
    points = to_lonlat(shapely.MultiPoint(np.column_stack([gx, gy])))
    cx, cy = lonlat_to_metric([c.lon for c in cities], [c.lat for c in cities])
    converter = mgrs.MGRS()
    sites = []
    for point, x, y in zip(shapely.get_parts(points), gx, gy, strict=True):
        lon, lat = round(float(point.x), 4), round(float(point.y), 4)
        square = str(converter.toMGRS(lat, lon, MGRSPrecision=2))
        near = (
            f" near {cities[int(np.argmin((cx - x) ** 2 + (cy - y) ** 2))].name}" if cities else ""
        )
        sites.append(
            _Site(
                id=f"grid-{square.lower()}",
                name=f"grid {square}{near}",
                lon=lon,
                lat=lat,
                host_nation=UKRAINE,
                capacity=data.site_grid.capacity,
            )
        )
    return sites


def candidate_sites(
    data: ProtectionData, frontier: Frontier, cities: Sequence[City]
) -> tuple[CandidateSiteInfo, ...]:
    """Named and grid sites with their distance from the line and their risk."""
    sites = [
        _Site(s.id, s.name, s.lon, s.lat, s.host_nation, s.capacity) for s in data.candidate_sites
    ] + grid_sites(data, frontier, cities)
    lon, lat = [s.lon for s in sites], [s.lat for s in sites]
    to_line = frontier.line_km(lon, lat)
    risk = risk_scores(frontier.threat_km(lon, lat)[0], data.threat_classes)
    return tuple(
        CandidateSiteInfo(
            id=s.id,
            name=s.name,
            lon=s.lon,
            lat=s.lat,
            host_nation=s.host_nation,
            capacity=s.capacity,
            distance_to_line_km=round(float(d), 1),
            risk=float(r),
        )
        for s, d, r in zip(sites, to_line, risk, strict=True)
    )


def allowed_sites(
    unit: AirDefenceUnit, sites: Sequence[CandidateSiteInfo], hosts: frozenset[str]
) -> Bools:
    """Where a unit may stand: far enough from the line, on soil it may use."""
    return np.array(
        [
            s.distance_to_line_km >= unit.min_distance_km
            and (unit.may_stand_in_ukraine if s.host_nation == UKRAINE else s.host_nation in hosts)
            for s in sites
        ],
        dtype=bool,
    )


# --- the covering model -------------------------------------------------------------------


def _xy(lon: Sequence[float], lat: Sequence[float]) -> Floats:
    x, y = lonlat_to_metric(lon, lat)
    return np.column_stack([x, y])


def unit_key(unit: AirDefenceUnit) -> str:
    """Facility group key of a unit entry (a pledge may have sourced and spare units)."""
    return unit.pledge_id if unit.sourced else f"{unit.pledge_id}+spare"


def build_instance(
    units: Sequence[AirDefenceUnit],
    sites: Sequence[CandidateSiteInfo],
    assets: Sequence[ProtectedAsset],
    hosts: frozenset[str],
) -> MclpInstance:
    """The covering model of a mission: assets as demand, sites, one group per pledge."""
    return MclpInstance(
        demand_xy=_xy([a.lon for a in assets], [a.lat for a in assets]),
        weights=np.array([a.weight for a in assets], dtype=float),
        site_xy=_xy([s.lon for s in sites], [s.lat for s in sites]),
        capacity=np.array([s.capacity for s in sites], dtype=np.int64),
        groups=tuple(
            FacilityGroup(unit_key(u), u.units, u.range_km * 1000.0, allowed_sites(u, sites, hosts))
            for u in units
        ),
        site_penalty=np.array([s.risk for s in sites], dtype=float),
    )


def totals(assets: Sequence[ProtectedAsset], covered: Bools) -> CoverageTotals:
    """People, MW, weight, ports and bases: all of them, and those covered."""

    def total(kind: AssetKind | None, only_covered: bool, attr: str = "value") -> float:
        return float(
            sum(
                getattr(a, attr)
                for a, c in zip(assets, covered, strict=True)
                if (kind is None or a.kind is kind) and (c or not only_covered)
            )
        )

    def count(kind: AssetKind, only_covered: bool) -> int:
        return sum(
            1
            for a, c in zip(assets, covered, strict=True)
            if a.kind is kind and (c or not only_covered)
        )

    return CoverageTotals(
        population=round(total(AssetKind.CITY, False)),
        population_covered=round(total(AssetKind.CITY, True)),
        mw=round(total(AssetKind.ENERGY, False), 1),
        mw_covered=round(total(AssetKind.ENERGY, True), 1),
        weight=round(total(None, False, "weight"), 3),
        weight_covered=round(total(None, True, "weight"), 3),
        ports=count(AssetKind.PORT, False),
        ports_covered=count(AssetKind.PORT, True),
        force_bases=count(AssetKind.FORCE_BASE, False),
        force_bases_covered=count(AssetKind.FORCE_BASE, True),
    )


def _loss(before: CoverageTotals, after: CoverageTotals) -> CoverageLoss:
    return CoverageLoss(
        population=before.population_covered - after.population_covered,
        mw=round(before.mw_covered - after.mw_covered, 1),
        weight=round(before.weight_covered - after.weight_covered, 3),
    )


def _withdrawals(
    instance: MclpInstance,
    units: Sequence[AirDefenceUnit],
    assets: Sequence[ProtectedAsset],
    solution: MclpSolution,
    *,
    base: CoverageTotals,
    time_limit_s: float,
) -> tuple[NationWithdrawal, ...]:
    """For each nation with units placed: coverage lost at once, and after the others move."""
    result = []
    for nation in sorted({u.nation for u in units}):
        keys = {unit_key(u) for u in units if u.nation == nation}
        groups = {i for i, g in enumerate(instance.groups) if g.key in keys}
        kept = {gj: n for gj, n in solution.placed.items() if gj[0] not in groups}
        replaced = solve_mclp(instance.without(keys), time_limit_s=time_limit_s, second_stage=False)
        result.append(
            NationWithdrawal(
                nation=nation,
                units=sum(u.units for u in units if u.nation == nation),
                immediate=_loss(base, totals(assets, covered_by(instance, kept))),
                after_replacement=_loss(base, totals(assets, replaced.covered)),
            )
        )
    return tuple(sorted(result, key=lambda w: -w.after_replacement.weight))


def _placements(
    instance: MclpInstance,
    units: Sequence[AirDefenceUnit],
    sites: Sequence[CandidateSiteInfo],
    assets: Sequence[ProtectedAsset],
    solution: MclpSolution,
) -> tuple[Placement, ...]:
    placements = []
    for (g, j), count in sorted(
        solution.placed.items(), key=lambda kv: (units[kv[0][0]].pledge_id, kv[0][1])
    ):
        unit, site = units[g], sites[j]
        reach = covered_by(instance, {(g, j): count})
        covered = [a for a, c in zip(assets, reach, strict=True) if c]
        placements.append(
            Placement(
                id=f"{unit_key(unit)}@{site.id}",
                pledge_id=unit.pledge_id,
                nation=unit.nation,
                unit_type=unit.unit_type,
                units=count,
                site_id=site.id,
                range_km=unit.range_km,
                covered_population=round(sum(a.value for a in covered if a.kind is AssetKind.CITY)),
                covered_mw=round(sum(a.value for a in covered if a.kind is AssetKind.ENERGY), 1),
                covered_weight=round(sum(a.weight for a in covered), 3),
                covered_assets=tuple(a.id for a in covered),
            )
        )
    return tuple(placements)


def _unplaced(
    instance: MclpInstance, units: Sequence[AirDefenceUnit], solution: MclpSolution
) -> tuple[UnplacedUnits, ...]:
    result = []
    for g, (unit, group) in enumerate(zip(units, instance.groups, strict=True)):
        left = unit.units - sum(n for (gg, _), n in solution.placed.items() if gg == g)
        if left <= 0:
            continue
        if not group.allowed.any():
            where = "host-nation sites" if not unit.may_stand_in_ukraine else "sites"
            reason = f"no {where} at least {unit.min_distance_km:g} km from the line"
        else:
            reason = "no free allowed site adds coverage"
        result.append(UnplacedUnits(pledge_id=unit.pledge_id, units=left, reason=reason))
    return tuple(result)


def plan_coverage(
    units: Sequence[AirDefenceUnit],
    sites: Sequence[CandidateSiteInfo],
    assets: Sequence[ProtectedAsset],
    hosts: frozenset[str],
    *,
    excluded_assets: int = 0,
    time_limit_s: float = 30.0,
    withdrawals: bool = True,
) -> CoverageResult:
    """Solve the covering model and explain it: placements, totals, nation withdrawals."""
    instance = build_instance(units, sites, assets, hosts)
    solution = solve_mclp(instance, time_limit_s=time_limit_s)
    covering: dict[str, list[str]] = {}
    placements = _placements(instance, units, sites, assets, solution)
    for placement in placements:
        for asset_id in placement.covered_assets:
            covering.setdefault(asset_id, []).append(placement.id)
    base = totals(assets, solution.covered)
    return CoverageResult(
        status=solution.status,
        objective=round(solution.objective, 6),
        bound=round(solution.bound, 6),
        totals=base,
        units=tuple(units),
        placements=placements,
        unplaced=_unplaced(instance, units, solution),
        sites=tuple(sites),
        assets=tuple(
            a.model_copy(update={"covered_by": tuple(covering.get(a.id, ()))}) for a in assets
        ),
        excluded_assets=excluded_assets,
        withdrawals=(
            _withdrawals(instance, units, assets, solution, base=base, time_limit_s=time_limit_s)
            if withdrawals
            else ()
        ),
        solve_seconds=round(solution.seconds, 3),
    )
