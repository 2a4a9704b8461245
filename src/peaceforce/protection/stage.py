"""The protection stage: air-defence coverage, threat and presence for one sourced mission.

:func:`protect_mission` is what ``peaceforce protect`` and ``peaceforce plan``
call. It takes the scenario, the sourcing result of one mission under one
framework, the scenario's protection data and the cities to defend, and returns
a typed, serialisable :class:`~peaceforce.protection.result.ProtectionResult`. It
reads no file and no package data itself: the caller loads ``protection.yaml``,
the cities (:func:`peaceforce.sources.cities.ukrainian_cities`) and any
power-plant CSV (:func:`peaceforce.sources.power_plants.read_power_plants`) once.
"""

from __future__ import annotations

from collections.abc import Sequence

from peaceforce.mandate.analysis import FrameworkAssessment, MandateReport, analyse_mandate
from peaceforce.protection.assets import EnergyAsset, protected_assets
from peaceforce.protection.coverage import air_defence_units, candidate_sites, plan_coverage
from peaceforce.protection.data import ProtectionData
from peaceforce.protection.geometry import Frontier
from peaceforce.protection.presence import assess_presence, flying_base
from peaceforce.protection.result import CoverageResult, PositionKind, ProtectionResult
from peaceforce.protection.threat import Position, area_position, assess_threat
from peaceforce.scenario.model import Domain, Scenario
from peaceforce.scenario.names import Names
from peaceforce.sources.cities import City
from peaceforce.sourcing.candidates import area_centre
from peaceforce.sourcing.result import SourcingResult


def _unit_positions(
    scenario: Scenario,
    data: ProtectionData,
    sourcing: SourcingResult,
    coverage: CoverageResult,
    *,
    assessment: FrameworkAssessment,
    frontier: Frontier,
) -> list[Position]:
    """Each sourced unit where it stands: an air-defence unit at its site, an aircraft at its base.

    Other units stand at the centre of their line's area.
    """
    lines = {line.line_id: line for line in sourcing.lines}
    sites = {s.id: s for s in coverage.sites}
    names = Names.of(scenario)
    positions = []
    for a in sourcing.assignments:
        area = scenario.area_by_id[lines[a.line_id].area]
        name = (
            f"{a.units} × {names.unit_type(a.unit_type)} ({names.nation(a.nation)}) "
            f"for {names.line(sourcing.mission_id, a.line_id)}"
        )
        unit_id = f"unit-{a.line_id}-{a.pledge_id}"
        domain = scenario.unit_type_by_id[a.unit_type].domain
        placed = [
            p for p in coverage.placements if p.pledge_id == a.pledge_id and a.line_id in p.line_ids
        ]
        if domain is Domain.AIR_DEFENCE and placed:
            positions += [
                Position(
                    f"{unit_id}@{p.site_id}",
                    f"{p.units} × {names.unit_type(a.unit_type)} ({names.nation(a.nation)}) "
                    f"for {names.line(sourcing.mission_id, a.line_id)} at {sites[p.site_id].name}",
                    PositionKind.UNIT,
                    sites[p.site_id].lon,
                    sites[p.site_id].lat,
                )
                for p in placed
            ]
            continue
        base = (
            flying_base(
                scenario,
                data,
                assessment,
                a.pledge_id,
                serves=area_centre(area),
                frontier=frontier,
            )
            if domain is Domain.AIR
            else None
        )
        if base is not None:
            positions.append(
                Position(
                    unit_id,
                    f"{name}, flying from {base.name}",
                    PositionKind.UNIT,
                    base.lon,
                    base.lat,
                )
            )
        else:
            positions.append(area_position(area, PositionKind.UNIT, id=unit_id, name=name))
    return positions


def mission_positions(
    scenario: Scenario,
    data: ProtectionData,
    sourcing: SourcingResult,
    coverage: CoverageResult,
    *,
    assessment: FrameworkAssessment,
    frontier: Frontier,
) -> list[Position]:
    """Every area, base, site, unit and CAP station of the mission, for the threat layer."""
    positions = [area_position(area) for area in scenario.areas]
    positions += [
        Position(f"base-{b.id}", b.name, PositionKind.AIR_BASE, b.lon, b.lat)
        for b in data.air_bases
    ]
    used = {p.site_id for p in coverage.placements}
    positions += [
        Position(f"site-{s.id}", s.name, PositionKind.AD_SITE, s.lon, s.lat)
        for s in coverage.sites
        if s.id in used
    ]
    positions += _unit_positions(
        scenario, data, sourcing, coverage, assessment=assessment, frontier=frontier
    )
    positions += [
        Position(f"cap-{c.id}", c.name, PositionKind.CAP_STATION, c.lon, c.lat)
        for c in data.cap_stations
    ]
    return positions


def protect_mission(
    scenario: Scenario,
    sourcing: SourcingResult,
    *,
    data: ProtectionData,
    cities: Sequence[City],
    mandate: MandateReport | None = None,
    energy_sites: Sequence[EnergyAsset] | None = None,
    include_unsourced: bool = False,
    time_limit_s: float | None = None,
    withdrawals: bool = True,
) -> ProtectionResult:
    """Place the mission's air defence, score the threat to every position, assess presence.

    Parameters
    ----------
    sourcing
        ``source_mission(scenario, mission_id, framework_id)``: its air-defence
        assignments are the units placed.
    data
        The scenario's ``protection.yaml``, from
        :func:`~peaceforce.protection.data.load_protection_data`.
    cities
        Cities to defend, e.g. :func:`~peaceforce.sources.cities.ukrainian_cities`
        (those below ``data.weights.min_city_population`` are left out); they also
        name the grid sites.
    energy_sites
        Power plants to defend instead of those in ``data`` (e.g. from
        :func:`~peaceforce.sources.power_plants.read_power_plants`).
    include_unsourced
        Also place air-defence pledges that survive the mandate but were not
        sourced for this mission (flagged ``sourced=False``).
    withdrawals
        Re-solve once per contributing nation to measure the loss if it withdrew.
    """
    assessment = (mandate or analyse_mandate(scenario)).assessment(sourcing.framework_id)
    frontier = Frontier.of(scenario, data)
    assets, excluded = protected_assets(
        scenario,
        data,
        sourcing,
        frontier,
        cities=cities,
        energy_sites=data.energy_sites if energy_sites is None else energy_sites,
    )
    units = air_defence_units(
        scenario, data, sourcing, assessment, include_unsourced=include_unsourced
    )
    coverage = plan_coverage(
        units,
        candidate_sites(data, frontier, cities),
        assets,
        data.hosts,
        data.air_threats.mix_for(sourcing.mission_id),
        excluded_assets=excluded,
        time_limit_s=time_limit_s,
        withdrawals=withdrawals,
    )
    threat = assess_threat(
        frontier,
        data.threat_classes,
        mission_positions(
            scenario, data, sourcing, coverage, assessment=assessment, frontier=frontier
        ),
    )
    notes = []
    if excluded:
        notes.append(f"{excluded} assets in occupied territory are not counted")
    spare = [u.pledge_id for u in units if not u.sourced]
    if spare:
        notes.append("pledged but not sourced for this mission: " + ", ".join(spare))
    return ProtectionResult(
        scenario_id=scenario.id,
        mission_id=sourcing.mission_id,
        framework_id=sourcing.framework_id,
        coverage=coverage,
        threat=threat,
        presence=assess_presence(scenario, data, sourcing, assessment),
        notes=tuple(notes),
        **scenario.stamp(data),
    )
