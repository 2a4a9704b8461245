"""The one reader of WRI power-plant CSVs: the shared file, and every bad row named by its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from peaceforce.errors import InputError
from peaceforce.sources.power_plants import read_power_plants


def test_the_shared_wri_file(shared_data: Path) -> None:
    plants = read_power_plants(shared_data / "infrastructure" / "power_plants_ukraine.csv")
    assert len(plants) == 64
    by_id = {p.id: p for p in plants}
    assert len(by_id) == 64  # every row has its gppd_idnr
    burshtyn = by_id["WRI1005097"]
    assert (burshtyn.name, burshtyn.fuel, burshtyn.capacity_mw) == (
        "Burshtyn power station",
        "Coal",
        2334.0,
    )
    assert (burshtyn.lon, burshtyn.lat) == (24.6665, 49.2104)
    assert sum(p.nuclear for p in plants) == 4


def test_power_plant_csv_problems_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "plants.csv"
    path.write_text(
        "name,capacity_mw,latitude,longitude,primary_fuel\n"
        "Good,100,50.0,30.0,Gas\n"
        "Bad,lots,50.0,30.0,Coal\n"
        "Far,10,95.0,30.0,Solar\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_power_plants(path)
    where = [(p.location, p.value) for p in caught.value.problems]
    assert ("line 3, capacity_mw", "'lots'") in where
    assert ("line 4, latitude", "'95.0'") in where
    path.write_text("name,mw\nX,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="columns name,capacity_mw"):
        read_power_plants(path)


def test_rows_without_an_id_are_named_by_their_line(tmp_path: Path) -> None:
    path = tmp_path / "plants.csv"
    path.write_text(
        "\ufeffname,capacity_mw,latitude,longitude,primary_fuel\n"
        '"Two\nline name",100,50.0,30.0,Gas\n'
        "Next,5,50.0,30.0,Nuclear\n",
        encoding="utf-8",
    )
    first, second = read_power_plants(path)
    assert (first.id, first.name) == ("line-2", "Two\nline name")
    assert (second.id, second.nuclear) == ("line-4", True)  # the record above spans lines 2-3
