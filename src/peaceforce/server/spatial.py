"""``near=`` queries: reports within a distance of a point, by PostGIS where it is installed.

Distance is great-circle distance on a sphere of the WGS 84 mean radius
(2a + b) / 3 — what PostGIS's ``ST_DWithin(geography, geography, d, false)``
measures. With PostGIS (migration 0004 made a GiST index on each report's point
as ``geography``) the test is ``ST_DWithin`` and the index answers it. Without
it — SQLite, or PostgreSQL without the extension — the same haversine formula
runs in SQL (a Python function registered on SQLite connections; trigonometry
on PostgreSQL), behind a bounding box that only ever keeps more than the circle,
so the answers, counts and pages are the same on every backend.

Bounding boxes (``bbox=``) stay on the plain columns even with PostGIS: for
points, ``&&`` with an envelope is exactly ``west <= lon <= east and south <=
lat <= north``, which the covering B-tree index of migration 0004 answers
without reading a row.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column

from peaceforce.server.models import IncidentRow

#: The WGS 84 mean radius, (2a + b) / 3, in metres: PostGIS's sphere.
EARTH_RADIUS_M = (2 * 6_378_137.0 + 6_356_752.314245179) / 3
#: The SQLite function computing ``distance_m`` (registered on every connection).
SQLITE_DISTANCE = "peaceforce_distance_m"
#: The farthest a ``near=`` query reaches: half the Earth's circumference.
MAX_RADIUS_KM = math.pi * EARTH_RADIUS_M / 1000


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two points given in degrees (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(half)))


def bounding_box(lon: float, lat: float, metres: float) -> tuple[float, float, float, float]:
    """A box holding every point within ``metres`` of (lon, lat): west, south, east, north.

    Latitude spans the angle itself; longitude ``asin(sin d / cos lat)``, the
    widest a circle gets (all longitudes when the circle holds a pole or crosses
    the antimeridian). Slightly widened, so rounding never drops a point.
    """
    angle = metres / EARTH_RADIUS_M
    south = max(-90.0, lat - math.degrees(angle) - 1e-9)
    north = min(90.0, lat + math.degrees(angle) + 1e-9)
    cos_lat = math.cos(math.radians(lat))
    if angle >= math.pi / 2 or math.sin(angle) >= cos_lat or south <= -90 or north >= 90:
        return -180.0, south, 180.0, north
    spread = math.degrees(math.asin(math.sin(angle) / cos_lat)) + 1e-9
    if lon - spread < -180 or lon + spread > 180:
        return -180.0, south, 180.0, north
    return lon - spread, south, lon + spread, north


def near_criteria(
    lon: float, lat: float, metres: float, *, dialect: str, postgis: bool
) -> list[ColumnElement[bool]]:
    """SQL criteria on the incidents table: within ``metres`` of (lon, lat)."""
    west, south, east, north = bounding_box(lon, lat, metres)
    criteria: list[ColumnElement[bool]] = [
        IncidentRow.lat >= south,
        IncidentRow.lat <= north,
    ]
    if (west, east) != (-180.0, 180.0):
        criteria += [IncidentRow.lon >= west, IncidentRow.lon <= east]
    if postgis:
        criteria.append(
            func.ST_DWithin(
                _geography(IncidentRow.lon, IncidentRow.lat),
                _geography(literal_column(repr(float(lon))), literal_column(repr(float(lat)))),
                metres,
                False,  # on the sphere, as ``distance_m``
            )
        )
    elif dialect == "sqlite":
        criteria.append(
            getattr(func, SQLITE_DISTANCE)(IncidentRow.lon, IncidentRow.lat, lon, lat) <= metres
        )
    else:
        criteria.append(_haversine_sql(lon, lat) <= metres)
    return criteria


def _geography(lon: Any, lat: Any) -> ColumnElement[object]:
    """``geography(ST_SetSRID(ST_MakePoint(lon, lat), 4326))``: the indexed expression, exactly."""
    return func.geography(func.ST_SetSRID(func.ST_MakePoint(lon, lat), literal_column("4326")))


def _haversine_sql(lon: float, lat: float) -> ColumnElement[float]:
    """``distance_m`` in SQL (PostgreSQL without PostGIS)."""
    phi2 = math.radians(lat)
    phi1 = func.radians(IncidentRow.lat)
    half = func.power(func.sin((phi2 - phi1) / 2), 2) + func.cos(phi1) * math.cos(
        phi2
    ) * func.power(func.sin((math.radians(lon) - func.radians(IncidentRow.lon)) / 2), 2)
    return 2 * EARTH_RADIUS_M * func.asin(func.least(1.0, func.sqrt(half)))
