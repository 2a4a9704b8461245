"""Travel distances and days between places, by mode.

Sea voyages follow the shipping lanes of the Eurostat/ORNL maritime network
(the ``searoute`` package: through Suez, Gibraltar, the Bosporus and the Danish
straits as a ship would), so a Ro-Ro ship from Townsville takes its real four
weeks and not a great circle across Asia. Rail, road and air distances are
great circles times a route factor.
"""

from __future__ import annotations

import math
from functools import lru_cache

from peaceforce.geo.crs import geodesic_km

#: Rail and road distance over great-circle distance (track and roads wind).
RAIL_ROUTE_FACTOR = 1.2
ROAD_ROUTE_FACTOR = 1.3

Point = tuple[float, float]


def days(km: float, per_day: float) -> int:
    """Whole days to cover ``km`` at ``per_day`` a day; any move takes at least a day."""
    return max(1, math.ceil(km / per_day))


def great_circle_km(a: Point, b: Point) -> float:
    """Geodesic distance between two (lon, lat) points in kilometres."""
    return geodesic_km(a[0], a[1], b[0], b[1])


@lru_cache(maxsize=4096)
def sea_km(origin: Point, destination: Point) -> float:
    """Length of the shipping-lane route between two (lon, lat) points in kilometres.

    Each end is joined to the nearest point of the maritime network; the
    distance from an inland home base to its port of embarkation is not counted.
    """
    import searoute

    route = searoute.searoute(list(origin), list(destination), units="km")
    return float(route["properties"]["length"])
