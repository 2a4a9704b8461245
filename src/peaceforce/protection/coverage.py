"""Place a mission's air defence to defend the most people, megawatts, ports and bases.

The sourced air-defence assignments (and, if asked, the air-defence pledges
that survive the mandate but were not sourced) become facility groups of the
covering model in :mod:`peaceforce.solvers.mclp`: one group per pledge and
requirement line, with its unit type's defended radius per threat class
(:mod:`peaceforce.protection.envelope`) and the sites it may use. The assets
are demand once per class of the mission's threat mix, weighted by the class's
share, so a placement is worth what it defends against the attacks the mission
faces. A site is allowed when it lies in the area of the unit's requirement
line (within ``point_area_km`` of a point area), at least the larger of the
policy distance and the pledge's own caveat from the line of contact, and
either in Ukraine (if the pledge may stand there under the framework) or in a
nation that agreed to host.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import mgrs
import numpy as np
import shapely
from numpy.typing import NDArray

from peaceforce.geo.crs import lonlat_to_metric, to_lonlat
from peaceforce.mandate.analysis import FrameworkAssessment, PledgeStatus
from peaceforce.protection.data import ProtectionData, ThreatMix
from peaceforce.protection.envelope import defended_radii
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
    ThreatCoverage,
    UnplacedUnits,
)
from peaceforce.protection.threat import risk_scores
from peaceforce.scenario.base import ArticleSource, PublicSource, Source
from peaceforce.scenario.model import (
    AirThreat,
    AllowedDomains,
    Domain,
    MinDistanceFromLineOfContact,
    NoPresenceOnUkrainianTerritory,
    Pledge,
    RequiresUsBackstop,
    Scenario,
)
from peaceforce.solvers.budget import PROTECTION, limit
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
from peaceforce.sourcing.result import LineFill, SourcingResult

UKRAINE = "UKR"


# --- the units ----------------------------------------------------------------------------


def _unit(
    scenario: Scenario,
    data: ProtectionData,
    pledge: Pledge,
    status: PledgeStatus,
    units: int,
    *,
    line: LineFill | None,
) -> AirDefenceUnit | None:
    envelope = scenario.unit_type_by_id[pledge.unit_type].air_defence
    if envelope is None:
        return None
    caveat_km = [c.km for c in pledge.caveats_of(MinDistanceFromLineOfContact)]
    return AirDefenceUnit(
        pledge_id=pledge.id,
        nation=pledge.nation,
        unit_type=pledge.unit_type,
        units=units,
        radii=defended_radii(envelope, data.air_threats),
        sourced=line is not None,
        line_ids=() if line is None else (line.line_id,),
        area=None if line is None else line.area,
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
    """The mission's sourced air defence, pledge by pledge and line by line; optionally spares.

    A pledge sourced for two lines (two plants) gives two entries, each bound
    to its own line's area, so both plants get their unit.
    """
    status = {v.pledge_id: v.status for v in assessment.pledges}
    pledges = {p.id: p for p in scenario.pledges}
    lines = {line.line_id: line for line in sourcing.lines}
    assigned: dict[tuple[str, str], int] = {}
    for a in sourcing.assignments:
        if scenario.unit_type_by_id[a.unit_type].domain is Domain.AIR_DEFENCE:
            key = (a.pledge_id, a.line_id)
            assigned[key] = assigned.get(key, 0) + a.units
    found: list[AirDefenceUnit | None] = [
        _unit(
            scenario,
            data,
            pledges[pledge_id],
            status[pledge_id],
            units,
            line=lines[line_id],
        )
        for (pledge_id, line_id), units in sorted(assigned.items())
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
                found.append(_unit(scenario, data, pledge, status[pledge.id], spare, line=None))
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
    """Named and grid sites with their distance from the line, their risk and their areas."""
    sites = [
        _Site(s.id, s.name, s.lon, s.lat, s.host_nation, s.capacity) for s in data.candidate_sites
    ] + grid_sites(data, frontier, cities)
    lon, lat = [s.lon for s in sites], [s.lat for s in sites]
    to_line = frontier.line_km(lon, lat)
    risk = risk_scores(frontier.threat_km(lon, lat)[0], data.threat_classes)
    areas = frontier.areas_holding(lon, lat, data.point_area_km)
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
            areas=a,
        )
        for s, d, r, a in zip(sites, to_line, risk, areas, strict=True)
    )


def allowed_sites(
    unit: AirDefenceUnit, sites: Sequence[CandidateSiteInfo], hosts: frozenset[str]
) -> Bools:
    """Where a unit may stand: in its line's area, far enough from the line, on soil it may use."""
    return np.array(
        [
            (unit.area is None or unit.area in s.areas)
            and s.distance_to_line_km >= unit.min_distance_km
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
    """Facility group key of a unit entry: its pledge and line (or spare)."""
    return f"{unit.pledge_id}/{unit.line_ids[0]}" if unit.sourced else f"{unit.pledge_id}+spare"


def build_instance(
    units: Sequence[AirDefenceUnit],
    sites: Sequence[CandidateSiteInfo],
    assets: Sequence[ProtectedAsset],
    hosts: frozenset[str],
    shares: Mapping[AirThreat, float],
) -> MclpInstance:
    """The covering model of a mission: assets once per threat class, sites, a group per unit.

    Layer ``k`` is the ``k``-th class of ``shares``; its demand weights are the
    assets' weights times the class's share, and each group covers it with its
    radius against that class.
    """
    threats = list(shares)
    n = len(assets)
    xy = _xy([a.lon for a in assets], [a.lat for a in assets])
    weight = np.array([a.weight for a in assets], dtype=float)
    return MclpInstance(
        demand_xy=np.tile(xy, (len(threats), 1)),
        weights=np.concatenate([weight * shares[t] for t in threats]),
        site_xy=_xy([s.lon for s in sites], [s.lat for s in sites]),
        capacity=np.array([s.capacity for s in sites], dtype=np.int64),
        groups=tuple(
            FacilityGroup(
                unit_key(u),
                u.units,
                tuple(u.radius_km(t) * 1000.0 for t in threats),
                allowed_sites(u, sites, hosts),
            )
            for u in units
        ),
        site_penalty=np.array([s.risk for s in sites], dtype=float),
        demand_layer=np.repeat(np.arange(len(threats), dtype=np.int64), n),
    )


def totals(assets: Sequence[ProtectedAsset], defended: Floats | Bools) -> CoverageTotals:
    """People, MW, weight, ports and bases: all of them, and those defended.

    ``defended`` is, per asset, 1 or 0 against one class, or the share of the
    threat mix it is defended against.
    """
    share = np.asarray(defended, dtype=float)
    kind = np.array([a.kind.value for a in assets], dtype=object)
    value = np.array([a.value for a in assets], dtype=float)
    weight = np.array([a.weight for a in assets], dtype=float)

    def of(k: AssetKind) -> NDArray[np.bool_]:
        return np.asarray(kind == k.value, dtype=bool)

    city, energy, port, base = (of(k) for k in AssetKind)
    return CoverageTotals(
        population=round(float(value[city].sum())),
        population_covered=round(float((value * share)[city].sum())),
        mw=round(float(value[energy].sum()), 1),
        mw_covered=round(float((value * share)[energy].sum()), 1),
        weight=round(float(weight.sum()), 3),
        weight_covered=round(float((weight * share).sum()), 3),
        ports=int(port.sum()),
        ports_covered=round(float(share[port].sum()), 2),
        force_bases=int(base.sum()),
        force_bases_covered=round(float(share[base].sum()), 2),
    )


def defended_by_threat(
    units: Sequence[AirDefenceUnit],
    sites: Sequence[CandidateSiteInfo],
    assets: Sequence[ProtectedAsset],
    placed: Mapping[tuple[int, int], int],
) -> dict[AirThreat, Bools]:
    """Which assets a placement defends against each threat class (all of them, mix or not)."""
    threats = list(AirThreat)
    every_class = build_instance(units, sites, assets, frozenset(), dict.fromkeys(threats, 1.0))
    covered = covered_by(every_class, dict(placed)).reshape(len(threats), len(assets))
    return {t: covered[k] for k, t in enumerate(threats)}


def mix_defended(covered: Mapping[AirThreat, Bools], shares: Mapping[AirThreat, float]) -> Floats:
    """Per asset, the share of the threat mix it is defended against."""
    defended = np.zeros(len(next(iter(covered.values()))), dtype=np.float64)
    for threat, share in shares.items():
        defended += share * covered[threat]
    return defended


def _loss(before: CoverageTotals, after: CoverageTotals) -> CoverageLoss:
    return CoverageLoss(
        population=before.population_covered - after.population_covered,
        mw=round(before.mw_covered - after.mw_covered, 1),
        weight=round(before.weight_covered - after.weight_covered, 3),
    )


def _withdrawals(
    instance: MclpInstance,
    units: Sequence[AirDefenceUnit],
    sites: Sequence[CandidateSiteInfo],
    assets: Sequence[ProtectedAsset],
    *,
    shares: Mapping[AirThreat, float],
    solution: MclpSolution,
    base: CoverageTotals,
    time_limit_s: float,
) -> tuple[NationWithdrawal, ...]:
    """For each nation with units placed: coverage lost at once, and after the others move."""

    def against_mix(placed: Mapping[tuple[int, int], int]) -> CoverageTotals:
        covered = defended_by_threat(units, sites, assets, placed)
        return totals(assets, mix_defended(covered, shares))

    result = []
    for nation in sorted({u.nation for u in units}):
        keys = {unit_key(u) for u in units if u.nation == nation}
        groups = {i for i, g in enumerate(instance.groups) if g.key in keys}
        kept = {gj: n for gj, n in solution.placed.items() if gj[0] not in groups}
        replaced = solve_mclp(instance.without(keys), time_limit_s=time_limit_s, second_stage=False)
        remaining = [i for i, g in enumerate(instance.groups) if g.key not in keys]
        moved = {(remaining[g], j): n for (g, j), n in replaced.placed.items()}
        result.append(
            NationWithdrawal(
                nation=nation,
                units=sum(u.units for u in units if u.nation == nation),
                immediate=_loss(base, against_mix(kept)),
                after_replacement=_loss(base, against_mix(moved)),
            )
        )
    return tuple(sorted(result, key=lambda w: -w.after_replacement.weight))


def _placements(
    units: Sequence[AirDefenceUnit],
    sites: Sequence[CandidateSiteInfo],
    assets: Sequence[ProtectedAsset],
    shares: Mapping[AirThreat, float],
    solution: MclpSolution,
) -> tuple[Placement, ...]:
    placements = []
    for (g, j), count in sorted(
        solution.placed.items(), key=lambda kv: (unit_key(units[kv[0][0]]), kv[0][1])
    ):
        unit, site = units[g], sites[j]
        defended = mix_defended(defended_by_threat(units, sites, assets, {(g, j): count}), shares)
        alone = totals(assets, defended)
        placements.append(
            Placement(
                id=f"{unit_key(unit)}@{site.id}",
                pledge_id=unit.pledge_id,
                nation=unit.nation,
                unit_type=unit.unit_type,
                units=count,
                site_id=site.id,
                line_ids=unit.line_ids,
                area=unit.area,
                radii=unit.radii,
                covered_population=alone.population_covered,
                covered_mw=alone.mw_covered,
                covered_weight=alone.weight_covered,
                covered_assets=tuple(a.id for a, d in zip(assets, defended, strict=True) if d > 0),
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
            within = f" in area {unit.area}" if unit.area is not None else ""
            reason = f"no {where}{within} at least {unit.min_distance_km:g} km from the line"
        else:
            reason = "no free allowed site adds coverage against the threat mix"
        result.append(UnplacedUnits(pledge_id=unit.pledge_id, units=left, reason=reason))
    return tuple(result)


def _describe(source: Source) -> str:
    if isinstance(source, PublicSource):
        return source.reference
    if isinstance(source, ArticleSource):
        return f"{source.article} ({source.paragraph})"
    return f"assumption: {source.reason}"


def plan_coverage(
    units: Sequence[AirDefenceUnit],
    sites: Sequence[CandidateSiteInfo],
    assets: Sequence[ProtectedAsset],
    hosts: frozenset[str],
    mix: ThreatMix,
    *,
    excluded_assets: int = 0,
    time_limit_s: float | None = None,
    withdrawals: bool = True,
) -> CoverageResult:
    """Solve the covering model against a threat mix and explain it.

    Returns placements, the totals against the mix and against each class
    alone, and the loss if each nation withdrew. The time limit (of each
    solve) defaults to the protection budget for demand points × sites.
    """
    shares = {t: mix.share(t) for t in AirThreat if mix.share(t) > 0}
    instance = build_instance(units, sites, assets, hosts, shares)
    size = len(instance.weights) * len(instance.site_xy)
    time_limit_s = limit(PROTECTION, size, time_limit_s)
    solution = solve_mclp(instance, time_limit_s=time_limit_s)
    covered = defended_by_threat(units, sites, assets, solution.placed)
    placements = _placements(units, sites, assets, shares, solution)
    covering: dict[str, list[str]] = {}
    for placement in placements:
        for asset_id in placement.covered_assets:
            covering.setdefault(asset_id, []).append(placement.id)
    base = totals(assets, mix_defended(covered, shares))
    return CoverageResult(
        status=solution.status,
        objective=round(solution.objective, 6),
        bound=round(solution.bound, 6),
        totals=base,
        by_threat=tuple(
            ThreatCoverage(
                threat=t, share=round(mix.share(t), 4), totals=totals(assets, covered[t])
            )
            for t in AirThreat
        ),
        mix_source=_describe(mix.source),
        units=tuple(units),
        placements=placements,
        unplaced=_unplaced(instance, units, solution),
        sites=tuple(sites),
        assets=tuple(
            a.model_copy(
                update={
                    "covered_by": tuple(covering.get(a.id, ())),
                    "covered_against": tuple(t for t in AirThreat if covered[t][i]),
                }
            )
            for i, a in enumerate(assets)
        ),
        excluded_assets=excluded_assets,
        withdrawals=(
            _withdrawals(
                instance,
                units,
                sites,
                assets,
                shares=shares,
                solution=solution,
                base=base,
                time_limit_s=time_limit_s,
            )
            if withdrawals
            else ()
        ),
        solve_seconds=round(solution.seconds, 3),
    )
