"""Validation: every error class with its exact message, all errors in one pass, no tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peaceforce.errors import Problem, ScenarioError
from peaceforce.scenario.loader import builtin_scenario_dir, load_scenario
from peaceforce.scenario.model import RequiresUsBackstop
from scenario_copies import append, copy_builtin

GOOD_PLEDGE = (
    "- {{id: {id}, nation: {nation}, unit_type: {unit_type}, count: {count}, readiness_days: 5,\n"
    "   home_base: {{lon: 0, lat: 51}}, available: {{start: {start}, end: {end}}}}}\n"
)


def _pledge(**changes: object) -> str:
    fields: dict[str, object] = {
        "id": "test-pledge",
        "nation": "GBR",
        "unit_type": "mech_inf_bn",
        "count": 1,
        "start": "2025-06-01",
        "end": "2027-12-31",
    }
    fields.update(changes)
    return GOOD_PLEDGE.format(**fields)


def _problems(folder: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    return caught.value.problems


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return copy_builtin(tmp_path)


def test_builtin_scenario_is_valid() -> None:
    assert load_scenario().id == "coalition-2025"


def test_zero_count(folder: Path) -> None:
    line = append(folder / "pledges.yaml", _pledge(count=0))
    assert _problems(folder) == [
        Problem("pledges.yaml", f"line {line}, [35].count", "0", "greater than 0")
    ]


def test_negative_count(folder: Path) -> None:
    line = append(folder / "pledges.yaml", _pledge(count=-3))
    assert _problems(folder) == [
        Problem("pledges.yaml", f"line {line}, [35].count", "-3", "greater than 0")
    ]


def test_unknown_nation(folder: Path) -> None:
    line = append(folder / "pledges.yaml", _pledge(nation="BRA"))
    [problem] = _problems(folder)
    assert (problem.file, problem.location, problem.value) == (
        "pledges.yaml",
        f"line {line}, [35].nation",
        "'BRA'",
    )
    assert problem.expected.startswith("a nation defined in the scenario (ALB, AUS, AUT,")


def test_not_an_iso_code(folder: Path) -> None:
    line = append(folder / "pledges.yaml", _pledge(nation="XXX"))
    assert _problems(folder) == [
        Problem(
            "pledges.yaml",
            f"line {line}, [35].nation",
            "'XXX'",
            "an ISO 3166-1 alpha-3 country code such as GBR or FRA",
        )
    ]


def test_unknown_unit_type(folder: Path) -> None:
    line = append(folder / "pledges.yaml", _pledge(unit_type="hovercraft"))
    [problem] = _problems(folder)
    assert (problem.location, problem.value) == (f"line {line}, [35].unit_type", "'hovercraft'")
    assert problem.expected.startswith(
        "a unit type defined in the scenario (armoured_bn, destroyer,"
    )


def test_unknown_area(folder: Path) -> None:
    text = (folder / "missions.yaml").read_text(encoding="utf-8")
    (folder / "missions.yaml").write_text(
        text.replace("area: kyiv,", "area: atlantis,", 1), encoding="utf-8"
    )
    line = 1 + text[: text.index("area: kyiv,")].count("\n")
    [problem] = _problems(folder)
    assert (problem.file, problem.location, problem.value) == (
        "missions.yaml",
        f"line {line}, [0].requirements[0].area",
        "'atlantis'",
    )
    assert problem.expected.startswith("an area defined in the scenario (black_sea_corridor,")


def test_duplicate_id(folder: Path) -> None:
    line = append(folder / "pledges.yaml", _pledge(id="gbr-hq"))
    assert _problems(folder) == [
        Problem("pledges.yaml", f"line {line}, [35].id", "'gbr-hq'", "a unique id among pledges")
    ]


def test_duplicate_id_across_yaml_and_csv(folder: Path) -> None:
    line = append(
        folder / "pledges.csv",
        "gbr-hq,FIN,engineer_coy,1,30,25.75 61.24,2025-09-01,2027-12-31,,true\n",
    )
    assert _problems(folder) == [
        Problem("pledges.csv", f"line {line}, id", "'gbr-hq'", "a unique id among pledges")
    ]


def test_pledge_window_outside_the_mission(folder: Path) -> None:
    line = append(folder / "pledges.yaml", _pledge(start="2030-01-01", end="2031-01-01"))
    assert _problems(folder) == [
        Problem(
            "pledges.yaml",
            f"line {line + 1}, [35].available",
            "'2030-01-01..2031-01-01'",
            "a window overlapping the mission period 2025-09-01..2027-09-02",
        )
    ]


def test_window_ending_before_it_starts(folder: Path) -> None:
    line = append(folder / "pledges.yaml", _pledge(start="2026-01-01", end="2025-01-01"))
    [problem] = _problems(folder)
    assert problem.location == f"line {line + 1}, [35].available"
    assert problem.expected == "end 2025-01-01 before start 2026-01-01"


def test_misspelt_field(folder: Path) -> None:
    line = append(folder / "pledges.yaml", _pledge().replace("readiness_days", "readyness_days"))
    locations = {(p.location, p.expected) for p in _problems(folder)}
    assert locations == {
        (f"line {line}, [35].readiness_days", "this required field"),
        (f"line {line}, [35].readyness_days", "no such field (misspelt or unknown)"),
    }


def test_unknown_caveat_kind(folder: Path) -> None:
    pledge = _pledge().removesuffix("}\n") + ", caveats: [{kind: no_night_flying}]}\n"
    line = append(folder / "pledges.yaml", pledge)
    [problem] = _problems(folder)
    assert problem.location == f"line {line + 1}, [35].caveats[0]"
    assert "allowed_domains" in problem.expected and "personnel_ceiling" in problem.expected


def test_bad_mgrs(folder: Path) -> None:
    pledge = _pledge().replace("{lon: 0, lat: 51}", "{mgrs: NOT-A-GRID}")
    line = append(folder / "pledges.yaml", pledge)
    [problem] = _problems(folder)
    assert problem.location == f"line {line + 1}, [35].home_base"
    assert problem.expected.startswith("an MGRS grid reference such as")


def test_self_intersecting_area(folder: Path) -> None:
    data = json.loads((folder / "areas.geojson").read_text(encoding="utf-8"))
    bowtie = [[[30, 50], [31, 51], [31, 50], [30, 51], [30, 50]]]
    data["features"][0]["geometry"] = {"type": "Polygon", "coordinates": bowtie}
    (folder / "areas.geojson").write_text(json.dumps(data), encoding="utf-8")
    problems = _problems(folder)
    assert problems[0] == Problem(
        "areas.geojson",
        "$.features[0].geometry.coordinates",
        "Self-intersection[30.5 50.5]",
        "a valid geometry (no self-intersection)",
    )


def test_clockwise_polygon_is_fine(folder: Path) -> None:
    data = json.loads((folder / "areas.geojson").read_text(encoding="utf-8"))
    ring = data["features"][0]["geometry"]["coordinates"][0]
    data["features"][0]["geometry"]["coordinates"][0] = ring[::-1]
    (folder / "areas.geojson").write_text(json.dumps(data), encoding="utf-8")
    assert load_scenario(folder).areas[0].id == "kyiv"


def test_coordinates_out_of_range(folder: Path) -> None:
    data = json.loads((folder / "line_of_contact.geojson").read_text(encoding="utf-8"))
    data["features"][0]["geometry"]["coordinates"][3] = [200.0, 48.0]
    (folder / "line_of_contact.geojson").write_text(json.dumps(data), encoding="utf-8")
    assert _problems(folder) == [
        Problem(
            "line_of_contact.geojson",
            "$.features[0].geometry.coordinates",
            "(200.0, 48.0)",
            "lon in [-180, 180] and lat in [-90, 90]",
        )
    ]


def test_broken_yaml_syntax(folder: Path) -> None:
    (folder / "stances.yaml").write_text("- nation: GBR\n  question: [unclosed\n", encoding="utf-8")
    [problem] = [p for p in _problems(folder) if p.file == "stances.yaml"]
    assert problem.location.startswith("line 3")
    assert problem.expected == "well-formed YAML"


def test_broken_json(folder: Path) -> None:
    (folder / "areas.geojson").write_text(
        '{"type": "FeatureCollection",\n "features": [}', encoding="utf-8"
    )
    problems = [p for p in _problems(folder) if p.file == "areas.geojson"]
    assert problems == [
        Problem("areas.geojson", "line 2, column 15", "Expecting value", "valid JSON")
    ]


def test_missing_file(folder: Path) -> None:
    (folder / "nations.yaml").unlink()
    problems = _problems(folder)
    assert Problem("nations.yaml", "-", "(missing file)", f"nations.yaml in {folder}") in problems


def test_ten_injected_errors_are_all_reported_with_locations(folder: Path) -> None:
    append(
        folder / "nations.yaml",
        "- {code: XXX, name: Nowhere, gdp_usd_bn: 1, population_m: 1, figures_year: 2024}\n",
    )
    append(
        folder / "stances.yaml",
        "- {nation: BRA, question: funding, position: committed, date: 2025-04-01,"
        " source: {kind: assumption, reason: invented for a test}}\n",
    )
    append(folder / "pledges.yaml", _pledge(id="p1", count=0))
    append(folder / "pledges.yaml", _pledge(id="p2", unit_type="hovercraft"))
    append(folder / "pledges.yaml", _pledge(id="p3", start="2030-01-01", end="2031-12-31"))
    append(
        folder / "pledges.csv",
        "neg-ready,FIN,engineer_coy,1,-5,25.75 61.24,2025-09-01,2027-12-31,,true\n",
    )
    append(
        folder / "catalogue.yaml",
        "- {id: frigate, name: Copy, domain: maritime, personnel: 1, vehicles: 0, short_tons: 0,"
        " sidc: '10033000001202040000', standard_displacement_t: 1000,"
        " displacement_source: {kind: assumption, reason: invented for a test}}\n",
    )
    text = (folder / "missions.yaml").read_text(encoding="utf-8")
    (folder / "missions.yaml").write_text(
        text.replace("area: odesa,", "area: atlantis,", 1), encoding="utf-8"
    )
    areas = json.loads((folder / "areas.geojson").read_text(encoding="utf-8"))
    areas["features"][1]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[30, 50], [31, 51], [31, 50], [30, 51], [30, 50]]],
    }
    areas["features"][2]["geometry"] = {"type": "Point", "coordinates": [30, 95]}
    (folder / "areas.geojson").write_text(json.dumps(areas), encoding="utf-8")

    problems = _problems(folder)
    assert len(problems) == 10
    per_file = {name: sum(p.file == name for p in problems) for name in {p.file for p in problems}}
    assert per_file == {
        "nations.yaml": 1,
        "stances.yaml": 1,
        "pledges.yaml": 3,
        "pledges.csv": 1,
        "catalogue.yaml": 1,
        "missions.yaml": 1,
        "areas.geojson": 2,
    }
    for problem in problems:
        assert problem.location.startswith(("line ", "$.features["))


def test_cli_exit_code_and_no_traceback(folder: Path) -> None:
    append(folder / "pledges.yaml", _pledge(count=0))
    run = subprocess.run(
        [sys.executable, "-m", "peaceforce", "validate", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "greater than 0" in run.stderr
    as_json = subprocess.run(
        [sys.executable, "-m", "peaceforce", "validate", str(folder), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert as_json.returncode == 2
    assert json.loads(as_json.stdout)["problems"][0]["expected"] == "greater than 0"


# --- property tests: malformed input never produces a traceback --------------------


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_builtin(tmp_path_factory.mktemp("pristine"))


def _load_with(pristine: Path, name: str, content: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "scenario"
        shutil.copytree(pristine, folder)
        (folder / name).write_text(content, encoding="utf-8")
        try:
            load_scenario(folder)
        except ScenarioError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.file and problem.location and problem.expected


yaml_fragments = st.lists(
    st.sampled_from(
        ["- ", "nation: ", "GBR", "count: ", "-1", "{", "}", "[", "]", ": ", "\n", "  ", "'", '"',
         "&a ", "*a", "!!python/object ", "null", "2025-13-45", "1e999", "\t", "#", "---\n", "?"]
    )
    | st.text(max_size=5),
    max_size=40,
).map("".join)  # fmt: skip


@settings(
    max_examples=int(os.environ.get("PEACEFORCE_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(content=yaml_fragments)
def test_malformed_yaml_never_raises_anything_else(pristine: Path, content: str) -> None:
    _load_with(pristine, "stances.yaml", content)


@settings(
    max_examples=int(os.environ.get("PEACEFORCE_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mutated_pledge_yaml_never_raises_anything_else(
    pristine: Path, data: st.DataObject
) -> None:
    text = (builtin_scenario_dir() / "pledges.yaml").read_text(encoding="utf-8")
    start = data.draw(st.integers(0, len(text) - 1))
    length = data.draw(st.integers(0, 20))
    insert = data.draw(st.text(alphabet=":-{}[], \n'\"0123456789abc", max_size=6))
    _load_with(pristine, "pledges.yaml", text[:start] + insert + text[start + length :])


@settings(
    max_examples=int(os.environ.get("PEACEFORCE_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.lists(
        st.lists(st.text(alphabet='abcGBR01-;=|., "', max_size=8), min_size=0, max_size=12),
        max_size=5,
    )
)
def test_malformed_pledge_csv_never_raises_anything_else(
    pristine: Path, rows: list[list[str]]
) -> None:
    header = (builtin_scenario_dir() / "pledges.csv").read_text(encoding="utf-8").splitlines()[0]
    _load_with(pristine, "pledges.csv", "\n".join([header, *(",".join(r) for r in rows)]) + "\n")


def test_impossible_date(folder: Path) -> None:
    (folder / "stances.yaml").write_text("- {date: 2025-13-45}\n", encoding="utf-8")
    problems = [p for p in _problems(folder) if p.file == "stances.yaml"]
    assert problems == [
        Problem("stances.yaml", "line 1, column 10", "'2025-13-45'", "a valid timestamp")
    ]


def test_list_as_mapping_key(folder: Path) -> None:
    (folder / "stances.yaml").write_text("- {[a]: 1}\n", encoding="utf-8")
    problems = [p for p in _problems(folder) if p.file == "stances.yaml"]
    assert problems == [
        Problem(
            "stances.yaml", "line 1, column 4", "a seq as a key", "a plain scalar as a mapping key"
        )
    ]


def test_file_labels_combine_into_the_result_label(tmp_path: Path) -> None:
    folder = copy_builtin(tmp_path)
    append(
        folder / "scenario.yaml",
        "file_labels:\n"
        "  pledges.csv: {classification: RESTRICTED, releasable_to: [GBR, COALITION],"
        " caveats: [FG_CELL]}\n",
    )
    scenario = load_scenario(folder)
    assert scenario.label.releasable_to == {"COALITION"}
    assert str(scenario.result_label) == "RESTRICTED REL COALITION CAVEATS FG_CELL"


def test_file_labels_must_name_files_of_the_folder(tmp_path: Path) -> None:
    folder = copy_builtin(tmp_path)
    line = append(
        folder / "scenario.yaml",
        "file_labels:\n  pledges.xlsx: {classification: SECRET, releasable_to: [GBR]}\n",
    )
    (problem,) = _problems(folder)
    assert (problem.file, problem.location, problem.value) == (
        "scenario.yaml",
        f"line {line + 1}, file_labels.pledges.xlsx",
        "'pledges.xlsx'",
    )
    assert problem.expected.startswith(
        "a file of the folder (access.yaml, areas.geojson, catalogue.yaml"
    )


def test_bad_release_token_is_named(tmp_path: Path) -> None:
    folder = copy_builtin(tmp_path)
    line = append(
        folder / "scenario.yaml",
        "file_labels:\n  pledges.csv: {classification: SECRET, releasable_to: [gbr]}\n",
    )
    (problem,) = _problems(folder)
    assert problem.location == f"line {line + 1}, file_labels.pledges.csv.releasable_to"
    assert "upper-case tokens" in problem.expected


# --- hostile YAML (issue 10): alias bombs, recursion, duplicate keys ---------------------

_LAUGHS = "".join(
    f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}" if level else "lol"] * 10) + "]\n"
    for level in range(10)
)


@pytest.mark.timeout(30)  # a hang guard only: the loader answers in milliseconds
@pytest.mark.parametrize(
    ("name", "text", "location"),
    [
        ("scenario.yaml", _LAUGHS, "line 3, column 15"),
        (
            "missions.yaml",
            "- " + _LAUGHS.replace("\n", "\n  ").rstrip() + "\n",
            "line 3, column 17",
        ),
    ],
)
def test_a_billion_laughs_file_is_one_problem_not_a_hang(
    folder: Path, name: str, text: str, location: str
) -> None:
    assert len(text.encode()) < 1024
    (folder / name).write_text(text, encoding="utf-8")
    [problem] = [p for p in _problems(folder) if p.file == name]
    assert problem.location == location  # the second *l1: ten lists of ten so far
    assert problem.expected == "aliases that at most multiply the nodes written by 10"


def test_a_recursive_alias_is_one_problem(folder: Path) -> None:
    (folder / "missions.yaml").write_text("- &m {id: m, requirements: [*m]}\n", encoding="utf-8")
    problems = [p for p in _problems(folder) if p.file == "missions.yaml"]
    assert problems == [
        Problem(
            "missions.yaml",
            "line 1, column 29",
            "*m inside &m",
            "an alias to a node that does not hold it",
        )
    ]


def test_a_duplicate_key_names_both_lines_and_keeps_neither(folder: Path) -> None:
    # Before: the later id silently won and the scenario became "other".
    line = append(folder / "scenario.yaml", "id: other\n")
    first = 1 + (folder / "scenario.yaml").read_text(encoding="utf-8").splitlines().index(
        "id: coalition-2025"
    )
    problems = [p for p in _problems(folder) if p.file == "scenario.yaml"]
    assert problems == [
        Problem(
            "scenario.yaml",
            f"line {line}, column 1",
            f"'id' again (first at line {first})",
            "each key once in a mapping",
        )
    ]


def test_the_shared_caveats_anchor_of_the_builtin_pledges_still_loads() -> None:
    scenario = load_scenario()
    # two anchors: ground units wait on a US backstop, air and sea units do not
    ground = [
        p.caveats
        for p in scenario.pledges
        if p.nation == "GBR" and p.illustrative and p.caveats_of(RequiresUsBackstop)
    ]
    other = [
        p.caveats
        for p in scenario.pledges
        if p.nation == "GBR" and p.illustrative and not p.caveats_of(RequiresUsBackstop)
    ]
    assert len(ground) > 5 and all(c == ground[0] for c in ground)
    assert len(other) == 3 and all(c == other[0] for c in other)


# --- hostile CSV and GeoJSON in a scenario folder (issue 10) -------------------------------


def test_pledges_csv_with_a_byte_order_mark_loads(folder: Path) -> None:
    # Before: the mark became part of the first column's name, "id" was missing, and the
    # message showed a header that looked right.
    path = folder / "pledges.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(load_scenario(folder).pledges) == len(load_scenario().pledges)


def test_pledges_csv_quote_and_cell_faults_name_their_lines(folder: Path) -> None:
    path = folder / "pledges.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    rows[2] += ",extra"
    rows[4] = rows[4].replace(",", ',"', 1)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    problems = [p for p in _problems(folder) if p.file == "pledges.csv"]
    assert [(p.location, p.value) for p in problems] == [
        ("line 3", f"{rows[2].count(',') + 1} cells"),
        ("line 5", f"a quoted field that never closes; lines 5-{len(rows)} not read"),
    ]


def test_area_properties_as_a_list_is_a_problem_with_its_path(folder: Path) -> None:
    areas = json.loads((folder / "areas.geojson").read_text(encoding="utf-8"))
    areas["features"][1]["properties"] = ["id", "odesa"]
    (folder / "areas.geojson").write_text(json.dumps(areas), encoding="utf-8")
    problems = [p for p in _problems(folder) if p.file == "areas.geojson"]
    assert problems == [
        Problem("areas.geojson", "$.features[1].properties", '["id", "odesa"]', "an object or null")
    ]


def test_a_line_of_contact_far_from_ukraine_is_refused(tmp_path: Path) -> None:
    folder = copy_builtin(tmp_path)
    data = json.loads((folder / "line_of_contact.geojson").read_text(encoding="utf-8"))
    feature = data["features"][0] if data.get("type") == "FeatureCollection" else data
    feature["geometry"] = {"type": "LineString", "coordinates": [[-3.0, 40.0], [-2.0, 41.0]]}
    (folder / "line_of_contact.geojson").write_text(json.dumps(data), encoding="utf-8")
    (problem,) = _problems(folder)
    assert problem.file == "line_of_contact.geojson"
    assert problem.location.endswith(".geometry")
    assert "within 50 km of Ukraine" in problem.expected
