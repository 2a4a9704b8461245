"""``protection.yaml``: what a scenario says about air defence, threat and presence.

One optional file beside the other scenario files. It holds the threat classes
and where they are fired from, the territory beyond the line of contact, the
candidate air-defence sites and the nations that agreed to host them, the
energy sites, ports, air bases and combat air patrol stations, the weights that
make cities, megawatts and ports comparable, and the Black Sea corridor's route.
It is read with the scenario loader's line-numbered YAML helpers, so a fault is
reported like any other scenario fault: file, line, value, what was expected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

import shapely
from pydantic import AfterValidator, Field, model_validator
from shapely import wkt
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

from peaceforce.errors import Problem, ScenarioError
from peaceforce.scenario.base import Frozen, Ident, Iso3, Source
from peaceforce.scenario.loader import (
    Draft,
    Origin,
    builtin_scenario_dir,
    read_yaml,
    reading_order,
    validate_item,
)
from peaceforce.scenario.model import AirThreat, AreaKind, Location, Scenario

PROTECTION_FILE = "protection.yaml"


def _wkt_checker(*kinds: str) -> Any:
    def check(text: str) -> str:
        try:
            geometry = wkt.loads(text)
        except (GEOSException, ValueError, TypeError):
            raise ValueError(f"WKT of a {' or '.join(kinds)} in lon/lat") from None
        if geometry.geom_type not in kinds or geometry.is_empty:
            raise ValueError(f"a non-empty {' or '.join(kinds)}, not {geometry.geom_type}")
        coords = shapely.get_coordinates(geometry)
        if (abs(coords[:, 0]) > 180).any() or (abs(coords[:, 1]) > 90).any():
            raise ValueError("lon/lat coordinates (|lon| <= 180, |lat| <= 90)")
        if not geometry.is_valid:
            raise ValueError("a valid geometry (no self-intersection)")
        return text

    return check


#: WKT of a line (or lines) in lon/lat.
LineWkt = Annotated[str, AfterValidator(_wkt_checker("LineString", "MultiLineString"))]
#: WKT of an area in lon/lat.
PolygonWkt = Annotated[str, AfterValidator(_wkt_checker("Polygon", "MultiPolygon"))]


class OccupiedTerritory(Frozen):
    """Territory beyond the line of contact: no site stands there, no asset there is defended."""

    as_of: date | None = None
    description: str = ""
    geometry_wkt: PolygonWkt
    source: Source


class ThreatOrigin(Frozen):
    """A line, besides the line of contact, from behind which the threat classes fire."""

    id: Ident
    name: str
    geometry_wkt: LineWkt
    source: Source


class ThreatClass(Frozen):
    """A class of weapon that can reach across the line: its range and how bad a hit is."""

    id: Ident
    name: str
    range_km: float = Field(gt=0, description="maximum range from the launcher")
    standoff_km: float = Field(
        default=0.0, ge=0, description="how far behind the line launchers typically stand"
    )
    severity: float = Field(gt=0, le=1, description="weight of the class in the risk score")
    source: Source

    @model_validator(mode="after")
    def _standoff_below_range(self) -> ThreatClass:
        if self.standoff_km >= self.range_km:
            raise ValueError(f"standoff {self.standoff_km} km not below range {self.range_km} km")
        return self

    @property
    def reach_km(self) -> float:
        """How far past the line (or another origin) the class reaches."""
        return self.range_km - self.standoff_km


class AirThreatAltitude(Frozen):
    """How high a low-flying threat class flies: the radar horizon cuts radii against it."""

    threat: AirThreat
    altitude_m: float = Field(gt=0, description="typical altitude above ground on its way in")
    source: Source


#: Shares of a mix must add up to 1 within this (they are rounded figures).
MIX_TOLERANCE = 0.002


class ThreatMix(Frozen):
    """What a mission defends against: a share of the attacks per threat class."""

    shares: dict[AirThreat, float] = Field(description="share of attacks per class, adding to 1")
    source: Source

    @model_validator(mode="after")
    def _shares_add_to_one(self) -> ThreatMix:
        if any(v < 0 for v in self.shares.values()):
            raise ValueError("shares of 0 or more")
        total = sum(self.shares.values())
        if abs(total - 1.0) > MIX_TOLERANCE:
            raise ValueError(f"shares that add up to 1, not {total:g}")
        return self

    def share(self, threat: AirThreat) -> float:
        """Share of one class (0 when the mix does not name it), normalised to add to 1."""
        return self.shares.get(threat, 0.0) / sum(self.shares.values())


class AirThreats(Frozen):
    """The air threat the missions defend against and how low its classes fly."""

    altitudes: tuple[AirThreatAltitude, ...] = Field(
        default=(), description="low flyers whose radius the radar horizon cuts"
    )
    mix: ThreatMix = Field(description="default mix every mission defends against")
    missions: dict[Ident, ThreatMix] = Field(
        default_factory=dict, description="a mission's own mix, replacing the default"
    )

    def altitude_m(self, threat: AirThreat) -> float | None:
        """The class's altitude, or None when the horizon does not limit it (ballistic)."""
        return next((a.altitude_m for a in self.altitudes if a.threat is threat), None)

    def mix_for(self, mission_id: str) -> ThreatMix:
        """The mix a mission defends against."""
        return self.missions.get(mission_id, self.mix)


class HostNation(Frozen):
    """A nation outside Ukraine that agreed to host the force's air defence and aircraft."""

    nation: Iso3
    source: Source


class AssetWeights(Frozen):
    """What makes people, megawatts, ports and the force's bases comparable in one objective."""

    per_100k_people: float = Field(default=1.0, ge=0)
    per_100_mw: float = Field(default=1.0, ge=0)
    nuclear_factor: float = Field(default=2.0, ge=1, description="multiplier for nuclear plants")
    force_base: float = Field(default=10.0, ge=0, description="weight of each of the force's bases")
    min_city_population: int = Field(
        default=15000, ge=15000, description="smallest city defended (GeoNames cities15000)"
    )


class SiteGrid(Frozen):
    """Candidate sites on a regular grid over the Ukrainian land the force may use."""

    spacing_km: float = Field(ge=10, le=500)
    capacity: int = Field(default=1, ge=1, description="air-defence units one site holds")


class CandidateSite(Location):
    """A named place where an air-defence unit may be emplaced."""

    id: Ident
    name: str
    host_nation: Iso3
    capacity: int = Field(default=1, ge=1, description="air-defence units the site holds")


class EnergySite(Location):
    """A power plant to defend: its generating capacity decides its weight."""

    id: str = Field(min_length=1)
    name: str
    fuel: str = Field(description="primary fuel as in the WRI database (Nuclear, Coal, Hydro, ...)")
    capacity_mw: float = Field(gt=0)

    @property
    def nuclear(self) -> bool:
        """Whether a hit risks a radiological release (weighted up)."""
        return self.fuel.strip().lower() == "nuclear"


class Port(Location):
    """A port the force defends (grain corridor, sea lines of supply)."""

    id: Ident
    name: str
    locode: str | None = None
    weight: float = Field(gt=0)


class AirBase(Location):
    """An airfield from which aircraft can fly combat air patrols."""

    id: Ident
    name: str
    icao: str | None = None
    host_nation: Iso3


class CapStation(Location):
    """A combat air patrol station over Ukraine, held by aircraft of one unit type."""

    id: Ident
    name: str
    aircraft: Ident = Field(default="fighter_sqn", description="catalogue unit type")


class Corridor(Frozen):
    """The Black Sea shipping corridor: its area, the route ships follow and what covers it."""

    area: Ident = Field(description="a sea area of the scenario")
    route_wkt: LineWkt
    mcm_km_per_vessel: float = Field(
        gt=0, description="length of swept route one mine-countermeasures vessel keeps clear"
    )
    mcm_unit_types: tuple[Ident, ...] = ("mcm_vessel",)
    mpa_unit_types: tuple[Ident, ...] = ("mpa_det",)
    source: Source


class ProtectionData(Frozen):
    """protection.yaml: everything the protection stage needs beyond the scenario itself."""

    min_distance_from_line_km: float = Field(
        ge=0, description="no air-defence site closer to the line of contact (policy)"
    )
    point_area_km: float = Field(
        default=20.0,
        ge=0,
        description="a unit sourced for a point area (a plant) stands within this distance of it",
    )
    air_threats: AirThreats = Field(description="threat mix defended against, low flyers' altitude")
    occupied_territory: OccupiedTerritory | None = None
    threat_classes: tuple[ThreatClass, ...] = ()
    threat_origins: tuple[ThreatOrigin, ...] = ()
    host_nations: tuple[HostNation, ...] = ()
    weights: AssetWeights = AssetWeights()
    site_grid: SiteGrid | None = None
    candidate_sites: tuple[CandidateSite, ...] = ()
    energy_sites_source: Source | None = None
    energy_sites: tuple[EnergySite, ...] = ()
    ports: tuple[Port, ...] = ()
    air_bases: tuple[AirBase, ...] = ()
    cap_stations: tuple[CapStation, ...] = ()
    corridor: Corridor | None = None

    @cached_property
    def hosts(self) -> frozenset[str]:
        """Nations outside Ukraine that agreed to host."""
        return frozenset(h.nation for h in self.host_nations)

    def occupied(self) -> BaseGeometry | None:
        """The occupied territory in lon/lat, if given."""
        return wkt.loads(self.occupied_territory.geometry_wkt) if self.occupied_territory else None


# --- consistency checks against the scenario ---------------------------------------------


def _at(origin: Origin, path: tuple[str | int, ...], value: Any, expected: str) -> Problem:
    return Problem(origin.file, origin.where(*path), repr(value), expected)


def check_unique_ids(data: ProtectionData, origin: Origin) -> list[Problem]:
    """Ids are unique within each list."""
    problems = []
    collections: dict[str, Iterable[Any]] = {
        "threat_classes": data.threat_classes,
        "threat_origins": data.threat_origins,
        "candidate_sites": data.candidate_sites,
        "energy_sites": data.energy_sites,
        "ports": data.ports,
        "air_bases": data.air_bases,
        "cap_stations": data.cap_stations,
    }
    for name, items in collections.items():
        seen: Counter[str] = Counter()
        for index, item in enumerate(items):
            seen[item.id] += 1
            if seen[item.id] == 2:
                problems.append(_at(origin, (name, index, "id"), item.id, f"a unique id in {name}"))
    return problems


def check_hosts(data: ProtectionData, scenario: Scenario, origin: Origin) -> list[Problem]:
    """Sites and bases stand in Ukraine or in a nation that agreed to host."""
    problems = []
    hosts = {"UKR", *data.hosts}
    for index, host in enumerate(data.host_nations):
        if host.nation not in scenario.nation_by_code:
            problems.append(
                _at(origin, ("host_nations", index, "nation"), host.nation, "a scenario nation")
            )
    expected = f"UKR or a nation that agreed to host ({', '.join(sorted(data.hosts)) or 'none'})"
    placed: list[tuple[str, int, CandidateSite | AirBase]] = [
        *(("candidate_sites", i, s) for i, s in enumerate(data.candidate_sites)),
        *(("air_bases", i, b) for i, b in enumerate(data.air_bases)),
    ]
    for name, index, item in placed:
        if item.host_nation not in hosts:
            problems.append(_at(origin, (name, index, "host_nation"), item.host_nation, expected))
    return problems


def check_outside_occupied(data: ProtectionData, origin: Origin) -> list[Problem]:
    """No candidate site, air base or CAP station's base lies in occupied territory."""
    occupied = data.occupied()
    if occupied is None:
        return []
    problems = []
    for name, items in (("candidate_sites", data.candidate_sites), ("air_bases", data.air_bases)):
        for index, item in enumerate(items):
            if shapely.contains_xy(occupied, item.lon, item.lat):
                problems.append(
                    _at(
                        origin,
                        (name, index, "lon"),
                        (item.lon, item.lat),
                        "a place outside the occupied territory",
                    )
                )
    return problems


def check_unit_types(data: ProtectionData, scenario: Scenario, origin: Origin) -> list[Problem]:
    """CAP aircraft and corridor assets are catalogue unit types; aircraft have a radius."""
    problems = []
    catalogue = scenario.unit_type_by_id
    for index, station in enumerate(data.cap_stations):
        unit = catalogue.get(station.aircraft)
        if unit is None or unit.range_km is None:
            problems.append(
                _at(
                    origin,
                    ("cap_stations", index, "aircraft"),
                    station.aircraft,
                    "a catalogue unit type with a combat radius (range_km)",
                )
            )
    if data.corridor is not None:
        for field in ("mcm_unit_types", "mpa_unit_types"):
            for index, unit_type in enumerate(getattr(data.corridor, field)):
                if unit_type not in catalogue:
                    problems.append(
                        _at(origin, ("corridor", field, index), unit_type, "a catalogue unit type")
                    )
        for index, unit_type in enumerate(data.corridor.mpa_unit_types):
            if unit_type in catalogue and catalogue[unit_type].range_km is None:
                problems.append(
                    _at(
                        origin,
                        ("corridor", "mpa_unit_types", index),
                        unit_type,
                        "an aircraft type with a combat radius (range_km)",
                    )
                )
    return problems


def check_threat_missions(
    data: ProtectionData, scenario: Scenario, origin: Origin
) -> list[Problem]:
    """A mission's own threat mix names a mission of the scenario."""
    known = {m.id for m in scenario.missions}
    return [
        _at(origin, ("air_threats", "missions", mission_id), mission_id, "a mission option id")
        for mission_id in data.air_threats.missions
        if mission_id not in known
    ]


def check_corridor_area(data: ProtectionData, scenario: Scenario, origin: Origin) -> list[Problem]:
    """The corridor names a sea area of the scenario."""
    if data.corridor is None:
        return []
    area = scenario.area_by_id.get(data.corridor.area)
    if area is None or area.kind is not AreaKind.SEA:
        sea = ", ".join(a.id for a in scenario.areas if a.kind is AreaKind.SEA)
        return [_at(origin, ("corridor", "area"), data.corridor.area, f"a sea area ({sea})")]
    return []


def run_checks(data: ProtectionData, scenario: Scenario, origin: Origin) -> list[Problem]:
    """Every consistency check, so that one pass reports every fault."""
    return [
        *check_unique_ids(data, origin),
        *check_hosts(data, scenario, origin),
        *check_outside_occupied(data, origin),
        *check_unit_types(data, scenario, origin),
        *check_corridor_area(data, scenario, origin),
        *check_threat_missions(data, scenario, origin),
    ]


def load_protection_data(
    scenario: Scenario, folder: Path | str | None = None
) -> ProtectionData | None:
    """Read ``protection.yaml`` from a scenario folder (the built-in one by default).

    Returns ``None`` when the scenario has no such file: protection is optional.

    Raises
    ------
    ScenarioError
        With every problem found, each naming the line.
    """
    draft = Draft(Path(folder) if folder is not None else builtin_scenario_dir())
    if not (draft.folder / PROTECTION_FILE).is_file():
        return None
    parsed = read_yaml(draft, PROTECTION_FILE)
    data: ProtectionData | None = None
    if parsed is not None:
        raw, lines = parsed
        origin = Origin(PROTECTION_FILE, (), lines)
        data = validate_item(draft, ProtectionData, raw if raw is not None else {}, origin)
        if data is not None:
            draft.problems.extend(run_checks(data, scenario, origin))
    if draft.problems or data is None:
        raise ScenarioError(sorted(draft.problems, key=reading_order))
    return data
