"""What the air defence protects: cities, energy sites, ports and the force's own bases.

Cities are GeoNames' (:func:`peaceforce.sources.cities.ukrainian_cities`), energy
sites come from ``protection.yaml`` or from any CSV with the WRI Global Power
Plant Database columns (:func:`peaceforce.sources.power_plants.read_power_plants`);
the caller reads both and passes them. Assets in occupied territory are dropped:
the force does not defend what lies beyond the line.
"""

from __future__ import annotations

from collections.abc import Sequence

from peaceforce.protection.data import AssetWeights, EnergySite, ProtectionData
from peaceforce.protection.geometry import Frontier
from peaceforce.protection.result import AssetKind, ProtectedAsset
from peaceforce.protection.threat import area_position
from peaceforce.scenario.model import AreaKind, Scenario
from peaceforce.sources.cities import City
from peaceforce.sources.power_plants import PowerPlant
from peaceforce.sourcing.result import SourcingResult

#: A power plant to defend: listed in ``protection.yaml`` or read from a WRI file.
EnergyAsset = EnergySite | PowerPlant


def energy_weight(site: EnergyAsset, weights: AssetWeights) -> float:
    """Weight of a power plant: per 100 MW, nuclear plants multiplied."""
    factor = weights.nuclear_factor if site.nuclear else 1.0
    return site.capacity_mw / 100.0 * weights.per_100_mw * factor


def force_base_areas(scenario: Scenario, sourcing: SourcingResult) -> list[str]:
    """Land areas where the mission's sourced units stand: the force's own bases."""
    used = {a.line_id for a in sourcing.assignments}
    areas = {line.area for line in sourcing.lines if line.line_id in used}
    return sorted(a for a in areas if scenario.area_by_id[a].kind is AreaKind.LAND)


def protected_assets(
    scenario: Scenario,
    data: ProtectionData,
    sourcing: SourcingResult,
    frontier: Frontier,
    *,
    cities: Sequence[City],
    energy_sites: Sequence[EnergyAsset],
) -> tuple[tuple[ProtectedAsset, ...], int]:
    """Every asset to defend, weighted, and how many were dropped as occupied."""
    weights = data.weights
    candidates: list[ProtectedAsset] = [
        ProtectedAsset(
            id=f"city-{c.geonameid}",
            name=c.name,
            kind=AssetKind.CITY,
            lon=c.lon,
            lat=c.lat,
            value=float(c.population),
            weight=c.population / 1e5 * weights.per_100k_people,
        )
        for c in cities
        if c.population >= weights.min_city_population
    ]
    candidates += [
        ProtectedAsset(
            id=f"energy-{s.id}",
            name=s.name,
            kind=AssetKind.ENERGY,
            lon=s.lon,
            lat=s.lat,
            value=s.capacity_mw,
            weight=energy_weight(s, weights),
        )
        for s in energy_sites
    ]
    candidates += [
        ProtectedAsset(
            id=f"port-{p.id}",
            name=p.name,
            kind=AssetKind.PORT,
            lon=p.lon,
            lat=p.lat,
            value=p.weight,
            weight=p.weight,
        )
        for p in data.ports
    ]
    for area_id in force_base_areas(scenario, sourcing):
        position = area_position(scenario.area_by_id[area_id])
        candidates.append(
            ProtectedAsset(
                id=f"base-{area_id}",
                name=position.name,
                kind=AssetKind.FORCE_BASE,
                lon=position.lon,
                lat=position.lat,
                value=weights.force_base,
                weight=weights.force_base,
            )
        )
    occupied = frontier.occupied_mask([a.lon for a in candidates], [a.lat for a in candidates])
    kept = tuple(a for a, gone in zip(candidates, occupied, strict=True) if not gone)
    return kept, int(occupied.sum())
