"""The scenario model: the built-in scenario, round-trips and the JSON Schema."""

from __future__ import annotations

import json

import pytest
import yaml

from peaceforce.scenario.base import ArticleSource
from peaceforce.scenario.loader import builtin_scenario_dir
from peaceforce.scenario.model import (
    Domain,
    Location,
    ParliamentaryVote,
    Pledge,
    Scenario,
)

SEED_ARTICLES = {"000_6825ab6809e35ced.txt", "004_476d1b6c6be6d900.txt"}
NAMED_IN_ARTICLES = {
    "GBR", "FRA", "UKR", "USA", "RUS", "POL", "ITA", "DEU",
    "TUR", "FIN", "ESP", "NLD", "CAN", "AUS", "HUN", "SVK",
}  # fmt: skip


def test_builtin_scenario_names_every_nation_of_the_articles(scenario: Scenario) -> None:
    codes = {n.code for n in scenario.nations}
    assert codes >= NAMED_IN_ARTICLES
    assert codes >= {
        "DNK",
        "SWE",
        "NOR",
        "EST",
        "LVA",
        "LTU",
        "BEL",
        "PRT",
        "CZE",
        "ROU",
        "NZL",
        "JPN",
    }


def test_every_stance_cites_a_seed_article_or_is_an_assumption(scenario: Scenario) -> None:
    for stance in scenario.stances:
        if isinstance(stance.source, ArticleSource):
            assert stance.source.article in SEED_ARTICLES
            assert stance.source.paragraph
        else:
            assert stance.source.kind in {"assumption", "public"}


def test_pledges_without_a_public_figure_are_marked_illustrative(scenario: Scenario) -> None:
    for pledge in scenario.pledges:
        assert pledge.illustrative or pledge.source is not None, pledge.id
    uk_ceilings = {
        c.personnel
        for p in scenario.pledges
        if p.nation == "GBR"
        for c in p.caveats
        if c.kind == "personnel_ceiling"
    }
    assert uk_ceilings == {10000}


def test_three_mission_options_of_plausible_size(scenario: Scenario) -> None:
    sizes = {
        m.id: sum(
            line.quantity * scenario.unit_type_by_id[line.capability].personnel
            for line in m.requirements
        )
        for m in scenario.missions
    }
    assert set(sizes) == {"reassurance", "monitoring", "air_shield"}
    # IISS (April 2025): ~10,000 small, ~25,000 medium.
    assert 8_000 <= sizes["monitoring"] <= 15_000
    assert 10_000 <= sizes["reassurance"] <= 30_000
    assert sizes["air_shield"] < sizes["monitoring"]


def test_line_of_contact_has_at_least_forty_points(scenario: Scenario) -> None:
    from shapely import wkt

    line = wkt.loads(scenario.line_of_contact.geometry_wkt)
    assert len(line.coords) >= 40


def test_catalogue_covers_every_domain(scenario: Scenario) -> None:
    assert {u.domain for u in scenario.catalogue} == set(Domain)


def test_scenario_json_round_trip(scenario: Scenario) -> None:
    text = scenario.model_dump_json()
    again = Scenario.model_validate_json(text)
    assert again == scenario
    assert again.model_dump_json() == text


def test_yaml_to_model_to_json_to_model_round_trip() -> None:
    raw = yaml.safe_load((builtin_scenario_dir() / "pledges.yaml").read_text(encoding="utf-8"))
    pledges = [Pledge.model_validate(item) for item in raw]
    dumped = json.dumps([p.model_dump(mode="json") for p in pledges])
    assert [Pledge.model_validate(item) for item in json.loads(dumped)] == pledges


def test_caveats_are_typed_variants() -> None:
    pledge = Pledge.model_validate(
        {
            "id": "x",
            "nation": "DEU",
            "unit_type": "mech_inf_bn",
            "count": 1,
            "readiness_days": 30,
            "home_base": {"lon": 10, "lat": 52},
            "available": {"start": "2025-01-01", "end": "2026-01-01"},
            "caveats": [{"kind": "parliamentary_vote", "lead_time_days": 45}],
        }
    )
    assert pledge.caveats_of(ParliamentaryVote) == (ParliamentaryVote(lead_time_days=45),)


def test_location_accepts_mgrs() -> None:
    kyiv = Location.model_validate({"mgrs": "36UUA2394091604"})
    assert kyiv.lat == pytest.approx(50.45, abs=0.001)
    assert kyiv.lon == pytest.approx(30.52, abs=0.001)


def test_replace_rebuilds_lookups(scenario: Scenario) -> None:
    assert "JPN" in scenario.nation_by_code
    smaller = scenario.replace(
        nations=[n for n in scenario.nations if n.code != "JPN"],
        stances=[s for s in scenario.stances if s.nation != "JPN"],
    )
    assert "JPN" not in smaller.nation_by_code


def test_json_schema_describes_every_entity() -> None:
    schema = Scenario.model_json_schema()
    for entity in ("Nation", "Stance", "UnitType", "Pledge", "Framework", "MissionOption", "Area"):
        assert entity in schema["$defs"]
    caveat_kinds = {
        ref["$ref"].rsplit("/", 1)[-1]
        for ref in schema["$defs"]["Pledge"]["properties"]["caveats"]["items"]["oneOf"]
    }
    assert len(caveat_kinds) == 8


def test_latest_stance_is_the_latest_dated_and_the_first_listed_of_a_day(
    scenario: Scenario,
) -> None:
    """The lookup behind every stance rule, on a constructed nation with four stances."""
    from datetime import date

    from peaceforce.scenario.model import Position, Question, Stance

    source = scenario.stances[0].source

    def said(position: Position, day: date, question: Question) -> Stance:
        return Stance(nation="JPN", question=question, position=position, date=day, source=source)

    soil = Question.TROOPS_ON_UKRAINIAN_SOIL
    stances = [
        said(Position.CONSIDERING, date(2025, 3, 1), soil),
        said(Position.DECLINED, date(2025, 5, 1), soil),  # the latest: it decides
        said(Position.COMMITTED, date(2025, 4, 1), soil),  # listed later, dated earlier
        said(Position.OPPOSED, date(2025, 5, 1), Question.AIR_POLICING),
        said(Position.COMMITTED, date(2025, 5, 1), Question.AIR_POLICING),  # same day: first wins
    ]
    changed = scenario.replace(stances=[s for s in scenario.stances if s.nation != "JPN"] + stances)
    assert changed.stance("JPN", soil) == stances[1]
    assert changed.stance("JPN", Question.AIR_POLICING) == stances[3]
    assert changed.stance("JPN", Question.MARITIME) is None
    assert scenario.stance("JPN", soil) != stances[1]  # the copy's lookup is its own
