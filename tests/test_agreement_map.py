"""The agreement map names towns that can be read: no district on top of its city."""

from __future__ import annotations

from peaceforce.presentation.agreement_map import _TOWNS, _spaced_towns
from peaceforce.sources.cities import City


def _town(name: str, lon: float, lat: float, population: int) -> City:
    return City(
        geonameid=abs(hash(name)) % 10**6, name=name, lon=lon, lat=lat, population=population
    )


def test_a_district_beside_its_city_is_not_named() -> None:
    poltava = _town("Poltava", 34.55, 49.59, 280_000)
    district = _town("Kyivskyi", 34.54, 49.60, 90_000)  # about 1.4 km away
    kremenchuk = _town("Kremenchuk", 33.42, 49.07, 220_000)
    assert _spaced_towns([poltava, kremenchuk, district]) == [poltava, kremenchuk]


def test_at_most_the_named_number_of_towns() -> None:
    grid = [_town(f"t{i}", 30 + i * 0.5, 48.0, 100_000 - i) for i in range(40)]
    assert len(_spaced_towns(grid)) == _TOWNS
