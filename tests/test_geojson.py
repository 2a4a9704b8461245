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
    # the line of the bad byte, and the byte and its offset as the value (was "byte 20")
    assert (problem.file, problem.location, problem.value, problem.expected) == (
        "socket 1",
        "line 1",
        "byte 0xff at offset 20",
        "UTF-8 text",
    )


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


# --- hostile GeoJSON (issue 10): every malformed shape a problem with its JSON path -------


def _only_problem(source: str) -> tuple[str, str, str]:
    """The one problem of a document, whether it refuses the file or only its feature."""
    try:
        features, problems = parse_geojson(source, "f.geojson", allow_null_geometry=True)
    except InputError as exc:
        problems = exc.problems
    else:
        assert not features
    [problem] = problems
    assert problem.file == "f.geojson"
    return problem.location, problem.value, problem.expected


def _feature(geometry: object, properties: object = None) -> str:
    return json.dumps({"type": "Feature", "geometry": geometry, "properties": properties})


@pytest.mark.parametrize(
    ("source", "found"),
    [
        (
            '{"type": "FeatureCollection", "crs": {"properties": null}, "features": []}',
            ("$.crs.properties", "null", "an object with a name"),
        ),
        (
            '{"type": "FeatureCollection", "crs": {"properties": [1]}, "features": []}',
            ("$.crs.properties", "[1]", "an object with a name"),
        ),
        (
            '{"type": "FeatureCollection", "crs": "EPSG:4326", "features": []}',
            (
                "$.crs",
                "'EPSG:4326'",
                "an object naming lon/lat WGS84 (CRS84 / EPSG:4326) as GeoJSON requires",
            ),
        ),
        (  # found by test_fuzz_readers: a list as a type or a CRS name was a TypeError
            '{"type": ["Point"], "coordinates": [1, 2]}',
            ("$.type", '["Point"]', "FeatureCollection, Feature or a geometry"),
        ),
        (
            _feature({"type": ["Point"], "coordinates": [1, 2]}),
            (
                "$.geometry.type",
                '["Point"]',
                "a geometry type among ['GeometryCollection', 'LineString', 'MultiLineString',"
                " 'MultiPoint', 'MultiPolygon', 'Point', 'Polygon']",
            ),
        ),
        (
            '{"type": "FeatureCollection", "crs": {"properties": {"name": []}}, "features": []}',
            (
                "$.crs",
                '{"properties": {"name": []}}',
                "lon/lat WGS84 (CRS84 / EPSG:4326) as GeoJSON requires",
            ),
        ),
        (
            _feature({"type": "Point", "coordinates": []}),
            ("$.geometry.coordinates", "[]", "a position [lon, lat]"),
        ),
        (
            _feature({"type": "GeometryCollection", "geometries": [_POINT, {"type": "Blob"}]}),
            (
                "$.geometry.geometries[1].type",
                "'Blob'",
                "a geometry type among ['GeometryCollection', 'LineString', 'MultiLineString',"
                " 'MultiPoint', 'MultiPolygon', 'Point', 'Polygon']",
            ),
        ),
        (
            _feature({"type": "GeometryCollection", "geometries": {"a": 1}}),
            ("$.geometry.geometries", '{"a": 1}', "a list of geometries"),
        ),
        (
            _feature(_POINT, properties=["name", "x"]),
            ("$.properties", '["name", "x"]', "an object or null"),
        ),
        (
            '{"type": "Point", "coordinates": [' + "9" * 5000 + ", 50]}",
            ("line 1, column 35", "a number of 5,000 characters",
             "numbers of at most 100 characters"),
        ),
        (
            '{"type": "Point", "coordinates": [NaN, 50]}',
            ("line 1, column 35", "NaN", "a finite number"),
        ),
        (
            '{"type": "Point", "coordinates": [1e400, 50]}',
            ("line 1, column 35", "1e400", "a finite number"),
        ),
        (
            '{"type": "MultiPoint", "coordinates": ' + "[" * 200_000 + "]" * 200_000 + "}",
            ("line 1, column 138", "nesting deeper than 100 levels",
             "JSON nested at most 100 levels deep"),
        ),
    ],
)  # fmt: skip
def test_malformed_shapes_are_problems_with_their_path(
    source: str, found: tuple[str, str, str]
) -> None:
    assert _only_problem(source) == found


def test_a_nested_geometry_collection_is_read_member_by_member() -> None:
    inner = {"type": "GeometryCollection", "geometries": [_POINT, _SQUARE]}
    [feature], problems = parse_geojson(
        _feature({"type": "GeometryCollection", "geometries": [inner, _POINT]}), "f"
    )
    assert problems == []
    assert feature.geometry is not None and len(feature.geometry.geoms) == 2
    outside = {
        "type": "GeometryCollection",
        "geometries": [{"type": "Point", "coordinates": [200, 0]}],
    }
    assert _only_problem(_feature({"type": "GeometryCollection", "geometries": [outside]})) == (
        "$.geometry.geometries[0].geometries[0].coordinates",
        "(200.0, 0.0)",
        "lon in [-180, 180] and lat in [-90, 90]",
    )


def test_a_folder_or_a_device_is_not_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="got a folder; expected a GeoJSON file"):
        parse_features(tmp_path)
    with pytest.raises(InputError, match="not a regular file"):
        parse_features("/dev/zero")  # would never end
