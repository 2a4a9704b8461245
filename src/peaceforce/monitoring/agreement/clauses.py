"""The clause kinds an agreement is written in, each with its zones, breach test and words.

Distances are exact and edges strict: a limit of N km is breached strictly
inside it (see ``peaceforce.monitoring.arrays.EDGE_M``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, ClassVar, Literal

import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import Field, field_validator
from shapely.geometry.base import BaseGeometry

from peaceforce.geo.crs import lonlat_to_metric, to_metric
from peaceforce.geo.frontline import THEATRE
from peaceforce.geo.geojson import Geometry, polygonal
from peaceforce.monitoring.agreement.base import (
    BreachContext,
    ClauseBase,
    ClauseBreaches,
    Domain,
    Km,
    OwnZones,
    Side,
    TimeWindow,
)
from peaceforce.monitoring.agreement.sites import Site
from peaceforce.monitoring.agreement.zones import Zone, ZoneKind
from peaceforce.monitoring.arrays import NO_CODE, contains, epoch, inside
from peaceforce.monitoring.incidents import FIRE_TYPES, IncidentType, WeaponClass


def _band(line: BaseGeometry, km: float) -> BaseGeometry:
    """The area within ``km`` of the line, each side."""
    return line.buffer(km * 1000.0, quad_segs=8)


class NoFireAcrossLine(ClauseBase):
    """No fire across the line of contact.

    Fire attributed to a party breaches when it lands on the side the party
    does not hold; unattributed fire breaches wherever it is (as ceasefire
    monitors count explosions they cannot attribute), within ``within_km`` of
    the line if given.
    """

    needs_sides: ClassVar[bool] = True

    kind: Literal["no_fire_across_line"]
    within_km: Km | None = None

    def compile(self, line: BaseGeometry, sites: Sequence[Site]) -> tuple[Zone, ...]:
        """The line itself, or the band ``within_km`` around it."""
        geometry = _band(line, self.within_km) if self.within_km else line
        return (
            Zone(
                id=self.id,
                clause_id=self.id,
                kind=ZoneKind.LINE,
                geometry=geometry,
                limit_km=self.within_km,
            ),
        )

    def breaches(
        self, context: BreachContext, candidate: NDArray[np.bool_], zones: OwnZones
    ) -> ClauseBreaches:
        """Fire on the side its party does not hold, or not attributed at all."""
        if self.within_km is not None:
            candidate = candidate & inside(self.within_km, context.line_km)
        # the last entry answers for "no party" (code -1)
        holds_occupied = np.array([p.holds is Side.OCCUPIED for p in context.parties] + [False])
        party = context.incidents.party_code
        own_side = holds_occupied[party] == context.on_occupied_side
        fire_across = candidate & ~((party != NO_CODE) & own_side)
        ((index, _),) = zones
        return ClauseBreaches.where(fire_across, index, context.line_km)

    def describe(self) -> str:
        """Where fire counts."""
        return f"within {self.within_km:g} km of the line" if self.within_km else "anywhere"

    def line_reach_km(self) -> float:
        """As far as ``within_km``."""
        return self.within_km or 0.0


class DemilitarisedBuffer(ClauseBase):
    """No fire and no weapons within ``width_km`` of the line, on each side."""

    kind: Literal["demilitarised_buffer"]
    width_km: Km
    types: frozenset[IncidentType] = FIRE_TYPES | {IncidentType.WEAPONS_SIGHTING}

    def compile(self, line: BaseGeometry, sites: Sequence[Site]) -> tuple[Zone, ...]:
        """The band ``width_km`` each side of the line."""
        return (
            Zone(
                id=self.id,
                clause_id=self.id,
                kind=ZoneKind.BUFFER,
                geometry=_band(line, self.width_km),
                limit_km=self.width_km,
            ),
        )

    def breaches(
        self, context: BreachContext, candidate: NDArray[np.bool_], zones: OwnZones
    ) -> ClauseBreaches:
        """Anything of its types inside the band."""
        ((index, _),) = zones
        mask = candidate & inside(self.width_km, context.line_km)
        return ClauseBreaches.where(mask, index, context.line_km)

    def describe(self) -> str:
        """The band's width."""
        return f"{self.width_km:g} km each side of the line"

    def line_reach_km(self) -> float:
        """As far as the band's width."""
        return self.width_km


class HeavyWeaponWithdrawal(ClauseBase):
    """Weapons of each class kept out of a security zone centred on the line.

    As in Minsk-II (art. 2), ``security_zone_km`` is the zone's total width: both
    sides withdraw by equal distances, so each stays half of it from the line
    (artillery of 100 mm and more: 50 km zone, 25 km each; MLRS: 70 km, 35 km
    each; Tornado-S, Uragan, Smerch and Tochka: 140 km, 70 km each).
    """

    kind: Literal["heavy_weapon_withdrawal"]
    security_zone_km: dict[WeaponClass, Km] = Field(min_length=1)
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

    def compile(self, line: BaseGeometry, sites: Sequence[Site]) -> tuple[Zone, ...]:
        """One band per weapon class, half the security zone each side."""
        return tuple(
            Zone(
                id=f"{self.id}:{weapon.value}",
                clause_id=self.id,
                kind=ZoneKind.WITHDRAWAL,
                geometry=_band(line, self.each_side_km(weapon)),
                limit_km=self.each_side_km(weapon),
                weapon_class=weapon,
            )
            for weapon in self.security_zone_km
        )

    def breaches(
        self, context: BreachContext, candidate: NDArray[np.bool_], zones: OwnZones
    ) -> ClauseBreaches:
        """A sighting of a band's weapon class inside that band."""
        found = []
        for index, zone in zones:
            if zone.weapon_class is None or zone.limit_km is None:
                raise ValueError(f"withdrawal zone {zone.id!r} has no weapon class or limit")
            mask = candidate & context.incidents.weapon_mask(zone.weapon_class)
            mask &= inside(zone.limit_km, context.line_km)
            found.append(ClauseBreaches.where(mask, index, context.line_km))
        return ClauseBreaches.join(found)

    def describe(self) -> str:
        """Each class's distance from the line."""
        distances = ", ".join(
            f"{weapon.value} {self.each_side_km(weapon):g} km" for weapon in self.security_zone_km
        )
        return f"{distances} each side"

    def line_reach_km(self) -> float:
        """As far as the widest band."""
        return max(self.each_side_km(weapon) for weapon in self.security_zone_km)


class ProtectedSites(ClauseBase):
    """No strikes within ``radius_km`` of sites of the given categories (e.g. power plants)."""

    domains: ClassVar[frozenset[Domain]] = frozenset({Domain.ENERGY_INFRASTRUCTURE})
    needs_sites: ClassVar[bool] = True

    kind: Literal["protected_sites"]
    categories: frozenset[str] = Field(min_length=1)
    radius_km: Km

    @field_validator("categories")
    @classmethod
    def _lower(cls, value: frozenset[str]) -> frozenset[str]:
        return frozenset(c.strip().lower() for c in value)

    def compile(self, line: BaseGeometry, sites: Sequence[Site]) -> tuple[Zone, ...]:
        """A circle of ``radius_km`` around each site of its categories."""
        chosen = [s for s in sites if s.categories & self.categories]
        if not chosen:
            return ()
        x, y = lonlat_to_metric([s.lon for s in chosen], [s.lat for s in chosen])
        circles = shapely.buffer(shapely.points(x, y), self.radius_km * 1000.0, quad_segs=8)
        return tuple(
            Zone(
                id=f"{self.id}:{site.id}",
                clause_id=self.id,
                kind=ZoneKind.SITE,
                geometry=circle,
                limit_km=self.radius_km,
                site_id=site.id,
            )
            for site, circle in zip(chosen, circles, strict=True)
        )

    def breaches(
        self, context: BreachContext, candidate: NDArray[np.bool_], zones: OwnZones
    ) -> ClauseBreaches:
        """A strike within the radius of its nearest site, measured to the site."""
        n = len(context.incidents)
        if not zones:
            return ClauseBreaches.join([])
        rows = np.flatnonzero(candidate)
        tree = shapely.STRtree(shapely.centroid([zone.geometry for _, zone in zones]))
        (hit, site), metres = tree.query_nearest(
            context.points[rows],
            max_distance=self.radius_km * 1000.0,
            return_distance=True,
            all_matches=False,
        )
        km = np.full(n, np.inf)
        km[rows[hit]] = metres / 1000.0
        zone_of = np.full(n, NO_CODE, dtype=np.int32)
        zone_of[rows[hit]] = [zones[s][0] for s in site]
        return ClauseBreaches.where(inside(self.radius_km, km), zone_of, km)

    def describe(self) -> str:
        """The radius and the categories."""
        return f"{self.radius_km:g} km around {', '.join(sorted(self.categories))}"

    def finding_distance_km(
        self, zone: Zone | None, point: BaseGeometry, table_km: float, line_km: float
    ) -> float | None:
        """To the site, which decided the breach."""
        return table_km


class NoNavalAttacks(ClauseBase):
    """No attacks in a maritime zone (lon/lat polygon, holes and several parts allowed)."""

    domains: ClassVar[frozenset[Domain]] = frozenset({Domain.BLACK_SEA})

    kind: Literal["no_naval_attacks"]
    zone: Geometry

    @field_validator("zone")
    @classmethod
    def _polygon(cls, value: BaseGeometry) -> BaseGeometry:
        """A polygon with an area, within the theatre: not the world, not a line drawn twice."""
        if value.geom_type not in {"Polygon", "MultiPolygon"} or value.is_empty:
            raise ValueError(f"a Polygon or MultiPolygon, got {value.geom_type}")
        west, south, east, north = THEATRE
        if not shapely.box(*THEATRE).covers(value):
            x0, y0, x1, y1 = value.bounds
            raise ValueError(
                f"a zone within lon {west:g} to {east:g}, lat {south:g} to {north:g} (Ukraine, "
                f"the Black Sea, the Sea of Azov), got lon {x0:g} to {x1:g}, lat {y0:g} to {y1:g}"
            )
        zone = polygonal(value)
        if zone.is_empty:
            raise ValueError("a polygon with an area, got one whose points enclose none")
        return zone

    def compile(self, line: BaseGeometry, sites: Sequence[Site]) -> tuple[Zone, ...]:
        """The maritime zone, projected."""
        return (
            Zone(
                id=self.id,
                clause_id=self.id,
                kind=ZoneKind.MARITIME,
                geometry=to_metric(self.zone),
            ),
        )

    def breaches(
        self, context: BreachContext, candidate: NDArray[np.bool_], zones: OwnZones
    ) -> ClauseBreaches:
        """An attack inside the zone (its boundary is outside)."""
        ((index, zone),) = zones
        incidents = context.incidents
        mask = candidate & contains(zone.geometry, incidents.x, incidents.y)
        return ClauseBreaches.where(mask, index, context.line_km)

    def describe(self) -> str:
        """The zone's area."""
        return f"maritime zone of {to_metric(self.zone).area / 1e6:,.0f} km²"

    def finding_distance_km(
        self, zone: Zone | None, point: BaseGeometry, table_km: float, line_km: float
    ) -> float | None:
        """How far inside the zone: the distance to its edge."""
        if zone is None:
            return None
        return float(zone.geometry.boundary.distance(point)) / 1000.0


class WindowOfSilence(ClauseBase):
    """No fire at all during the given windows (a holiday or harvest truce)."""

    domains: ClassVar[frozenset[Domain]] = frozenset(Domain)

    kind: Literal["window_of_silence"]
    windows: tuple[TimeWindow, ...] = Field(min_length=1)

    def compile(self, line: BaseGeometry, sites: Sequence[Site]) -> tuple[Zone, ...]:
        """No zone: the rule is about time, everywhere."""
        return ()

    def breaches(
        self, context: BreachContext, candidate: NDArray[np.bool_], zones: OwnZones
    ) -> ClauseBreaches:
        """Anything of its types during a window."""
        t = context.incidents.t
        during = np.zeros(len(t), dtype=bool)
        for window in self.windows:
            during |= (t >= epoch(window.start)) & (t < epoch(window.end))
        return ClauseBreaches.where(candidate & during, NO_CODE, context.line_km)

    def describe(self) -> str:
        """The windows."""
        return "; ".join(
            f"{w.start:%Y-%m-%d %H:%M} to {w.end:%Y-%m-%d %H:%M} UTC" for w in self.windows
        )


#: Any clause, told apart by its ``kind``.
Clause = Annotated[
    NoFireAcrossLine
    | DemilitarisedBuffer
    | HeavyWeaponWithdrawal
    | ProtectedSites
    | NoNavalAttacks
    | WindowOfSilence,
    Field(discriminator="kind"),
]
