"""Agreement YAML: every clause type loads; every fault is named with its line and field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from peaceforce.errors import InputError
from peaceforce.labels import Classification, Label
from peaceforce.monitoring.agreement import (
    Agreement,
    HeavyWeaponWithdrawal,
    Side,
    load_agreement,
    load_sites,
    parse_agreement,
)
from peaceforce.monitoring.incidents import IncidentType, WeaponClass

GOOD = """\
id: minsk-style
name: Minsk-II style ceasefire
parties:
  - {id: ukr, name: Ukraine, holds: unoccupied}
  - {id: RUS, name: Russian Federation, holds: occupied}
period: {start: 2025-04-10, days: 30}
scope: full
clauses:
  - {kind: no_fire_across_line, id: art1, within_km: 30}
  - {kind: demilitarised_buffer, id: buffer, width_km: 15}
  - kind: heavy_weapon_withdrawal
    id: art2
    security_zone_km: {artillery_100mm_plus: 50, mlrs: 70, heavy_mlrs: 140, tactical_missile: 140}
  - {kind: protected_sites, id: energy, categories: [Nuclear, hydro], radius_km: 5}
  - kind: no_naval_attacks
    id: sea
    zone: {type: Polygon, coordinates: [[[30, 44], [33, 44], [33, 46], [30, 46], [30, 44]]]}
  - kind: window_of_silence
    id: easter
    windows:
      - {start: 2025-04-19T16:00:00Z, end: 2025-04-21T00:00:00Z}
"""


def test_good_agreement_loads_every_clause(tmp_path: Path) -> None:
    path = tmp_path / "agreement.yaml"
    path.write_text(GOOD)
    agreement = load_agreement(path)
    assert [c.kind for c in agreement.clauses] == [
        "no_fire_across_line",
        "demilitarised_buffer",
        "heavy_weapon_withdrawal",
        "protected_sites",
        "no_naval_attacks",
        "window_of_silence",
    ]
    assert agreement.parties[0].id == "UKR"
    assert agreement.party("rus") is not None and agreement.party("rus").holds is Side.OCCUPIED  # type: ignore[union-attr]
    assert agreement.period.start == datetime(2025, 4, 10, tzinfo=UTC)
    assert agreement.period.end == datetime(2025, 5, 10, tzinfo=UTC)
    assert agreement.clauses[3].categories == {"nuclear", "hydro"}  # type: ignore[union-attr]
    assert IncidentType.WEAPONS_SIGHTING in agreement.clauses[1].types
    assert Agreement.model_validate_json(agreement.model_dump_json()) == agreement


def test_open_ended_period() -> None:
    agreement = parse_agreement(GOOD.replace("days: 30", "days: null"))
    assert agreement.period.end is None


def test_minsk_ii_withdrawal_is_half_the_security_zone_each_side() -> None:
    clause = HeavyWeaponWithdrawal.minsk_ii()
    assert clause.each_side_km(WeaponClass.ARTILLERY_100MM_PLUS) == 25
    assert clause.each_side_km(WeaponClass.MLRS) == 35
    assert clause.each_side_km(WeaponClass.HEAVY_MLRS) == 70
    assert clause.each_side_km(WeaponClass.TACTICAL_MISSILE) == 70


BAD = """\
id: broken
name: Broken
parties:
  - {id: UKR, name: Ukraine, holds: unoccupied}
  - id: RUS
    name: Russia
    holds: occupiedd
period: {start: 2025-04-10, days: 0}
scope: full
clauses:
  - kind: demilitarised_buffer
    id: b1
    width_km: -5
  - kind: heavy_weapon_withdrawal
    id: w1
    security_zone_km: {mlrs: 70, catapult: 3}
  - kind: frobnicate
    id: x
  - kind: window_of_silence
    id: s1
    windows:
      - {start: 2025-05-01, end: 2025-04-01}
"""


def test_every_fault_is_reported_with_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "agreement.yaml"
    path.write_text(BAD)
    with pytest.raises(InputError) as caught:
        load_agreement(path)
    where = {p.location for p in caught.value.problems}
    assert where == {
        "line 7: parties[1].holds",
        "line 8: period.days",
        "line 13: clauses[0].width_km",
        "line 16: clauses[1].security_zone_km.catapult",
        "line 17: clauses[2]",
        "line 22: clauses[3].windows[0]",
    }
    assert all(p.file == str(path) for p in caught.value.problems)
    assert any(p.value == "'occupiedd'" for p in caught.value.problems)


@pytest.mark.parametrize(
    ("text", "location", "fragment"),
    [
        ("id: [unclosed\n", "line 2", "YAML"),
        ("- just a list\n", "line 1", "mapping"),
        (
            GOOD.replace("scope: full", "scope: {kind: partial, domains: [energy_infrastructure]}"),
            "line 1",
            "outside",
        ),
        (GOOD.replace("id: buffer", "id: art1"), "line 1", "unique"),
        (GOOD.replace("holds: occupied", "holds: unoccupied"), "line 1", "each side"),
    ],
)
def test_document_level_faults(text: str, location: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_agreement(text, file="a.yaml")
    problem = caught.value.problems[0]
    assert problem.location.startswith(location)
    assert fragment in str(caught.value)


def test_partial_scope_accepts_its_own_clauses() -> None:
    text = """\
id: energy-truce
name: Energy truce
parties:
  - {id: UKR, name: Ukraine, holds: unoccupied}
  - {id: RUS, name: Russia, holds: occupied}
period: {start: 2025-03-18, days: 30}
scope: {kind: partial, domains: [energy_infrastructure, black_sea]}
clauses:
  - {kind: protected_sites, id: energy, categories: [power_plant], radius_km: 3}
  - kind: no_naval_attacks
    id: sea
    zone: {type: Polygon, coordinates: [[[30, 44], [33, 44], [33, 46], [30, 46], [30, 44]]]}
"""
    agreement = parse_agreement(text)
    assert agreement.scope.kind == "partial"
    with pytest.raises(InputError, match="a full ceasefire lists no domains"):
        parse_agreement(text.replace("{kind: partial,", "{kind: full,"))


def test_maritime_zone_must_be_a_polygon() -> None:
    text = GOOD.replace(
        "zone: {type: Polygon, coordinates: [[[30, 44], [33, 44], [33, 46], [30, 46], [30, 44]]]}",
        "zone: {type: LineString, coordinates: [[30, 44], [33, 44]]}",
    )
    with pytest.raises(InputError) as caught:
        parse_agreement(text)
    assert caught.value.problems[0].location == "line 17: clauses[4].zone"


def test_missing_agreement_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_agreement(tmp_path / "none.yaml")


def test_power_plants_as_protected_sites(shared_data: Path) -> None:
    sites = load_sites(shared_data / "infrastructure" / "power_plants_ukraine.csv")
    assert len(sites) == 64
    nuclear = [s.name for s in sites if "nuclear" in s.categories]
    assert len(nuclear) == 4  # Zaporizhzhia, Rivne, Khmelnytskyi, South Ukraine
    assert all("power_plant" in s.categories for s in sites)


def test_bad_site_rows_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(
        "id,name,latitude,longitude,category\n"
        "s1,Good,48.1,35.0,substation\n"
        "s2,Bad lat,98.1,35.0,substation\n"
        "s3,Bad lon,48.1,east,hospital\n"
    )
    with pytest.raises(InputError) as caught:
        load_sites(path)
    assert [p.location for p in caught.value.problems] == ["line 3, lat", "line 4, lon"]


def test_default_label_releases_to_coalition_and_the_parties() -> None:
    agreement = parse_agreement(GOOD)
    assert agreement.label == Label(
        classification=Classification.UNCLASSIFIED,
        releasable_to=frozenset({"COALITION", "UKR", "RUS"}),
    )
    assert Agreement.model_validate_json(agreement.model_dump_json()).label == agreement.label


def test_label_set_in_the_file_and_its_faults_located() -> None:
    marked = GOOD.replace(
        "scope: full\n",
        "scope: full\nlabel: {classification: RESTRICTED, releasable_to: [COALITION, UKR], "
        "caveats: [JMC]}\n",
    )
    label = parse_agreement(marked).label
    assert label.classification is Classification.RESTRICTED
    assert label.releasable_to == {"COALITION", "UKR"} and label.caveats == {"JMC"}
    with pytest.raises(InputError) as caught:
        parse_agreement(marked.replace("RESTRICTED", "TOP_SECRET"), file="a.yaml")
    (problem,) = caught.value.problems
    assert problem.location == "line 8: label.classification" and problem.value == "'TOP_SECRET'"
    with pytest.raises(InputError) as caught:
        parse_agreement(GOOD.replace("{id: ukr,", "{id: u-kr,"), file="a.yaml")
    assert [p.location for p in caught.value.problems] == ["line 4: parties[0].id"]


def test_each_clause_kind_describes_its_rule() -> None:
    agreement = parse_agreement(GOOD)
    assert [c.describe() for c in agreement.clauses] == [
        "within 30 km of the line",
        "15 km each side of the line",
        "artillery_100mm_plus 25 km, mlrs 35 km, heavy_mlrs 70 km, tactical_missile 70 km "
        "each side",
        "5 km around hydro, nuclear",
        "maritime zone of 52,557 km²",  # 3° by 2° at 45°N: 236 km by 222 km
        "2025-04-19 16:00 to 2025-04-21 00:00 UTC",
    ]
    assert [c.line_reach_km() for c in agreement.clauses] == [30, 15, 70, 0, 0, 0]
    assert [(c.needs_sites, c.needs_sides) for c in agreement.clauses] == [
        (False, True),
        (False, False),
        (False, False),
        (True, False),
        (False, False),
        (False, False),
    ]


def test_hostile_yaml_in_an_agreement_is_one_problem(tmp_path: Path) -> None:
    laughs = "".join(
        f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}" if n else "lol"] * 10) + "]\n" for n in range(10)
    )
    path = tmp_path / "agreement.yaml"
    path.write_text(laughs + GOOD, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_agreement(path)
    assert [(p.file, p.location) for p in caught.value.problems] == [
        (str(path), "line 3, column 15")
    ]
    with pytest.raises(InputError) as caught:
        parse_agreement(GOOD.replace("clauses:", "clauses: &c [*c]\nx:"), file="a.yaml")
    assert caught.value.problems[0].value == "*c inside &c"


def test_a_duplicate_key_in_an_agreement_names_both_lines() -> None:
    with pytest.raises(InputError) as caught:
        parse_agreement(GOOD + "scope: {kind: partial, domains: [black_sea]}\n", file="a.yaml")
    [problem] = caught.value.problems
    assert (problem.location, problem.value) == (
        "line 22, column 1",
        "'scope' again (first at line 7)",
    )


def test_an_agreement_that_is_not_a_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="got a folder; expected an agreement YAML file"):
        load_agreement(tmp_path)
