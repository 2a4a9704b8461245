"""The monitoring CLI end to end on real data: line, zones, intake in four formats, report."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import shapely
from pypdf import PdfReader
from typer.testing import CliRunner

from peaceforce.cli import app, main
from peaceforce.geo.crs import to_lonlat, to_metric
from peaceforce.labels import Classification
from peaceforce.monitoring.agreement import (
    ProtectedSites,
    builtin_agreements,
    compile_zones,
    load_agreement,
    load_sites,
)
from peaceforce.monitoring.incidents import DEFAULT_INCIDENT_LABEL
from peaceforce.monitoring.report import DailyReport
from peaceforce.monitoring.store import JsonLinesStore
from peaceforce.scenario.loader import builtin_scenario_dir, load_scenario

runner = CliRunner()
SNAPSHOT = "occupied_20250402.geojson"
DAY = "2025-04-10"


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the real entry point, which turns InputError into problems and exit code 2."""
    argv = sys.argv
    sys.argv = ["peaceforce", *args]
    try:
        with pytest.raises(SystemExit) as stopped:
            main()
    finally:
        sys.argv = argv
    captured = capsys.readouterr()
    return int(stopped.value.code or 0), captured.out, captured.err


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("monitoring")


@pytest.fixture(scope="module")
def line_file(shared_data: Path, work: Path) -> Path:
    out = work / "line_of_contact.geojson"
    result = invoke(
        "geo", "frontline", str(shared_data / "frontline" / SNAPSHOT), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def places(line_file: Path) -> dict[str, tuple[float, float]]:
    """Places at known distances from the derived line: the middle of its longest part, moved."""
    feature = json.loads(line_file.read_text(encoding="utf-8"))
    metric = to_metric(shapely.geometry.shape(feature["geometry"]))
    longest = max(shapely.get_parts(metric), key=lambda part: part.length)
    middle = longest.interpolate(0.5, normalized=True)

    def moved(km: float) -> tuple[float, float]:
        point = to_lonlat(shapely.Point(middle.x, middle.y + km * 1000.0))
        return round(point.x, 6), round(point.y, 6)

    return {
        "3km": moved(3),
        "10km": moved(10),
        "20km": moved(20),
        "darnytsia": (30.65, 50.45),  # 1 km from Darnytska power station, Kyiv
        "sea": (31.0, 45.3),  # the north-western Black Sea
    }


def test_frontline_json_and_file_usable_by_a_scenario(
    shared_data: Path, line_file: Path, tmp_path: Path
) -> None:
    result = invoke("geo", "frontline", str(shared_data / "frontline" / SNAPSHOT), "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["as_of"] == "2025-04-02"
    assert 1050 <= summary["length_km"] <= 1500
    assert sum(summary["parts_km"]) == pytest.approx(summary["length_km"], abs=0.01)
    feature = json.loads(line_file.read_text(encoding="utf-8"))
    assert set(feature["properties"]) == {"as_of", "description"}
    # the derived line replaces the built-in scenario's hand-simplified one
    scenario = tmp_path / "scenario"
    shutil.copytree(builtin_scenario_dir(), scenario)
    (scenario / "line_of_contact.geojson").write_text(line_file.read_text(encoding="utf-8"))
    loaded = load_scenario(scenario)
    assert str(loaded.line_of_contact.as_of) == "2025-04-02"
    assert loaded.line_of_contact.geometry_wkt.startswith("MULTILINESTRING")


def test_frontline_table(shared_data: Path) -> None:
    result = invoke(
        "geo", "frontline", str(shared_data / "frontline" / "occupied_20260101.geojson")
    )
    assert result.exit_code == 0
    assert "2026-01-01" in result.stdout and "length (km)" in result.stdout


@pytest.mark.parametrize("name", sorted(builtin_agreements()))
def test_builtin_agreements_validate(name: str) -> None:
    result = invoke("agreement", "validate", name, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["agreement"]["id"] == name


@pytest.mark.parametrize("name", sorted(builtin_agreements()))
def test_builtin_agreements_compile_against_a_real_line(
    name: str, shared_data: Path, line_file: Path
) -> None:
    from peaceforce.geo.frontline import load_occupied, read_line_of_contact

    agreement = load_agreement(builtin_agreements()[name])
    occupied, _ = load_occupied(shared_data / "frontline" / SNAPSHOT)
    line = read_line_of_contact(line_file, occupied=occupied)
    sites = load_sites(shared_data / "infrastructure" / "power_plants_ukraine.csv")
    zones = compile_zones(agreement, line, sites)
    kinds = {z.clause_id for z in zones.zones}
    assert kinds == {c.id for c in agreement.clauses}  # every clause yields zones
    per_site = sum(
        len([s for s in sites if s.categories & c.categories])
        for c in agreement.clauses
        if isinstance(c, ProtectedSites)
    )
    assert len([z for z in zones.zones if z.site_id]) == per_site
    assert zones.as_of is not None and zones.as_of.isoformat() == "2025-04-02"


def test_sample_sea_zone_is_at_sea() -> None:
    from peaceforce.geo.frontline import natural_earth_land
    from peaceforce.monitoring.agreement import NoNavalAttacks

    agreement = load_agreement(builtin_agreements()["ceasefire-2025"])
    sea = next(c for c in agreement.clauses if isinstance(c, NoNavalAttacks))
    assert sea.zone.intersection(natural_earth_land()).area == 0
    assert sea.zone.contains(shapely.Point(31.0, 45.3))


def test_agreement_validate_reports_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = builtin_agreements()["ceasefire-2025"].read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("width_km: 15", "width_km: -15"), encoding="utf-8")
    result = invoke("agreement", "validate", str(broken), "--json")
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "width_km: 15" in row)
    assert problems[0]["location"] == f"line {line}: clauses[1].width_km"
    code, _, err = run_main(["agreement", "validate", str(broken)], capsys)
    assert code == 2 and "width_km" in err and "Traceback" not in err


def test_zones_geojson(shared_data: Path, line_file: Path, work: Path) -> None:
    sites = str(shared_data / "infrastructure" / "power_plants_ukraine.csv")
    result = invoke(
        "agreement",
        "zones",
        "ceasefire-2025",
        "--line",
        str(line_file),
        "--sites",
        sites,
        "--geojson",
    )
    assert result.exit_code == 0
    collection = json.loads(result.stdout)
    kinds = {f["properties"].get("kind") for f in collection["features"]}
    assert kinds == {"line_of_contact", "line", "buffer", "withdrawal", "site", "maritime"}
    out = work / "zones.geojson"
    result = invoke(
        "agreement", "zones", "ceasefire-2025",
        "--occupied", str(shared_data / "frontline" / SNAPSHOT),
        "--sites", sites, "--geojson", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0 and "zones written" in result.stdout
    written = json.loads(out.read_text(encoding="utf-8"))
    assert len(written["features"]) == len(collection["features"])
    buffer = next(f for f in written["features"] if f["properties"]["kind"] == "buffer")
    assert buffer["properties"]["limit_km"] == 15
    table = invoke(
        "agreement", "zones", "energy-moratorium-2025", "--line", str(line_file), "--sites", sites
    )
    assert "Zaporizhia power station" in table.stdout


def test_zones_need_sites_and_a_line(line_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(
        ["agreement", "zones", "ceasefire-2025", "--line", str(line_file)], capsys
    )
    assert code == 2 and "sites" in err and "art-4-energy" in err
    code, _, err = run_main(["agreement", "zones", "energy-moratorium-2025"], capsys)
    assert code == 2 and "occupied" in err and "line of contact" in err
    code, _, err = run_main(["agreement", "zones", "no-such-agreement"], capsys)
    assert code == 2 and "ceasefire-2025" in err  # the built-ins are named


# --- a day's reports in four formats ----------------------------------------------------


def _patrol_csv(path: Path, places: dict[str, tuple[float, float]]) -> None:
    near, kyiv = places["3km"], places["darnytsia"]
    rows = [
        "report,when,x,y,what,conf,by,by_conf",
        f"p-1,2025-04-10T08:15:00Z,{near[0]},{near[1]},artillery,0.8,,",
        f"p-2,2025-04-10T09:00:00Z,{kyiv[0]},{kyiv[1]},missile,0.9,RUS,0.7",
        f"p-3,2025-04-09T12:00:00Z,{near[0]},{near[1]},artillery,0.6,,",
        f"p-4,yesterday,{near[0]},{near[1]},artillery,0.6,,",
        f"p-5,2025-04-10T10:00:00Z,{near[0]},{near[1]},artillery,1.7,,",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _uav_geojson(path: Path, places: dict[str, tuple[float, float]]) -> None:
    def point(lonlat: tuple[float, float]) -> dict[str, Any]:
        return {"type": "Point", "coordinates": list(lonlat)}

    features = [
        {
            "type": "Feature",
            "id": "u-1",
            "geometry": point(places["10km"]),
            "properties": {
                "time": "2025-04-10T10:30:00Z",
                "type": "weapons_sighting",
                "weapon_class": "mlrs",
                "weapon_count": 4,
                "source": "uav",
                "confidence": 0.9,
                "attributed_to": "RUS",
                "attribution_confidence": 0.8,
            },
        },
        {
            "type": "Feature",
            "id": "u-2",
            "geometry": {"type": "LineString", "coordinates": [[37, 48], [37.1, 48.1]]},
            "properties": {"time": "2025-04-10T10:00:00Z", "type": "drone", "source": "uav"},
        },
        {
            "type": "Feature",
            "id": "u-3",
            "geometry": point(places["sea"]),
            "properties": {"time": "2025-04-10T11:00:00Z", "type": "drone", "source": "uav"},
        },
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")


def _cot_xml(path: Path, places: dict[str, tuple[float, float]]) -> None:
    far, near = places["20km"], places["3km"]
    path.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<events>
<event version="2.0" uid="c-1" type="a-h-G-E-W-H" time="2025-04-10T12:00:00Z"
       start="2025-04-10T11:58:00Z" stale="2025-04-10T13:00:00Z" how="m-g">
  <point lat="{far[1]}" lon="{far[0]}" hae="0" ce="25" le="10"/>
  <detail><__incident weapon_count="2" attributed_to="UKR" attribution_confidence="0.6"/></detail>
</event>
<event version="2.0" uid="c-2" type="b-m-p-s-p-i" time="2025-04-10T08:20:00Z"
       start="2025-04-10T08:20:00Z" stale="2025-04-10T09:00:00Z" how="h-e">
  <point lat="{near[1]}" lon="{near[0]}" hae="0" ce="50" le="10"/>
  <detail><__incident type="artillery" source="fixed_sensor" confidence="0.7"/></detail>
</event>
<event version="2.0" uid="c-3" type="b-m-p-s-p-i" time="2025-04-10T08:20:00Z"
       stale="2025-04-10T09:00:00Z">
  <detail><__incident type="artillery"/></detail>
</event>
</events>
""",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def day_files(work: Path, places: dict[str, tuple[float, float]]) -> dict[str, Path]:
    files = {
        "csv": work / "patrol.csv",
        "geojson": work / "uav.geojson",
        "cot": work / "tak.xml",
    }
    _patrol_csv(files["csv"], places)
    _uav_geojson(files["geojson"], places)
    _cot_xml(files["cot"], places)
    return files


MAPPING = "id=report,time=when,lon=x,lat=y,type=what,confidence=conf,attributed_to=by"


@pytest.fixture(scope="module")
def store(work: Path, day_files: dict[str, Path], shared_data: Path) -> Path:
    path = work / "incidents.jsonl"
    ucdp = shared_data / "events" / "ucdp_ged_ukraine.csv"
    assert invoke("monitor", "import", str(ucdp), "--store", str(path)).exit_code == 0
    csv_args = [
        "--columns",
        MAPPING + ",attribution_confidence=by_conf",
        "--default",
        "source=patrol",
    ]
    result = invoke("monitor", "import", str(day_files["csv"]), "--store", str(path), *csv_args)
    assert result.exit_code == 2  # two broken rows, the good ones kept
    for name in ("geojson", "cot"):
        assert (
            invoke("monitor", "import", str(day_files[name]), "--store", str(path)).exit_code == 2
        )
    return path


def test_import_accumulates_all_four_formats(store: Path) -> None:
    incidents = JsonLinesStore(store).query()
    assert {i.label for i in incidents} == {DEFAULT_INCIDENT_LABEL}
    ids = {i.id for i in incidents}
    assert {"p-1", "p-2", "p-3", "u-1", "u-3", "c-1", "c-2"} <= ids
    assert len([i for i in ids if i.startswith("ucdp-")]) == 3883
    assert len(ids) == 3883 + 7


def test_reimport_is_idempotent(store: Path, day_files: dict[str, Path]) -> None:
    before = store.read_bytes()
    result = invoke(
        "monitor",
        "import",
        str(day_files["geojson"]),
        str(day_files["cot"]),
        "--store",
        str(store),
        "--json",
    )
    assert result.exit_code == 2  # the same broken reports are reported again
    report = json.loads(result.stdout)
    assert report["accepted"] == 0 and report["duplicates"] == 4
    assert [f["duplicates"] for f in report["files"]] == [2, 2]
    assert store.read_bytes() == before


def test_broken_rows_are_reported_with_lines(store: Path, day_files: dict[str, Path]) -> None:
    result = invoke(
        "monitor", "import",
        str(day_files["csv"]), str(day_files["geojson"]), str(day_files["cot"]),
        "--columns", MAPPING, "--default", "source=patrol", "--json",
    )  # fmt: skip
    assert result.exit_code == 2
    rejected = {
        (Path(p["file"]).name, p["location"]) for p in json.loads(result.stdout)["rejected"]
    }
    assert rejected == {
        ("patrol.csv", "line 5, when"),  # 'yesterday'
        ("patrol.csv", "line 6, conf"),  # confidence 1.7
        ("uav.geojson", "$.features[1].geometry"),  # a LineString
        ("tak.xml", "line 13, point@lon"),  # no <point>
        ("tak.xml", "line 13, point@lat"),
    }


def test_conflicting_content_under_a_known_id_is_rejected(store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store.jsonl"
    copy.write_bytes(store.read_bytes())
    other = tmp_path / "other.csv"
    other.write_text("id,time,lon,lat,type,source\np-1,2025-04-10T08:15:00Z,37,48,drone,uav\n")
    result = invoke("monitor", "import", str(other), "--store", str(copy), "--json")
    assert result.exit_code == 2
    (problem,) = json.loads(result.stdout)["rejected"]
    assert problem["location"] == "id p-1" and "already" in problem["expected"]
    assert copy.read_bytes() == store.read_bytes()


def test_import_table_and_bad_mapping(
    day_files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    result = invoke("monitor", "import", str(day_files["geojson"]))
    assert "checked only" in result.stdout and "$.features[1].geometry" in result.output
    code, _, err = run_main(
        ["monitor", "import", str(day_files["csv"]), "--columns", "when=time,id"], capsys
    )
    assert code == 2 and "'when'" in err and "field=column" in err


@pytest.fixture(scope="module")
def report_args(shared_data: Path, store: Path) -> list[str]:
    return [
        "monitor", "report", "--agreement", "ceasefire-2025", "--incidents", str(store),
        "--date", DAY, "--cutoff", "19:30",
        "--occupied", str(shared_data / "frontline" / SNAPSHOT),
        "--sites", str(shared_data / "infrastructure" / "power_plants_ukraine.csv"),
        "--regions", str(shared_data / "boundaries" / "ukraine_adm1_geoboundaries.geojson"),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def daily(report_args: list[str], work: Path) -> tuple[DailyReport, Path]:
    page = work / "report.html"
    result = invoke(*report_args, "--json", "--html", str(page), "--pdf", str(work / "report.pdf"))
    assert result.exit_code == 0, result.output
    return DailyReport.model_validate_json(result.stdout), page


def test_daily_report_counts(daily: tuple[DailyReport, Path]) -> None:
    report, _ = daily
    assert report.period_start.isoformat() == "2025-04-09T19:30:00+00:00"
    # today: p-1 and c-2 (one shelling, two reports), p-2, u-1, u-3, c-1
    assert report.reports == 6 and report.events == 5
    assert report.violations == 5 and report.previous_violations == 1  # p-3
    clauses = {c.key: (c.count, c.previous) for c in report.by_clause}
    assert clauses["art-1-no-fire"] == (3, 1)  # p-1/c-2, p-2 (RUS fire on Kyiv), u-3
    assert clauses["art-4-energy"] == (1, 0)
    assert clauses["art-5-black-sea"] == (1, 0)
    assert clauses["art-3-withdrawal"] == (2, 0)  # u-1 (MLRS), c-1 (howitzer)
    types = {c.key: c.count for c in report.by_type}
    assert types == {"artillery": 1, "missile": 1, "weapons_sighting": 2, "drone": 1}
    regions = {c.key: c.count for c in report.by_region}
    assert regions["Kyiv"] == 1 and regions["outside the regions"] == 1  # the sea
    assert [(w.incident_id, w.weapon_class.value) for w in report.weapons] == [
        ("u-1", "mlrs"),
        ("c-1", "artillery_100mm_plus"),
    ]
    (strike,) = report.site_strikes
    assert strike.site_name == "Darnytska power station" and strike.distance_km is not None
    assert strike.distance_km < 2 and strike.attributed_to == "RUS"
    assert [d.violations for d in report.trend][-2:] == [1, 5]


def test_daily_report_html_has_map_and_chart(daily: tuple[DailyReport, Path]) -> None:
    _, page = daily
    text = page.read_text(encoding="utf-8")
    assert text.count('src="data:image/png;base64,') == 2
    assert text.count('<p class="marking">UNCLASSIFIED REL COALITION</p>') == 2
    assert 'alt="map of violations"' in text and 'alt="violations per day"' in text
    assert "Darnytska power station" in text


def test_daily_report_pdf_carries_its_json(daily: tuple[DailyReport, Path]) -> None:
    report, page = daily
    reader = PdfReader(page.with_suffix(".pdf"))
    assert "Darnytska power station" in " ".join(p.extract_text() for p in reader.pages)
    attached = reader.attachments["daily-report.json"][0]
    assert DailyReport.model_validate_json(attached) == report


def test_daily_report_tables_and_earlier_cutoff(report_args: list[str]) -> None:
    result = invoke(*report_args)
    assert result.exit_code == 0
    assert "Violations by region" in result.stdout and "Darnytska power station" in result.stdout
    early = invoke(*report_args[:8], "--cutoff", "09:30", *report_args[10:], "--json")
    report = DailyReport.model_validate_json(early.stdout)
    assert report.period_end.isoformat() == "2025-04-10T09:30:00+00:00"
    # 24 hours to 09:30: p-3 of the day before, p-1/c-2 and p-2; nothing after 09:30
    assert report.violations == 3 and report.previous_violations == 0


def test_daily_report_from_intake_files(
    report_args: list[str],
    day_files: dict[str, Path],
    line_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # an intake file straight into the report: its broken rows stop it, with their lines
    args = [*report_args[:5], str(day_files["geojson"]), *report_args[6:]]
    code, _, err = run_main(args, capsys)
    assert code == 2 and "$.features[1].geometry" in err
    # a line alone has no sides, and no_fire_across_line needs them
    no_sides = [*report_args[:10], "--line", str(line_file), *report_args[12:]]
    code, _, err = run_main(no_sides, capsys)
    assert code == 2 and "art-1-no-fire" in err
    code, _, err = run_main([*report_args[:9], "25:00", *report_args[10:]], capsys)
    assert code == 2 and "HH:MM" in err


def test_import_labels_from_options_and_acknowledges_each_file(
    day_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "restricted.jsonl"
    result = invoke(
        "monitor", "import", str(day_files["geojson"]), "--store", str(store),
        "--classification", "RESTRICTED", "--release", "fra", "--release", "GBR",
        "--caveat", "JMC",
    )  # fmt: skip
    assert result.exit_code == 2  # the broken feature; the good ones stored
    assert f"stored {day_files['geojson']}: 2 new, 0 duplicate" in result.stdout
    labels = {i.label for i in JsonLinesStore(store).query()}
    (label,) = labels
    assert label.classification is Classification.RESTRICTED
    assert label.releasable_to == {"FRA", "GBR"} and label.caveats == {"JMC"}
    code, _, err = run_main(
        ["monitor", "import", str(day_files["cot"]), "--release", "G-BR"], capsys
    )
    assert code == 2 and "--release" in err and "G-BR" in err
    code, _, err = run_main(
        ["monitor", "import", str(day_files["cot"]), "--classification", "TOP"], capsys
    )
    assert code == 2 and "TOP" in err and "Traceback" not in err


def test_import_help_states_the_default_label() -> None:
    text = invoke("monitor", "import", "--help").stdout
    assert "--classification" in text and "--release" in text and "--caveat" in text
    assert "UNCLASSIFIED" in text and "COALITION" in text
