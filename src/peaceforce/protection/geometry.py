"""The geometry every protection result is measured on: the line, the origins, the occupied side.

Everything is projected into ``METRIC_CRS`` once per :class:`Frontier`, which a
run builds once and hands to every step (no cache keyed by geometry text);
distances of points are vectorised. Sites, bases and positions are all points
measured against the same projected line and origins; the scenario's areas are
kept to tell which area a site stands in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely import wkt
from shapely.geometry.base import BaseGeometry

from peaceforce.geo.crs import lonlat_to_metric, to_metric
from peaceforce.protection.data import ProtectionData
from peaceforce.scenario.model import Scenario

LINE_OF_CONTACT = "line_of_contact"


def _metric(geometry_wkt: str) -> BaseGeometry:
    geometry = to_metric(wkt.loads(geometry_wkt))
    shapely.prepare(geometry)
    return geometry


Floats = NDArray[np.float64]


def _distances_km(geometry: BaseGeometry, x: Floats, y: Floats) -> Floats:
    return np.asarray(shapely.distance(geometry, shapely.points(x, y)), dtype=float) / 1000.0


@dataclass(frozen=True)
class Frontier:
    """The line, the other threat origins, the occupied territory and the areas, in metres."""

    line: BaseGeometry
    origins: tuple[tuple[str, BaseGeometry], ...]
    occupied: BaseGeometry | None
    areas: Mapping[str, BaseGeometry] = field(default_factory=dict)

    @classmethod
    def of(cls, scenario: Scenario, data: ProtectionData) -> Frontier:
        """Project the scenario's line and areas and the protection data's origins (some ms)."""
        occupied = data.occupied_territory
        return cls(
            line=_metric(scenario.line_of_contact.geometry_wkt),
            origins=tuple((o.id, _metric(o.geometry_wkt)) for o in data.threat_origins),
            occupied=_metric(occupied.geometry_wkt) if occupied is not None else None,
            areas={a.id: _metric(a.geometry_wkt) for a in scenario.areas},
        )

    @cached_property
    def free_land(self) -> BaseGeometry:
        """Unoccupied Ukrainian land (Natural Earth): where grid sites stand, bands are drawn."""
        from peaceforce.geo.frontline import natural_earth_ukraine

        land = to_metric(natural_earth_ukraine())
        return land.difference(self.occupied) if self.occupied is not None else land

    def line_km(self, lon: ArrayLike, lat: ArrayLike) -> Floats:
        """Distance of lon/lat points from the line of contact, km."""
        x, y = lonlat_to_metric(lon, lat)
        return _distances_km(self.line, x, y)

    def threat_km(self, lon: ArrayLike, lat: ArrayLike) -> tuple[Floats, list[str]]:
        """Distance from the nearest threat origin (the line or another), and which one."""
        x, y = lonlat_to_metric(lon, lat)
        best = _distances_km(self.line, x, y)
        names = np.full(best.shape, LINE_OF_CONTACT, dtype=object)
        for name, geometry in self.origins:
            here = _distances_km(geometry, x, y)
            closer = here < best
            best = np.where(closer, here, best)
            names[closer] = name
        return best, [str(n) for n in names]

    def areas_holding(
        self, lon: ArrayLike, lat: ArrayLike, point_km: float
    ) -> list[tuple[str, ...]]:
        """For each lon/lat point, the scenario areas it stands in.

        A point stands in a polygon area when the polygon contains it, and in a
        point (or line) area when it lies within ``point_km`` of it.
        """
        x, y = lonlat_to_metric(lon, lat)
        inside = np.zeros((len(self.areas), x.size), dtype=bool)
        for k, geometry in enumerate(self.areas.values()):
            if geometry.area > 0:
                inside[k] = shapely.contains_xy(geometry, x, y)
            else:
                inside[k] = _distances_km(geometry, x, y) <= point_km
        names = list(self.areas)
        return [tuple(names[k] for k in np.flatnonzero(inside[:, i])) for i in range(x.size)]

    def occupied_mask(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
        """Which lon/lat points lie in the occupied territory."""
        x, y = lonlat_to_metric(lon, lat)
        if self.occupied is None:
            return np.zeros(x.shape, dtype=bool)
        return np.asarray(shapely.contains_xy(self.occupied, x, y), dtype=bool)
