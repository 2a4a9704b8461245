"""Intake: every format keeps good rows, reports bad ones by line, and is idempotent by id."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from peaceforce.cli import app
from peaceforce.errors import InputError
from peaceforce.labels import Classification, Label
from peaceforce.monitoring.incidents import (
    DEFAULT_INCIDENT_LABEL,
    Incident,
    IncidentType,
    Observation,
    Source,
    WeaponClass,
    combined_observation,
    mgrs_to_lonlat,
)
from peaceforce.monitoring.intake import (
    RECORD_FIELDS,
    IntakeFormat,
    IntakeResult,
    parse_columns,
    parse_incidents,
    read_incident_file,
)

SECRET_GBR = Label(classification=Classification.SECRET, releasable_to=frozenset({"GBR"}))

CSV = """\
report,when,x,y,grid,what,who,conf,weapon,n,links
r1,2025-04-10T06:00:00Z,37.8,48.1,,artillery,patrol,0.8,,,photo-1;photo-2
r2,2025-04-10T07:00:00,,,37UDQ 12345 67890,weapons_sighting,uav,0.6,mlrs,4,
r3,yesterday,37.8,48.1,,artillery,patrol,0.8,,,
r4,2025-04-10T08:00:00Z,37.8,48.1,,artillery,martians,0.8,,,
r5,2025-04-10T08:00:00Z,37.8,48.1,,weapons_sighting,uav,0.5,,,
r1,2025-04-10T06:00:00Z,37.8,48.1,,artillery,patrol,0.8,,,photo-1;photo-2
r2,2025-04-11T07:00:00Z,37.0,48.0,,artillery,uav,0.6,,,
"""
COLUMNS = {
    "id": "report",
    "time": "when",
    "lon": "x",
    "lat": "y",
    "mgrs": "grid",
    "type": "what",
    "source": "who",
    "confidence": "conf",
    "weapon_class": "weapon",
    "weapon_count": "n",
    "evidence": "links",
}


def test_csv_with_column_mapping(tmp_path: Path) -> None:
    path = tmp_path / "reports.csv"
    path.write_text(CSV)
    result = read_incident_file(path, columns=COLUMNS)
    assert [i.id for i in result.incidents] == ["r1", "r2"]
    first, second = result.incidents
    assert first.evidence == ("photo-1", "photo-2")
    assert second.time == datetime(2025, 4, 10, 7, tzinfo=UTC)  # naive taken as UTC
    assert second.weapon_class is WeaponClass.MLRS and second.weapon_count == 4
    assert (second.lon, second.lat) == pytest.approx(mgrs_to_lonlat("37UDQ1234567890"))
    assert result.duplicates == 1  # r1 twice, same content
    rejected = {p.location: p for p in result.rejected}
    assert set(rejected) == {"line 4, when", "line 5, who", "line 6", "line 8"}
    assert rejected["line 4, when"].value == "'yesterday'"
    assert "weapon_class" in rejected["line 6"].expected
    assert "already" in rejected["line 8"].expected  # r2 again with other content
    assert all(p.file == str(path) for p in result.rejected)


def test_csv_defaults_and_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("id,time,lon,lat,type\na,2025-04-10T06:00:00Z,37.8,48.1,drone\n")
    result = read_incident_file(path, defaults={"source": "fixed_sensor"})
    assert result.incidents[0].source is Source.FIXED_SENSOR
    with pytest.raises(InputError, match="line 1"):
        read_incident_file(path, columns={"id": "report"})
    path.write_text("when,where\n2025-04-10,here\n")
    with pytest.raises(InputError) as caught:
        read_incident_file(path)
    assert "['id', 'time', 'lon', 'lat', 'type', 'source']" in caught.value.problems[0].expected


def test_csv_bad_mgrs_is_a_row_problem(tmp_path: Path) -> None:
    path = tmp_path / "grid.csv"
    path.write_text("id,time,mgrs,type,source\na,2025-04-10T06:00:00Z,not a grid,drone,uav\n")
    result = read_incident_file(path)
    assert not result.incidents
    assert result.rejected[0].location == "line 2"
    assert "MGRS" in result.rejected[0].expected


def test_geojson_good_and_broken_features(tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "id": "g1",
            "geometry": {"type": "Point", "coordinates": [37.5, 48.0]},
            "properties": {
                "time": "2025-04-10T06:00:00Z",
                "type": "drone",
                "source": "uav",
                "attributed_to": "rus",
            },
        },
        {
            "type": "Feature",
            "geometry": None,
            "properties": {
                "id": "g2",
                "mgrs": "37UDQ1234567890",
                "time": "2025-04-10T06:00:00Z",
                "type": "naval",
            },
        },
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]},
            "properties": {},
        },
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.5]}, "properties": {}},
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [37.5, 48.0]},
            "properties": {
                "id": "g5",
                "time": "2025-04-10T06:00:00Z",
                "type": "rumour",
                "source": "uav",
            },
        },
    ]
    path = tmp_path / "reports.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = read_incident_file(path, defaults={"source": "osint"})
    for feature, incident in zip(features[:2], result.incidents, strict=True):
        assert incident.id == feature.get("id", feature["properties"].get("id"))
    assert result.incidents[0].attributed_to == "RUS"
    assert [p.location for p in result.rejected] == [
        "$.features[3].geometry.coordinates",
        "$.features[2].geometry",
        "$.features[4], properties.type",
    ]


def test_geojson_not_a_collection_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_text("[1, 2]")
    with pytest.raises(InputError, match="GeoJSON object"):
        read_incident_file(path)


def test_ucdp_ged_real_file(shared_data: Path) -> None:
    result = read_incident_file(shared_data / "events" / "ucdp_ged_ukraine.csv", format_name="ucdp")
    assert not result.rejected
    assert {i.label for i in result.incidents} == {DEFAULT_INCIDENT_LABEL}
    assert len(result.incidents) == 3883
    types = Counter(i.type for i in result.incidents)
    assert types == {IncidentType.EXPLOSION: 3877, IncidentType.CIVILIAN_HARM: 6}
    harm = [i for i in result.incidents if i.type is IncidentType.CIVILIAN_HARM]
    assert {i.attributed_to for i in harm} == {"RUS"}
    assert all(i.source is Source.OSINT for i in result.incidents)
    assert all(
        i.attributed_to is None for i in result.incidents if i.type is IncidentType.EXPLOSION
    )
    first = result.incidents[0]
    assert first.id == "ucdp-147997"
    assert first.time == datetime(2014, 1, 22, tzinfo=UTC)
    assert first.deaths == 5 and first.confidence == pytest.approx(0.9)
    years = Counter(i.time.year for i in result.incidents)
    assert years[2015] == 710 and years[2021] == 167


def test_ucdp_ged_broken_rows(tmp_path: Path) -> None:
    header = (
        "id,date_start,latitude,longitude,where_prec,type_of_violence,side_a,best,event_clarity\n"
    )
    path = tmp_path / "ged.csv"
    path.write_text(
        header
        + "1,2015-02-20,48.0,37.8,1,1,Government of Ukraine,3,1\n"
        + "2,20/20/2015,48.0,37.8,1,1,Government of Ukraine,3,1\n"
        + "3,2015-02-20,48.0,37.8,x,1,Government of Ukraine,3,1\n"
        + "4,2015-02-20,48.0,37.8,1,9,Government of Ukraine,3,1\n"
        + "5,2015-02-20,148.0,37.8,2,3,DPR,1,2\n"
    )
    result = read_incident_file(path)
    assert [i.id for i in result.incidents] == ["ucdp-1"]
    assert [p.location for p in result.rejected] == [
        "line 3, date_start",
        "line 4",
        "line 5, type_of_violence",
        "line 6, latitude",
    ]
    with pytest.raises(InputError, match="UCDP GED header"):
        parse_incidents("id,foo\n1,2\n", "ucdp")


COT = """<?xml version="1.0" encoding="UTF-8"?>
<events>
<event version="2.0" uid="cot-1" type="a-h-G-E-W-R" time="2025-04-10T06:00:00Z"
       start="2025-04-10T05:58:00Z" stale="2025-04-10T07:00:00Z" how="m-g">
  <point lat="48.1" lon="37.8" hae="0" ce="25" le="10"/>
  <detail><__incident weapon_count="6" attributed_to="RUS" attribution_confidence="0.7"/>
    <remarks>Grad battery in firing position</remarks><link url="https://evidence.example/1"/></detail>
</event>
<!-- <event uid="commented-out"/> -->
<event version="2.0" uid="cot-2" type="b-m-p-s-p-i" time="2025-04-10T06:05:00Z"
       start="2025-04-10T06:05:00Z" stale="2025-04-10T07:00:00Z" how="h-e">
  <point lat="47.9" lon="37.6" hae="0" ce="50" le="10"/>
  <detail><__incident type="artillery" source="fixed_sensor" confidence="0.9"
     evidence="acoustic-7;radar-2"/></detail>
</event>
<event version="2.0" uid="cot-3" type="b-m-p-s-p-i"
      time="2025-04-10T06:05:00Z" stale="2025-04-10T07:00:00Z">
  <point lat="47.9" lon="37.6" hae="0" ce="50" le="10"/>
</event>
<event version="2.0" uid="cot-4" type="b-r-f-h-c"
      time="not a time" stale="2025-04-10T07:00:00Z">
  <point lat="47.9" lon="37.6" hae="0" ce="50" le="10"/>
</event>
<event version="2.0" uid="cot-5" type="b-r-f-h-c"
      time="2025-04-10T06:05:00Z" stale="2025-04-10T07:00:00Z">
  <point lat="147.9" lon="37.6"/>
</event>
<event version="2.0" uid="cot-6" type="a-h-G-E-V-A-T"
      time="2025-04-10T06:09:00Z" stale="2025-04-10T07:00:00Z">
</event>
</events>
"""


def test_cot_events(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(COT)
    result = read_incident_file(path)
    assert [i.id for i in result.incidents] == ["cot-1", "cot-2"]
    grad, shell = result.incidents
    assert grad.type is IncidentType.WEAPONS_SIGHTING and grad.weapon_class is WeaponClass.MLRS
    assert grad.weapon_count == 6 and grad.attributed_to == "RUS"
    assert grad.time == datetime(2025, 4, 10, 5, 58, tzinfo=UTC)  # start, when it was seen
    assert grad.description == "Grad battery in firing position"
    assert grad.evidence == ("https://evidence.example/1",)
    assert grad.source is Source.PATROL
    assert shell.type is IncidentType.ARTILLERY and shell.source is Source.FIXED_SENSOR
    assert shell.evidence == ("acoustic-7", "radar-2")
    assert [p.location for p in result.rejected] == [
        "line 16, @type",
        "line 20, @start",
        "line 24, point@lat",
        "line 28, point@lon",
        "line 28, point@lat",
    ]
    assert result.rejected[-1].value == "nothing"


def test_cot_single_event_and_stream_without_wrapper() -> None:
    one = (
        '<event uid="a" type="b-r-f-h-c" time="2025-04-10T06:00:00Z">'
        '<point lat="48" lon="37"/></event>'
    )
    assert parse_incidents(one, "cot").incidents[0].type is IncidentType.CIVILIAN_HARM
    stream = one + "\n" + one.replace('uid="a"', 'uid="b"')
    assert [i.id for i in parse_incidents(stream, IntakeFormat.COT).incidents] == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('<!DOCTYPE x [<!ENTITY a "aaaa">]><event uid="x"/>', "DTD"),
        ('<event uid="x">\n<point lat="1"', "line 2"),
    ],
)
def test_cot_refuses_dtds_and_broken_xml(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_incidents(text, "cot")


def test_intake_is_idempotent_within_a_source(tmp_path: Path) -> None:
    path = tmp_path / "feed.cot"
    path.write_text(COT)
    once = read_incident_file(path)
    twice = parse_incidents(COT + COT.replace('<?xml version="1.0" encoding="UTF-8"?>', ""), "cot")
    assert twice.incidents == once.incidents
    assert twice.duplicates == len(once.incidents)
    assert IntakeResult.model_validate_json(once.model_dump_json()) == once
    with pytest.raises(InputError, match=r"\.csv"):
        read_incident_file(tmp_path / "feed.txt")


def test_ucdp_is_recognised_by_its_header(shared_data: Path) -> None:
    result = read_incident_file(shared_data / "events" / "ucdp_ged_ukraine.csv")
    assert len(result.incidents) == 3883


@given(
    lon=st.floats(-180, 180),
    lat=st.floats(-90, 90),
    confidence=st.floats(0, 1),
    seconds=st.integers(0, 2_000_000_000),
    kind=st.sampled_from(list(IncidentType)),
    observation=st.none() | st.sampled_from(list(Observation)),
)
def test_incident_round_trips_through_json(
    *,
    lon: float,
    lat: float,
    confidence: float,
    seconds: int,
    kind: IncidentType,
    observation: Observation | None,
) -> None:
    weapon = WeaponClass.MORTAR if kind is IncidentType.WEAPONS_SIGHTING else None
    incident = Incident(
        id="x",
        time=datetime.fromtimestamp(seconds, tz=UTC),
        lon=lon,
        lat=lat,
        type=kind,
        source=Source.UAV,
        confidence=confidence,
        observation=observation,
        weapon_class=weapon,
        label=SECRET_GBR,
    )
    assert Incident.model_validate_json(incident.model_dump_json()) == incident


SUFFIXES = {
    IntakeFormat.CSV: "csv",
    IntakeFormat.UCDP: "csv",
    IntakeFormat.COT: "xml",
    IntakeFormat.GEOJSON: "geojson",
}


def test_bytes_and_text_in_every_format_give_the_same_reports(tmp_path: Path) -> None:
    sources = {
        IntakeFormat.CSV: CSV,
        IntakeFormat.COT: COT,
        IntakeFormat.GEOJSON: json.dumps(
            {
                "type": "Feature",
                "id": "g1",
                "geometry": {"type": "Point", "coordinates": [37.5, 48.0]},
                "properties": {"time": "2025-04-10T06:00:00Z", "type": "drone", "source": "uav"},
            }
        ),
        IntakeFormat.UCDP: "id,date_start,latitude,longitude,where_prec,type_of_violence,side_a\n"
        "7,2015-02-20,48.0,37.8,1,1,DPR\n",
    }
    for kind, text in sources.items():
        columns = COLUMNS if kind is IntakeFormat.CSV else None
        as_text = parse_incidents(text, kind, source="upload", columns=columns)
        as_bytes = parse_incidents(text.encode("cp1252"), kind.value, columns=columns)
        assert as_text.incidents and as_text.incidents == as_bytes.incidents, kind
        assert all(p.file == "upload" for p in as_text.rejected)
        path = tmp_path / f"feed.{SUFFIXES[kind]}"
        path.write_text(text, encoding="utf-8")
        from_file = read_incident_file(path, columns=columns)
        assert from_file.incidents == as_text.incidents, kind
        assert [p.location for p in from_file.rejected] == [p.location for p in as_text.rejected]
    with pytest.raises(InputError) as caught:
        parse_incidents("x", "kml", source="upload")
    (problem,) = caught.value.problems
    assert (problem.file, problem.value) == ("upload", "format 'kml'")
    assert "csv, geojson, ucdp, cot, jsonl" in problem.expected
    with pytest.raises(InputError, match="UTF-8 or Windows-1252"):
        parse_incidents(b"\x81\x8d\x8f\x90\x9d", "csv")


def test_importer_label_applies_unless_a_record_gives_its_own() -> None:
    header = "id,time,lon,lat,type,source,classification,releasable_to,caveats\n"
    text = header + (
        "a,2025-04-10T06:00:00Z,37.8,48.1,drone,uav,,,\n"
        "b,2025-04-10T06:00:00Z,37.8,48.1,drone,uav,restricted,GBR;fra POL,\n"
        "c,2025-04-10T06:00:00Z,37.8,48.1,drone,uav,,,UKR_EYES\n"
        "d,2025-04-10T06:00:00Z,37.8,48.1,drone,uav,TOP,,\n"
        "e,x,37.8,48.1,drone,uav,,GB-R,\n"
    )
    result = parse_incidents(text, "csv", source="feed.csv", label=SECRET_GBR)
    labels = {i.id: i.label for i in result.incidents}
    assert labels["a"] == SECRET_GBR
    assert labels["b"].classification is Classification.RESTRICTED
    assert labels["b"].releasable_to == {"GBR", "FRA", "POL"}
    assert labels["c"] == SECRET_GBR.model_copy(update={"caveats": frozenset({"UKR_EYES"})})
    rejected = {p.location: p for p in result.rejected}
    assert set(rejected) == {"line 5, classification", "line 6, releasable_to", "line 6, time"}
    assert rejected["line 5, classification"].value == "'TOP'"
    assert "SECRET" in rejected["line 5, classification"].expected
    assert rejected["line 6, releasable_to"].value == "'GB-R'"
    assert "upper-case" in rejected["line 6, releasable_to"].expected
    mapped = parse_incidents(
        text.replace("classification", "marking"), "csv", columns={"classification": "marking"}
    )
    assert {i.id: i.label.classification for i in mapped.incidents}["b"] is (
        Classification.RESTRICTED
    )


def test_geojson_feature_labels_and_jsonl_label_objects() -> None:
    feature = {
        "type": "Feature",
        "id": "g1",
        "geometry": {"type": "Point", "coordinates": [37.5, 48.0]},
        "properties": {
            "time": "2025-04-10T06:00:00Z",
            "type": "drone",
            "source": "uav",
            "classification": "CONFIDENTIAL",
            "releasable_to": ["UKR", "COALITION"],
        },
    }
    (incident,) = parse_incidents(json.dumps(feature), "geojson").incidents
    assert incident.label.classification is Classification.CONFIDENTIAL
    assert incident.label.releasable_to == {"UKR", "COALITION"}
    feature["properties"]["caveats"] = 5  # type: ignore[index]
    feature["properties"]["releasable_to"] = "bad token!"  # type: ignore[index]
    broken = parse_incidents(json.dumps(feature), "geojson")
    assert [p.location for p in broken.rejected] == ["$, properties.releasable_to"]
    labelled = incident.model_dump_json()
    bare = incident.model_copy(update={"id": "g2"}).model_dump_json(exclude={"label"})
    lines = parse_incidents(labelled + "\n" + bare + "\n", "jsonl", label=SECRET_GBR)
    assert [i.label for i in lines.incidents] == [incident.label, SECRET_GBR]


def test_column_mappings() -> None:
    assert parse_columns("time=when, lon = x,,lat=y") == {"time": "when", "lon": "x", "lat": "y"}
    assert parse_columns("classification=marking") == {"classification": "marking"}
    with pytest.raises(InputError) as caught:
        parse_columns("when=time,id,=x")
    assert [p.value for p in caught.value.problems] == ["'when'", "'id'", "'=x'"]
    with pytest.raises(InputError, match="--default"):
        parse_columns("classification=SECRET", option="--default", fields=RECORD_FIELDS)


# --- hostile CSV (issue 10): no silent loss, no traceback ---------------------------------

_PLAIN_HEADER = "id,time,lon,lat,type,source\n"


def _plain_rows(numbers: range) -> str:
    return "".join(f"r{i},2025-04-10T06:00:00Z,37.8,48.1,drone,uav\n" for i in numbers)


def test_an_unterminated_quote_is_rejected_by_its_line_and_the_import_fails(
    tmp_path: Path,
) -> None:
    # Before: 100 rows in, 10 accepted, "0 rejected", exit 0.
    path = tmp_path / "reports.csv"
    rows = _plain_rows(range(100)).replace("r10,", 'r10,"', 1)
    path.write_text(_PLAIN_HEADER + rows, encoding="utf-8")
    result = read_incident_file(path)
    assert len(result.incidents) == 10
    [problem] = result.rejected
    assert (problem.location, problem.value) == (
        "line 12",
        "a quoted field that never closes; lines 12-101 not read",
    )
    run = CliRunner().invoke(app, ["monitor", "import", str(path), "--json"])
    assert run.exit_code == 2
    assert json.loads(run.stdout)["rejected"][0]["location"] == "line 12"


def test_a_field_over_128_kib_reads_and_one_over_the_limit_is_rejected() -> None:
    big = "x" * 200_000  # Python's default limit is 131,072: a _csv.Error traceback before
    text = _PLAIN_HEADER + f"a,2025-04-10T06:00:00Z,37.8,48.1,drone,uav\nb,{big},1,1,drone,uav\n"
    result = parse_incidents(text, "csv")
    assert [i.id for i in result.incidents] == ["a"]
    assert [p.location for p in result.rejected] == ["line 3, time"]
    huge = "x" * (2**20 + 1)
    result = parse_incidents(_PLAIN_HEADER + f"c,{huge},1,1,drone,uav\n", "csv")
    assert [(p.location, p.expected) for p in result.rejected] == [
        ("line 2", "fields of at most 1,048,576 characters")
    ]


def test_extra_cells_and_duplicate_headers_are_errors() -> None:
    extra = _PLAIN_HEADER + _plain_rows(range(2)).replace("uav\n", "uav,EXTRA\n", 1)
    result = parse_incidents(extra, "csv")
    assert [i.id for i in result.incidents] == ["r1"]
    assert [(p.location, p.value) for p in result.rejected] == [("line 2", "7 cells")]
    with pytest.raises(InputError) as caught:
        parse_incidents("id,id,time,lon,lat,type,source\n" + "b," + _plain_rows(range(1)), "csv")
    assert [(p.location, p.value) for p in caught.value.problems] == [
        ("line 1, column 2", "'id' again (first in column 1)")
    ]


def test_a_byte_order_mark_in_text_or_bytes_leaves_the_first_column_its_name() -> None:
    # Before: text with a BOM gave "line 2, id: got nothing" for every row.
    text = "\ufeff" + _PLAIN_HEADER + _plain_rows(range(3))
    for source in (text, text.encode("utf-8")):
        result = parse_incidents(source, "csv")
        assert ([i.id for i in result.incidents], result.rejected) == (["r0", "r1", "r2"], ())


def test_ucdp_with_a_broken_quote_keeps_the_events_before_it(shared_data: Path) -> None:
    lines = (shared_data / "events" / "ucdp_ged_ukraine.csv").read_bytes().split(b"\n")
    broken = b"\n".join([*lines[:21], b'999,"' + lines[21], *lines[22:40]])
    result = parse_incidents(broken, "ucdp", source="ged.csv")
    assert len(result.incidents) == 20
    [problem] = result.rejected
    assert problem.file == "ged.csv" and problem.location == "line 22"


def test_every_format_but_ucdp_says_whether_a_report_was_seen_or_heard() -> None:
    """CSV, GeoJSON, JSON Lines and CoT's ``<__incident>`` carry ``observation``; UCDP has none."""
    csv = (
        "id,time,lon,lat,type,source,observation\n"
        "c1,2025-04-10T06:00:00Z,37.8,48.1,artillery,patrol,seen\n"
        "c2,2025-04-10T06:00:00Z,37.8,48.1,artillery,patrol,Seen and heard\n"
        "c3,2025-04-10T06:00:00Z,37.8,48.1,artillery,patrol,\n"
        "c4,2025-04-10T06:00:00Z,37.8,48.1,artillery,patrol,smelt\n"
    )
    result = parse_incidents(csv, "csv", source="feed.csv")
    assert [i.observation for i in result.incidents] == [
        Observation.SEEN,
        Observation.SEEN_AND_HEARD,
        None,
    ]
    (problem,) = result.rejected
    assert (problem.location, problem.value) == ("line 5, observation", "'smelt'")
    assert "'seen', 'heard', 'seen_and_heard', 'recorded' or 'reported'" in problem.expected
    feature = {
        "type": "Feature",
        "id": "g1",
        "geometry": {"type": "Point", "coordinates": [37.5, 48.0]},
        "properties": {
            "time": "2025-04-10T06:00:00Z",
            "type": "drone",
            "source": "fixed_sensor",
            "observation": "recorded",
        },
    }
    (recorded,) = parse_incidents(json.dumps(feature), "geojson").incidents
    assert recorded.observation is Observation.RECORDED
    line = json.dumps({**feature["properties"], "id": "j1", "lon": 37.5, "lat": 48.0,
                       "observation": "reported"})  # fmt: skip
    (reported,) = parse_incidents(line, "jsonl").incidents
    assert reported.observation is Observation.REPORTED
    cot = (
        '<event version="2.0" uid="k1" type="a-u-G" time="2025-04-10T06:00:00Z" '
        'start="2025-04-10T06:00:00Z" stale="2025-04-11T06:00:00Z" how="h-e">'
        '<point lat="48.0" lon="37.5" hae="0" ce="10" le="10"/>'
        '<detail><__incident type="artillery" observation="heard"/></detail></event>'
    )
    (heard,) = parse_incidents(cot, "cot").incidents
    assert heard.observation is Observation.HEARD
    ucdp = (
        "id,date_start,latitude,longitude,where_prec,type_of_violence,side_a\n"
        "7,2015-02-20,48.0,37.8,1,1,DPR\n"
    )
    (coded,) = parse_incidents(ucdp, "ucdp").incidents
    assert coded.observation is None


SEEN, HEARD, BOTH = Observation.SEEN, Observation.HEARD, Observation.SEEN_AND_HEARD
RECORDED, REPORTED = Observation.RECORDED, Observation.REPORTED


@pytest.mark.parametrize(
    ("reports", "event"),
    [
        ([SEEN, HEARD], BOTH),  # seen by one, heard by another
        ([SEEN, SEEN], SEEN),
        ([HEARD, None], HEARD),  # a report that does not say leaves the other's word
        ([BOTH, HEARD], BOTH),
        ([HEARD, RECORDED, REPORTED], HEARD),  # the monitors' own perception first
        ([REPORTED, RECORDED], RECORDED),  # then a sensor's record, then others' word
        ([REPORTED, None], REPORTED),
        ([None, None], None),  # never guessed
        ([], None),
    ],
)
def test_correlated_reports_combine_what_was_seen_and_heard(
    reports: list[Observation | None], event: Observation | None
) -> None:
    assert combined_observation(reports) is event
