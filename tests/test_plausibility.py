"""Plausibility of geometry: a front line or zone far from Ukraine, empty or degenerate is refused.

Each rule is proved on a small constructed case with a known answer, and every
real snapshot in the shared data stays accepted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import box, mapping
from shapely.geometry.base import BaseGeometry

from peaceforce.cli import main
from peaceforce.errors import InputError, Problem
from peaceforce.geo.crs import to_lonlat, to_metric
from peaceforce.geo.frontline import (
    MAX_OCCUPIED_SHARE,
    MIN_LINE_KM,
    MIN_OCCUPIED_KM2,
    NEAR_UKRAINE_KM,
    THEATRE,
    line_of_contact_from_file,
    load_occupied,
    natural_earth_ukraine,
    read_line_of_contact,
)
from peaceforce.monitoring.agreement import parse_agreement

NEAR = f"within {NEAR_UKRAINE_KM:g} km of Ukraine"


def _write(path: Path, geometry: BaseGeometry | dict[str, Any]) -> Path:
    shape = geometry if isinstance(geometry, dict) else mapping(geometry)
    feature = {"type": "Feature", "properties": {}, "geometry": shape}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def _only_problem(error: pytest.ExceptionInfo[InputError]) -> Problem:
    (problem,) = error.value.problems
    return problem


def test_the_stated_limits() -> None:
    assert (NEAR_UKRAINE_KM, MAX_OCCUPIED_SHARE, MIN_OCCUPIED_KM2, MIN_LINE_KM) == (
        50.0,
        0.9,
        100.0,
        1.0,
    )
    assert THEATRE == (18.0, 40.0, 45.0, 56.0)


def test_every_real_snapshot_is_accepted(shared_data: Path) -> None:
    snapshots = sorted((shared_data / "frontline").glob("occupied_*.geojson"))
    assert len(snapshots) >= 10
    for path in snapshots:
        line = line_of_contact_from_file(path)
        assert 1050 <= line.length_km <= 1500, path.name


@pytest.mark.parametrize(
    ("name", "coordinates", "reaches"),
    [
        # each gave a "0.0 km" line with exit 0, the world a 1,224 km one
        ("france", [[2, 46], [4, 46], [4, 48], [2, 48], [2, 46]], "2.000, 46.000"),
        ("antimeridian", [[179, 50], [-179, 50], [-179, 52], [179, 52], [179, 50]], None),
        ("world", [[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]], None),
        ("belarus", [[27, 52.5], [28, 52.5], [28, 53], [27, 53], [27, 52.5]], "28.000, 53.000"),
    ],
)
def test_a_snapshot_of_somewhere_else_is_refused(
    tmp_path: Path, name: str, coordinates: list[list[float]], reaches: str | None
) -> None:
    path = _write(tmp_path / f"{name}.geojson", {"type": "Polygon", "coordinates": [coordinates]})
    with pytest.raises(InputError) as caught:
        line_of_contact_from_file(path)
    problem = _only_problem(caught)
    assert (problem.file, problem.location) == (str(path), "$.features")
    assert problem.value.startswith("an area that reaches ")
    if reaches is not None:
        assert problem.value == f"an area that reaches {reaches} (lon, lat)"
    assert problem.expected == f"an occupied area {NEAR}"


def _reaches(value: str, prefix: str) -> shapely.Point:
    """The point a problem's value says the geometry reaches."""
    lon, lat = value.removeprefix(prefix).removesuffix(" (lon, lat)").split(", ")
    return shapely.Point(float(lon), float(lat))


def _square_beyond_ukraine(km: float) -> BaseGeometry:
    """A 2 km square whose nearest edge lies ``km`` north of Kharkiv, into Russia."""
    ukraine = to_metric(natural_earth_ukraine())
    start = to_metric(shapely.Point(36.23, 49.99))  # Kharkiv, 30 km from the border
    assert ukraine.contains(start)
    y = start.y
    while ukraine.distance(shapely.Point(start.x, y)) < km * 1000.0:
        y += 100.0
    square = box(start.x - 1000.0, y, start.x + 1000.0, y + 2000.0)
    assert ukraine.distance(square) / 1000.0 == pytest.approx(km, abs=2.0)
    return to_lonlat(square)


@pytest.mark.parametrize(("km", "accepted"), [(30.0, True), (70.0, False)])
def test_fifty_km_beyond_the_border_is_where_a_snapshot_stops_being_ukraine(
    shared_data: Path, tmp_path: Path, km: float, accepted: bool
) -> None:
    real, _ = load_occupied(shared_data / "frontline" / "occupied_20250402.geojson")
    square = _square_beyond_ukraine(km)
    path = _write(tmp_path / "occupied.geojson", real.union(square))
    if accepted:
        assert load_occupied(path)[0].covers(square)
        return
    with pytest.raises(InputError) as caught:
        load_occupied(path)
    reached = _reaches(_only_problem(caught).value, "an area that reaches ")
    assert square.buffer(1e-3).contains(reached)


def test_ukraine_itself_given_as_the_occupied_area_is_refused(
    shared_data: Path, tmp_path: Path
) -> None:
    # a careless user's likeliest mistake: the outline where the snapshot should be
    path = _write(tmp_path / "ukraine.geojson", natural_earth_ukraine())
    with pytest.raises(InputError) as caught:
        line_of_contact_from_file(path)
    problem = _only_problem(caught)
    assert (problem.file, problem.value) == (str(path), "100% of Ukraine's land occupied")
    assert problem.expected.startswith("at most 90%")
    # geoBoundaries' outline reaches into the Black Sea beyond the 50 km as well
    outline = shared_data / "boundaries" / "ukraine_adm1_geoboundaries.geojson"
    with pytest.raises(InputError) as caught:
        line_of_contact_from_file(outline)
    assert _only_problem(caught).file == str(outline)


@pytest.mark.parametrize(("degrees", "accepted"), [(0.1, False), (0.2, True)])
def test_a_snapshot_must_cover_a_hundred_square_km_of_ukraine(
    tmp_path: Path, degrees: float, accepted: bool
) -> None:
    # squares in central Ukraine of about 82 km² (refused) and 330 km² (a front around it)
    square = box(31.5, 49.0, 31.5 + degrees, 49.0 + degrees)
    km2 = to_metric(square).area / 1e6
    path = _write(tmp_path / "occupied.geojson", square)
    if accepted:
        assert km2 > MIN_OCCUPIED_KM2
        line = line_of_contact_from_file(path)
        assert line.length_km == pytest.approx(to_metric(square).length / 1000.0, rel=0.01)
        return
    assert km2 < MIN_OCCUPIED_KM2
    with pytest.raises(InputError) as caught:
        line_of_contact_from_file(path)
    assert _only_problem(caught).value == f"{km2:,.1f} km² of Ukraine's land occupied"


def test_a_derived_line_of_nothing_is_refused_not_zero_km(tmp_path: Path) -> None:
    # an outline no larger than the occupied area leaves no unoccupied land to face
    square = box(31.0, 48.5, 32.0, 49.5)
    occupied = _write(tmp_path / "occupied.geojson", square)
    outline = _write(tmp_path / "outline.geojson", square)
    with pytest.raises(InputError) as caught:
        line_of_contact_from_file(occupied, ukraine_path=outline)
    problem = _only_problem(caught)
    assert (problem.file, problem.location) == (str(occupied), "the line derived from it")
    assert (problem.value, problem.expected) == (
        "a line of 0.000 km",
        "a line of contact at least 1 km long",
    )


@pytest.mark.parametrize(
    "line",
    [shapely.LineString([(2, 46), (4, 48)]), shapely.LineString([(179, 50), (-179, 50)])],
)
def test_a_line_file_far_away_is_refused(tmp_path: Path, line: BaseGeometry) -> None:
    path = _write(tmp_path / "line.geojson", line)
    with pytest.raises(InputError) as caught:
        read_line_of_contact(path)
    problem = _only_problem(caught)
    assert (problem.file, problem.location) == (str(path), "$.features[0].geometry")
    assert problem.expected == f"a line of contact {NEAR}"
    reached = _reaches(problem.value, "a line that reaches ")
    assert line.distance(reached) < 1e-3
    assert to_metric(natural_earth_ukraine()).distance(to_metric(reached)) > 50_000


def test_a_line_file_shorter_than_a_km_is_refused(tmp_path: Path) -> None:
    line = shapely.LineString([(36.0, 48.0), (36.006, 48.0)])
    km = to_metric(line).length / 1000.0
    assert km < MIN_LINE_KM
    path = _write(tmp_path / "line.geojson", line)
    with pytest.raises(InputError) as caught:
        read_line_of_contact(path)
    problem = _only_problem(caught)
    assert (problem.location, problem.value) == ("$.features[0].geometry", f"a line of {km:.3f} km")


def test_the_commands_refuse_an_implausible_snapshot_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = [[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]
    path = _write(tmp_path / "world.geojson", {"type": "Polygon", "coordinates": [world]})
    for args in (
        ["geo", "frontline", str(path)],
        ["agreement", "zones", "ceasefire-2025", "--occupied", str(path)],
    ):
        argv, sys.argv = sys.argv, ["peaceforce", *args]
        try:
            with pytest.raises(SystemExit) as stopped:
                main()
        finally:
            sys.argv = argv
        captured = capsys.readouterr()
        assert stopped.value.code == 2, args
        assert "world.geojson" in captured.err and "km of Ukraine" in captured.err
        assert "0.0" not in captured.out


AGREEMENT = """\
id: sea
name: Black Sea truce
parties:
  - {id: UKR, name: Ukraine, holds: unoccupied}
  - {id: RUS, name: Russian Federation, holds: occupied}
period: {start: 2025-03-25, days: 30}
scope: {kind: partial, domains: [black_sea]}
clauses:
  - kind: no_naval_attacks
    id: sea
    zone: {type: Polygon, coordinates: [RING]}
"""


@pytest.mark.parametrize(
    ("ring", "expected"),
    [
        ([[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]], "lon -180 to 180"),
        ([[179, 43], [-179, 43], [-179, 44], [179, 44], [179, 43]], "lon -179 to 179"),
        ([[-33, 44], [-30, 44], [-30, 46], [-33, 46], [-33, 44]], "lon -33 to -30"),
        ([[30, 44], [31, 44], [32, 44], [30, 44]], "a polygon with an area"),
    ],
)
def test_a_maritime_zone_must_have_an_area_in_the_theatre(
    ring: list[list[float]], expected: str
) -> None:
    # the world compiled to a zone of 0 km², the line to an empty one: both were accepted
    text = AGREEMENT.replace("RING", json.dumps(ring))
    with pytest.raises(InputError) as caught:
        parse_agreement(text, file="sea.yaml")
    problem = _only_problem(caught)
    assert (problem.file, problem.location) == ("sea.yaml", "line 11: clauses[0].zone")
    assert expected in problem.expected


def test_the_black_sea_itself_is_a_plausible_zone() -> None:
    ring = [[27.5, 40.9], [41.8, 40.9], [41.8, 46.7], [27.5, 46.7], [27.5, 40.9]]
    agreement = parse_agreement(AGREEMENT.replace("RING", json.dumps(ring)))
    assert agreement.clauses[0].kind == "no_naval_attacks"
