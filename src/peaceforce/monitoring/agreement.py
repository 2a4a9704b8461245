"""A ceasefire agreement as data: parties, period, scope and typed clauses.

``agreement.yaml`` is what a joint military commission writes; ``load_agreement``
checks it and names the file, line and field of every fault at once.
``compile_zones`` turns the clauses into geometry in ``METRIC_CRS``, once, so that
adjudication only measures distances and tests containment.

Example ``agreement.yaml``::

    id: minsk-ii
    name: Package of measures (Minsk II)
    parties:
      - {id: UKR, name: Ukraine, holds: unoccupied}
      - {id: RUS, name: Russian Federation and forces it backs, holds: occupied}
    period: {start: 2015-02-15, days: null}        # null: open-ended
    scope: full                                     # or {kind: partial, domains: [black_sea]}
    clauses:
      - {kind: no_fire_across_line, id: art1}
      - {kind: demilitarised_buffer, id: buffer, width_km: 15}
      - {kind: heavy_weapon_withdrawal, id: art2,
         security_zone_km: {artillery_100mm_plus: 50, mlrs: 70, heavy_mlrs: 140}}
      - {kind: protected_sites, id: energy, categories: [power_plant], radius_km: 5}
      - {kind: no_naval_attacks, id: sea, zone: {type: Polygon, coordinates: [...]}}
      - {kind: window_of_silence, id: harvest,
         windows: [{start: 2020-07-27T00:00:00Z, end: 2020-08-27T00:00:00Z}]}
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self

import shapely
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from shapely.geometry.base import BaseGeometry

from peaceforce.errors import InputError, Problem
from peaceforce.geo.crs import lonlat_to_metric, to_lonlat, to_metric
from peaceforce.geo.frontline import LineOfContact
from peaceforce.geo.geojson import Geometry, MetricGeometry, polygonal
from peaceforce.monitoring.incidents import FIRE_TYPES, IncidentType, WeaponClass

_FROZEN = ConfigDict(frozen=True, extra="forbid")


def _utc(value: Any) -> Any:
    """YAML gives dates and naive datetimes; the agreement's clock is UTC."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    return value


class Side(StrEnum):
    """Which side of the line of contact a party holds."""

    OCCUPIED = "occupied"
    UNOCCUPIED = "unoccupied"


class Party(BaseModel):
    """A party to the agreement; ``id`` is what incidents are attributed to."""

    model_config = _FROZEN

    id: str = Field(min_length=1)
    name: str
    holds: Side

    @field_validator("id")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()


class Period(BaseModel):
    """When the agreement is in force: ``days`` from ``start``, or open-ended."""

    model_config = _FROZEN

    start: datetime
    days: int | None = Field(default=None, ge=1)

    @field_validator("start", mode="before")
    @classmethod
    def _start_utc(cls, value: Any) -> Any:
        return _utc(value)

    @property
    def end(self) -> datetime | None:
        """End of the period (exclusive), or ``None`` when open-ended."""
        return self.start + timedelta(days=self.days) if self.days is not None else None


class Domain(StrEnum):
    """What a partial ceasefire covers."""

    ENERGY_INFRASTRUCTURE = "energy_infrastructure"
    BLACK_SEA = "black_sea"


class Scope(BaseModel):
    """Full ceasefire, or partial over some domains."""

    model_config = _FROZEN

    kind: Literal["full", "partial"]
    domains: frozenset[Domain] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"kind": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _domains_match_kind(self) -> Self:
        if self.kind == "full" and self.domains:
            raise ValueError("a full ceasefire lists no domains")
        if self.kind == "partial" and not self.domains:
            raise ValueError("a partial ceasefire lists its domains")
        return self


class _Clause(BaseModel):
    model_config = _FROZEN

    #: Domains a clause of this kind belongs to; empty means only a full ceasefire.
    domains: ClassVar[frozenset[Domain]] = frozenset()

    id: str = Field(min_length=1)
    title: str = ""
    types: frozenset[IncidentType] = FIRE_TYPES


class NoFireAcrossLine(_Clause):
    """No fire across the line of contact.

    Fire attributed to a party breaches when it lands on the side the party
    does not hold; unattributed fire breaches wherever it is (as ceasefire
    monitors count explosions they cannot attribute), within ``within_km`` of
    the line if given.
    """

    kind: Literal["no_fire_across_line"]
    within_km: float | None = Field(default=None, gt=0)


class DemilitarisedBuffer(_Clause):
    """No fire and no weapons within ``width_km`` of the line, on each side."""

    kind: Literal["demilitarised_buffer"]
    width_km: float = Field(gt=0)
    types: frozenset[IncidentType] = FIRE_TYPES | {IncidentType.WEAPONS_SIGHTING}


class HeavyWeaponWithdrawal(_Clause):
    """Weapons of each class kept out of a security zone centred on the line.

    As in Minsk-II (art. 2), ``security_zone_km`` is the zone's total width: both
    sides withdraw by equal distances, so each stays half of it from the line
    (artillery of 100 mm and more: 50 km zone, 25 km each; MLRS: 70 km, 35 km
    each; Tornado-S, Uragan, Smerch and Tochka: 140 km, 70 km each).
    """

    kind: Literal["heavy_weapon_withdrawal"]
    security_zone_km: dict[WeaponClass, Annotated[float, Field(gt=0)]] = Field(min_length=1)
    types: frozenset[IncidentType] = frozenset({IncidentType.WEAPONS_SIGHTING})

    def each_side_km(self, weapon: WeaponClass) -> float:
        """How far from the line each side must keep this weapon class."""
        return self.security_zone_km[weapon] / 2.0

    @classmethod
    def minsk_ii(cls, clause_id: str = "minsk-ii-art2") -> HeavyWeaponWithdrawal:
        """The heavy-weapon withdrawal of the Minsk-II package of measures (12 February 2015)."""
        return cls(
            kind="heavy_weapon_withdrawal",
            id=clause_id,
            title="Minsk-II art. 2: withdrawal of heavy weapons",
            security_zone_km={
                WeaponClass.ARTILLERY_100MM_PLUS: 50.0,
                WeaponClass.MLRS: 70.0,
                WeaponClass.HEAVY_MLRS: 140.0,
                WeaponClass.TACTICAL_MISSILE: 140.0,
            },
        )


class ProtectedSites(_Clause):
    """No strikes within ``radius_km`` of sites of the given categories (e.g. power plants)."""

    domains: ClassVar[frozenset[Domain]] = frozenset({Domain.ENERGY_INFRASTRUCTURE})

    kind: Literal["protected_sites"]
    categories: frozenset[str] = Field(min_length=1)
    radius_km: float = Field(gt=0)

    @field_validator("categories")
    @classmethod
    def _lower(cls, value: frozenset[str]) -> frozenset[str]:
        return frozenset(c.strip().lower() for c in value)


class NoNavalAttacks(_Clause):
    """No attacks in a maritime zone (lon/lat polygon, holes and several parts allowed)."""

    domains: ClassVar[frozenset[Domain]] = frozenset({Domain.BLACK_SEA})

    kind: Literal["no_naval_attacks"]
    zone: Geometry

    @field_validator("zone")
    @classmethod
    def _polygon(cls, value: BaseGeometry) -> BaseGeometry:
        if value.geom_type not in {"Polygon", "MultiPolygon"} or value.is_empty:
            raise ValueError(f"a Polygon or MultiPolygon, got {value.geom_type}")
        return polygonal(value)


class TimeWindow(BaseModel):
    """From ``start`` (inclusive) to ``end`` (exclusive), UTC."""

    model_config = _FROZEN

    start: datetime
    end: datetime

    @field_validator("start", "end", mode="before")
    @classmethod
    def _to_utc(cls, value: Any) -> Any:
        return _utc(value)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must come after start")
        return self


class WindowOfSilence(_Clause):
    """No fire at all during the given windows (a holiday or harvest truce)."""

    domains: ClassVar[frozenset[Domain]] = frozenset(Domain)

    kind: Literal["window_of_silence"]
    windows: tuple[TimeWindow, ...] = Field(min_length=1)


Clause = Annotated[
    NoFireAcrossLine
    | DemilitarisedBuffer
    | HeavyWeaponWithdrawal
    | ProtectedSites
    | NoNavalAttacks
    | WindowOfSilence,
    Field(discriminator="kind"),
]


class Agreement(BaseModel):
    """A ceasefire agreement: who, when, what it covers, and its clauses as rules."""

    model_config = _FROZEN

    id: str = Field(min_length=1)
    name: str
    parties: tuple[Party, ...] = Field(min_length=2)
    period: Period
    scope: Scope
    clauses: tuple[Clause, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        party_ids = [p.id for p in self.parties]
        if len(set(party_ids)) != len(party_ids):
            raise ValueError(f"party ids must be unique, got {party_ids}")
        if {p.holds for p in self.parties} != set(Side):
            raise ValueError("one party at least must hold each side of the line")
        clause_ids = [c.id for c in self.clauses]
        if len(set(clause_ids)) != len(clause_ids):
            raise ValueError(f"clause ids must be unique, got {clause_ids}")
        for clause in self.clauses:
            if not (self.scope.kind == "full" or clause.domains & self.scope.domains):
                raise ValueError(
                    f"clause {clause.id!r} ({clause.kind}) is outside a partial ceasefire over "
                    f"{sorted(self.scope.domains)}"
                )
        return self

    def party(self, party_id: str) -> Party | None:
        """The party with this id, if any."""
        return next((p for p in self.parties if p.id == party_id.upper()), None)


# --- loading with file, line and field in every message --------------------------


def _locate(node: yaml.Node, loc: Sequence[int | str]) -> tuple[int, str]:
    """Line and dotted path of a pydantic error location; union tags and ``[key]`` are skipped."""
    path = ""
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
        if child is not None:
            node = child
            path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return node.start_mark.line + 1, path.lstrip(".") or "(top level)"


def parse_agreement(text: str, *, file: str = "<agreement>") -> Agreement:
    """Validate the text of an ``agreement.yaml``; ``InputError`` lists every fault and its line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "-"
        raise InputError(
            [Problem(file, where, str(getattr(exc, "problem", exc)), "valid YAML")]
        ) from None
    if root is None or not isinstance(data, Mapping):
        raise InputError(
            [Problem(file, "line 1", type(data).__name__, "a mapping with id, name, parties, ...")]
        )
    try:
        return Agreement.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = []
        for error in errors:
            loc = error["loc"]
            # a list too short only because one of its items failed says nothing new
            if error["type"] == "too_short" and any(
                e["loc"][: len(loc)] == loc and e is not error for e in errors
            ):
                continue
            line, path = _locate(root, loc)
            value = error["input"]
            shown = repr(value) if not isinstance(value, Mapping | list) else type(value).__name__
            shown = "nothing" if error["type"] == "missing" else shown
            problems.append(Problem(file, f"line {line}: {path}", shown[:80], error["msg"]))
        raise InputError(problems) from None


def load_agreement(path: Path | str) -> Agreement:
    """Read and validate ``agreement.yaml``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            [Problem(str(path), "-", "no such file", "an agreement YAML file")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            [Problem(str(path), "-", type(exc).__name__, "a readable UTF-8 file")]
        ) from None
    return parse_agreement(text, file=str(path))


def builtin_agreements() -> dict[str, Path]:
    """The sample agreements shipped inside the package, by name."""
    folder = Path(str(resources.files("peaceforce") / "data" / "agreements"))
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))}


def agreement_path(name_or_path: Path | str) -> Path:
    """An agreement file: an existing path, else a built-in agreement of that name."""
    path = Path(name_or_path)
    if path.exists():
        return path
    builtin = builtin_agreements()
    if str(name_or_path) in builtin:
        return builtin[str(name_or_path)]
    raise InputError(
        [
            Problem(
                str(name_or_path),
                "-",
                "no such file",
                f"an agreement YAML file or a built-in agreement: {', '.join(builtin)}",
            )
        ]
    )


# --- protected sites ----------------------------------------------------------------


class Site(BaseModel):
    """A protected site: a power plant, a substation, a port, a hospital..."""

    model_config = _FROZEN

    id: str = Field(min_length=1)
    name: str
    categories: frozenset[str]
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    capacity_mw: float | None = None


def load_sites(path: Path | str) -> tuple[Site, ...]:
    """Read protected sites from a CSV like the WRI power-plant database.

    Columns: ``name``, ``latitude``, ``longitude``; optional ``gppd_idnr`` or
    ``id``, ``capacity_mw``, and ``category`` (``;``-separated). Without a
    ``category`` column a row with ``primary_fuel`` is a power plant: its
    categories are ``power_plant``, ``energy_infrastructure`` and the fuel
    (``nuclear``, ``hydro``, ...).
    """
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError([Problem(file, "-", "no such file", "a CSV of sites")]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = set(reader.fieldnames or [])
    if not {"name", "latitude", "longitude"} <= header:
        raise InputError(
            [Problem(file, "line 1", f"columns {sorted(header)}", "name, latitude, longitude")]
        )
    sites: list[Site] = []
    problems: list[Problem] = []
    for row in reader:
        location = f"line {reader.line_num}"
        if row.get("category"):
            categories = {c.strip().lower() for c in row["category"].split(";") if c.strip()}
        else:
            fuel = (row.get("primary_fuel") or "").strip().lower()
            categories = {"power_plant", "energy_infrastructure", fuel} - {""} if fuel else set()
        data = {
            "id": (
                row.get("id") or row.get("gppd_idnr") or f"{path.stem}-{reader.line_num}"
            ).strip(),
            "name": (row.get("name") or "").strip(),
            "categories": categories,
            "lon": row.get("longitude"),
            "lat": row.get("latitude"),
            "capacity_mw": (row.get("capacity_mw") or "").strip() or None,
        }
        try:
            sites.append(Site.model_validate(data))
        except ValidationError as exc:
            problems.extend(
                Problem(
                    file,
                    f"{location}, {e['loc'][0] if e['loc'] else ''}",
                    repr(e["input"]),
                    e["msg"],
                )
                for e in exc.errors(include_url=False)
            )
    if problems:
        raise InputError(problems)
    return tuple(sites)


# --- compiled zones ----------------------------------------------------------------


class ZoneKind(StrEnum):
    """What a compiled zone stands for."""

    LINE = "line"  # no fire across the line: the line itself, or a band around it
    BUFFER = "buffer"
    WITHDRAWAL = "withdrawal"
    SITE = "site"
    MARITIME = "maritime"


class Zone(BaseModel):
    """One area a clause guards, in ``METRIC_CRS``; ``limit_km`` is its distance rule."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    id: str
    clause_id: str
    kind: ZoneKind
    geometry: MetricGeometry
    limit_km: float | None = Field(default=None, description="distance from the line or the site")
    weapon_class: WeaponClass | None = None
    site_id: str | None = None


class CompiledZones(BaseModel):
    """An agreement's clauses as geometry in ``METRIC_CRS``, computed once."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    agreement: Agreement
    line: MetricGeometry
    occupied: MetricGeometry
    snapshot: date | None = None
    zones: tuple[Zone, ...]
    sites: tuple[Site, ...] = ()

    def to_geojson(self) -> dict[str, Any]:
        """The zones and the line as a lon/lat GeoJSON FeatureCollection."""
        features = [
            {
                "type": "Feature",
                "id": "line-of-contact",
                "geometry": shapely.geometry.mapping(to_lonlat(self.line)),
                "properties": {"kind": "line_of_contact", "snapshot": str(self.snapshot or "")},
            }
        ]
        for zone in self.zones:
            features.append(
                {
                    "type": "Feature",
                    "id": zone.id,
                    "geometry": shapely.geometry.mapping(to_lonlat(zone.geometry)),
                    "properties": {
                        "clause": zone.clause_id,
                        "kind": zone.kind.value,
                        "limit_km": zone.limit_km,
                        "weapon_class": zone.weapon_class.value if zone.weapon_class else None,
                        "site": zone.site_id,
                    },
                }
            )
        return {"type": "FeatureCollection", "name": self.agreement.id, "features": features}


def _band(line: BaseGeometry, km: float) -> BaseGeometry:
    return line.buffer(km * 1000.0, quad_segs=8)


def compile_zones(
    agreement: Agreement, line_of_contact: LineOfContact, sites: Sequence[Site] = ()
) -> CompiledZones:
    """Project the line, the occupied area, sites and maritime zones once, and build every zone."""
    line = line_of_contact.metric
    zones: list[Zone] = []
    used: dict[str, Site] = {}
    for clause in agreement.clauses:
        if isinstance(clause, NoFireAcrossLine):
            geometry = _band(line, clause.within_km) if clause.within_km else line
            zones.append(
                Zone(
                    id=clause.id,
                    clause_id=clause.id,
                    kind=ZoneKind.LINE,
                    geometry=geometry,
                    limit_km=clause.within_km,
                )
            )
        elif isinstance(clause, DemilitarisedBuffer):
            zones.append(
                Zone(
                    id=clause.id,
                    clause_id=clause.id,
                    kind=ZoneKind.BUFFER,
                    geometry=_band(line, clause.width_km),
                    limit_km=clause.width_km,
                )
            )
        elif isinstance(clause, HeavyWeaponWithdrawal):
            for weapon in clause.security_zone_km:
                km = clause.each_side_km(weapon)
                zones.append(
                    Zone(
                        id=f"{clause.id}:{weapon.value}",
                        clause_id=clause.id,
                        kind=ZoneKind.WITHDRAWAL,
                        geometry=_band(line, km),
                        limit_km=km,
                        weapon_class=weapon,
                    )
                )
        elif isinstance(clause, ProtectedSites):
            chosen = [s for s in sites if s.categories & clause.categories]
            if chosen:
                x, y = lonlat_to_metric([s.lon for s in chosen], [s.lat for s in chosen])
                circles = shapely.buffer(
                    shapely.points(x, y), clause.radius_km * 1000.0, quad_segs=8
                )
                for site, circle in zip(chosen, circles, strict=True):
                    used[site.id] = site
                    zones.append(
                        Zone(
                            id=f"{clause.id}:{site.id}",
                            clause_id=clause.id,
                            kind=ZoneKind.SITE,
                            geometry=circle,
                            limit_km=clause.radius_km,
                            site_id=site.id,
                        )
                    )
        elif isinstance(clause, NoNavalAttacks):
            zones.append(
                Zone(
                    id=clause.id,
                    clause_id=clause.id,
                    kind=ZoneKind.MARITIME,
                    geometry=to_metric(clause.zone),
                )
            )
    return CompiledZones(
        agreement=agreement,
        line=line,
        occupied=polygonal(to_metric(line_of_contact.occupied)),
        snapshot=line_of_contact.as_of,
        zones=tuple(zones),
        sites=tuple(used.values()),
    )
