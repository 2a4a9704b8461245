"""Line of contact from DeepState snapshots: real lengths, coasts and borders excluded."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import shapely
from pydantic import ValidationError
from shapely.geometry import Point, box

from peaceforce.errors import InputError
from peaceforce.geo.crs import to_metric
from peaceforce.geo.frontline import (
    FrontlineSummary,
    LineOfContact,
    derive_line_of_contact,
    frontline_from_snapshot,
    line_of_contact_from_file,
    load_occupied,
    natural_earth_ukraine,
    read_line_of_contact,
    snapshot_date,
)
from peaceforce.geo.geojson import read_features


def _km_from_line(line: LineOfContact, lon: float, lat: float) -> float:
    return float(to_metric(line.geometry).distance(to_metric(Point(lon, lat)))) / 1000.0


@pytest.fixture(scope="module")
def line_2025(shared_data: Path) -> LineOfContact:
    return line_of_contact_from_file(shared_data / "frontline" / "occupied_20250402.geojson")


@pytest.mark.parametrize("name", ["occupied_20240708.geojson", "occupied_20260822.geojson"])
def test_real_snapshots_give_a_plausible_length(shared_data: Path, name: str) -> None:
    line = line_of_contact_from_file(shared_data / "frontline" / name)
    assert 1050 <= line.length_km <= 1500
    assert line.as_of == snapshot_date(name)


def test_geoboundaries_outline_agrees_with_natural_earth(shared_data: Path) -> None:
    path = shared_data / "frontline" / "occupied_20250402.geojson"
    ne = line_of_contact_from_file(path)
    gb = line_of_contact_from_file(
        path, ukraine_path=shared_data / "boundaries" / "ukraine_adm1_geoboundaries.geojson"
    )
    assert 1050 <= gb.length_km <= 1500
    assert abs(gb.length_km - ne.length_km) / ne.length_km < 0.05


def test_coasts_and_russian_border_are_not_front(line_2025: LineOfContact) -> None:
    # Crimea's south coast at Yalta, the Azov coast at Berdiansk, the Kinburn spit
    # on the estuary, and the Russian border east of Luhansk are all far from the line.
    for lon, lat in [(34.17, 44.50), (36.78, 46.75), (31.55, 46.55), (40.0, 48.9)]:
        assert _km_from_line(line_2025, lon, lat) > 15, (lon, lat)


def test_dnipro_front_and_donbas_front_are_kept(line_2025: LineOfContact) -> None:
    # The Dnipro at Antonivka bridge (Kherson) and the front at Pokrovsk.
    assert _km_from_line(line_2025, 32.72, 46.67) < 5
    assert _km_from_line(line_2025, 37.18, 48.28) < 25


def test_round_trip_through_json(line_2025: LineOfContact) -> None:
    again = LineOfContact.model_validate_json(line_2025.model_dump_json())
    assert again == line_2025
    assert again.geometry.equals(line_2025.geometry) and again.occupied.equals(line_2025.occupied)
    assert again.length_km == line_2025.length_km
    assert again.as_of == date(2025, 4, 2) and not again.occupied.is_empty
    assert sum(again.parts_km) == pytest.approx(again.length_km)


def test_feature_file_reads_back_as_the_same_line(line_2025: LineOfContact, tmp_path: Path) -> None:
    feature = line_2025.to_feature()
    assert feature["geometry"]["type"] == "MultiLineString"
    assert set(feature["properties"]) == {"as_of", "description"}
    assert feature["properties"]["as_of"] == "2025-04-02"
    path = tmp_path / "line.geojson"
    path.write_text(json.dumps(feature), encoding="utf-8")
    alone = read_line_of_contact(path)
    assert alone.geometry.equals(line_2025.geometry) and alone.as_of == line_2025.as_of
    assert alone.occupied.is_empty  # a line alone does not say which side is occupied
    assert "occupied_20250402.geojson" in alone.description
    with_sides = read_line_of_contact(path, occupied=line_2025.occupied)
    assert with_sides.occupied.equals(line_2025.occupied)


def test_summary_of_a_derived_line_and_its_file(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "line_of_contact.geojson"
    summary = frontline_from_snapshot(
        shared_data / "frontline" / "occupied_20250402.geojson", out=out
    )
    assert summary.as_of == date(2025, 4, 2) and summary.out == str(out)
    assert 1050 <= summary.length_km <= 1500
    assert sum(summary.parts_km) == pytest.approx(summary.length_km, abs=0.01)
    assert FrontlineSummary.model_validate_json(summary.model_dump_json()) == summary
    assert read_line_of_contact(out).length_km == pytest.approx(summary.length_km, abs=0.001)


def test_only_lines_and_areas_are_accepted() -> None:
    with pytest.raises(ValidationError, match="LineString or MultiLineString"):
        LineOfContact(geometry=box(0, 0, 1, 1))
    with pytest.raises(ValidationError, match="Polygon or MultiPolygon"):
        LineOfContact(geometry=shapely.LineString([(30, 48), (31, 48)]), occupied=Point(30, 48))
    with pytest.raises(ValidationError, match="extra"):
        LineOfContact.model_validate(
            {"geometry": {"type": "LineString", "coordinates": [[30, 48], [31, 48]]}, "x": 1}
        )


def test_synthetic_square_only_the_inland_side_counts() -> None:
    # A 1x1 degree square of occupied land in central Ukraine: all four sides face
    # unoccupied land, so the whole perimeter is front.
    ukraine = natural_earth_ukraine()
    square = box(31.0, 48.5, 32.0, 49.5)
    line = derive_line_of_contact(square, ukraine=ukraine, as_of=date(2025, 1, 1))
    perimeter = to_metric(square).length / 1000.0
    assert line.length_km == pytest.approx(perimeter, rel=0.01)


def test_hole_in_occupied_area_is_front_when_large_enough() -> None:
    outer = box(31.0, 48.0, 33.0, 50.0)
    hole = box(31.8, 48.8, 32.2, 49.2)  # ~ 30 km x 44 km of unoccupied land inside
    occupied = outer.difference(hole)
    with_hole = derive_line_of_contact(occupied)
    without = derive_line_of_contact(outer)
    hole_km = to_metric(hole).length / 1000.0
    assert with_hole.length_km - without.length_km == pytest.approx(hole_km, rel=0.01)
    tiny = derive_line_of_contact(occupied, min_free_area_km2=5000.0)
    assert tiny.length_km == pytest.approx(without.length_km, rel=1e-6)


def test_occupied_area_covering_all_land_has_no_front() -> None:
    line = derive_line_of_contact(box(20.0, 43.0, 42.0, 54.0))
    assert line.length_km == 0
    assert line.geometry.is_empty


def test_loader_reports_bad_geojson(tmp_path: Path) -> None:
    bad = tmp_path / "occupied_20250101.geojson"
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Point", "coordinates": [1, 2]},
                    },
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Polygon", "coordinates": "x"},
                    },
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[500, 1], [1, 2], [2, 2], [500, 1]]],
                        },
                    },
                ],
            }
        )
    )
    with pytest.raises(InputError) as caught:
        load_occupied(bad)
    locations = [p.location for p in caught.value.problems]
    assert "$.features[1].geometry.coordinates" in locations  # malformed
    assert "$.features[2].geometry.coordinates" in locations  # lon 500
    assert all(p.file == str(bad) for p in caught.value.problems)
    assert "lon in [-180, 180] and lat in [-90, 90]" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ('{"type": "FeatureCollection", "features": [', "line 1, column 44"),
        ('{"type": "Topology"}', "$.type"),
        ('{"type": "FeatureCollection", "features": {}}', "$.features"),
        (
            '{"type": "FeatureCollection", "features": [], '
            '"crs": {"type": "name", "properties": {"name": "EPSG:3857"}}}',
            "$.crs",
        ),
    ],
)
def test_loader_names_the_json_path(tmp_path: Path, text: str, location: str) -> None:
    path = tmp_path / "x.geojson"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_features(path)
    assert caught.value.problems[0].location == location


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_occupied(tmp_path / "nope.geojson")


def test_snapshot_date_from_names() -> None:
    assert snapshot_date("occupied_20260822.geojson") == date(2026, 8, 22)
    assert snapshot_date("frontline.geojson") is None
    assert snapshot_date("occupied_20251341.geojson") is None
    assert shapely.get_num_geometries(natural_earth_ukraine()) >= 1
