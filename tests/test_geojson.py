"""The one GeoJSON reader: bytes or text or a file, geometry types and validity as problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peaceforce.errors import InputError
from peaceforce.geo.geojson import parse_features, parse_geojson, read_area

_SQUARE = {"type": "Polygon", "coordinates": [[[30, 50], [31, 50], [31, 51], [30, 51], [30, 50]]]}
_BOWTIE = {"type": "Polygon", "coordinates": [[[30, 50], [31, 51], [31, 50], [30, 51], [30, 50]]]}
_EMPTY = {"type": "MultiPolygon", "coordinates": []}
_POINT = {"type": "Point", "coordinates": [30.5, 50.5]}


def _collection(*geometries: dict[str, object]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "id": i, "geometry": g, "properties": {"n": i}}
                for i, g in enumerate(geometries)
            ],
        }
    )


def test_bytes_with_a_byte_order_mark_and_text_read_alike() -> None:
    text = _collection(_SQUARE, _POINT)
    from_bytes, problems = parse_geojson(b"\xef\xbb\xbf" + text.encode(), "upload")
    from_text, _ = parse_geojson(text, "upload")
    assert problems == []
    assert [(f.id, f.location, f.geometry.geom_type) for f in from_bytes if f.geometry] == [
        ("0", "$.features[0]", "Polygon"),
        ("1", "$.features[1]", "Point"),
    ]
    assert [f.properties for f in from_text] == [f.properties for f in from_bytes]


def test_bytes_that_are_not_json_name_the_source() -> None:
    with pytest.raises(InputError) as caught:
        parse_geojson(b'{"type": "Feature", \xff}', "socket 1")
    [problem] = caught.value.problems
    assert (problem.file, problem.location) == ("socket 1", "byte 20")


def test_kinds_and_validity_are_problems_and_the_rest_is_kept() -> None:
    features, problems = parse_geojson(
        _collection(_SQUARE, _POINT, _BOWTIE, _EMPTY),
        "areas.geojson",
        kinds=("Polygon", "MultiPolygon"),
        valid=True,
    )
    assert [f.location for f in features] == ["$.features[0]"]
    assert [(p.location, p.value, p.expected) for p in problems] == [
        ("$.features[1].geometry", "Point", "MultiPolygon or Polygon"),
        (
            "$.features[2].geometry.coordinates",
            "Self-intersection[30.5 50.5]",
            "a valid geometry (no self-intersection)",
        ),
        ("$.features[3].geometry.coordinates", "[]", "a non-empty geometry"),
    ]
    unchecked, none = parse_geojson(_collection(_SQUARE, _POINT, _BOWTIE, _EMPTY), "x")
    assert (len(unchecked), none) == (4, [])


def test_a_file_reads_like_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.geojson"
    path.write_text(_collection(_SQUARE, _POINT), encoding="utf-8")
    features, problems = parse_features(path, kinds=("Point",))
    assert [f.location for f in features] == ["$.features[1]"]
    assert [(p.file, p.location) for p in problems] == [(str(path), "$.features[0].geometry")]


def test_an_area_reports_every_non_polygon_at_once(tmp_path: Path) -> None:
    path = tmp_path / "occupied.geojson"
    path.write_text(_collection(_POINT, _SQUARE, _POINT), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_area(path)
    assert [p.location for p in caught.value.problems] == [
        "$.features[0].geometry",
        "$.features[2].geometry",
    ]
    path.write_text(_collection(_SQUARE, _BOWTIE), encoding="utf-8")
    assert read_area(path).is_valid  # an area is repaired, not refused
