"""The briefing pack's figures on a small constructed plan whose answers are known by hand."""

from __future__ import annotations

from datetime import date

import pytest

from peaceforce.briefing import BriefingPack, build_briefing
from peaceforce.briefing.model import SourceKind
from peaceforce.briefing.render import cite
from peaceforce.plan import PlanResult, run_plan
from peaceforce.scenario.model import Scenario
from tiny_scenario import line, pledge, tiny_scenario

ARTICLE = {
    "kind": "article",
    "article": "004_476d1b6c6be6d900.txt",
    "paragraph": "(opening), ¶5",
    "paraphrase": "France is ready to send troops to a reassurance force.",
}
STANCES = [
    {
        "nation": "POL",
        "question": "authorise_mission",
        "position": "opposed",
        "date": "2025-03-01",
        "source": {
            "kind": "public",
            "reference": "Test ministry, 1 March 2025",
            "paraphrase": "Poland says no.",
        },
    }
]


@pytest.fixture(scope="module")
def planned() -> tuple[PlanResult, Scenario]:
    """France pledges 2 of 4 infantry (illustrative, sourced); the UK's 1 needs a US backstop."""
    scenario = tiny_scenario(
        [
            pledge("fra", "FRA", "inf", 2, illustrative=True, source=ARTICLE),
            pledge("gbr", "GBR", "inf", 1, caveats=[{"kind": "requires_us_backstop"}]),
        ],
        [line("l", "inf", 4, "far")],
        stances=STANCES,
    )
    return run_plan(scenario), scenario


@pytest.fixture(scope="module")
def pack(planned: tuple[PlanResult, Scenario]) -> BriefingPack:
    return build_briefing(*planned, date(2026, 12, 2))


def test_summary_figures_are_the_plans(
    pack: BriefingPack, planned: tuple[PlanResult, Scenario]
) -> None:
    plan, _ = planned
    (mission,) = pack.missions  # NATO is blocked by Poland: only the coalition can act
    sourced = plan.sourcing[0]
    assert (mission.mission_id, mission.framework_id) == ("m", "coalition")
    # 2 of 4 battalions of 500: half the personnel for the first tour
    assert mission.first_tour.number == 0.5 == sourced.fills().first_tour
    assert mission.first_tour.value == "50%"
    assert mission.sustained.number == sourced.fills().sustained
    assert [b.framework_id for b in mission.blocked] == ["nato"]
    assert mission.blocked[0].blockers == ("Poland opposed",)
    (gap,) = mission.worst_gaps
    assert (gap.line_id, gap.missing.value, gap.missing.number) == ("l", "2 of 4", 2)
    assert gap.best_fix == sourced.lines[0].fixes[0].description
    assert mission.ioc.value.startswith("not scheduled")  # the tiny scenario has no transport


def test_us_backstop_decision_prices_the_held_back_pledge(pack: BriefingPack) -> None:
    (decision,) = [d for d in pack.decisions if "US backstop" in d.question]
    # one UK battalion of 500 personnel, held for one six-month tour: 3,000 personnel-months
    assert decision.effect.number == 3000
    assert "500 personnel" in decision.effect.value
    assert "GBR" in decision.question


def test_contributions_and_burden_share(
    pack: BriefingPack, planned: tuple[PlanResult, Scenario]
) -> None:
    plan, _ = planned
    (france,) = pack.contributions
    expected = next(c for c in plan.sourcing[0].contributions if c.nation == "FRA")
    assert france.deployed.number == expected.deployed_personnel == 1000
    assert france.committed.number == expected.committed_personnel
    assert france.commitment_share.number == 1.0


def test_every_figure_cites_a_listed_source(pack: BriefingPack) -> None:
    numbers = {s.number for s in pack.sources}
    assert numbers == set(range(1, len(pack.sources) + 1))
    for figure in pack.all_figures():
        if figure.number is not None:
            assert figure.sources, figure
        assert set(figure.sources) <= numbers
    article = next(s for s in pack.sources if s.kind is SourceKind.ARTICLE)
    assert article.citation == "004_476d1b6c6be6d900.txt, section “(opening), ¶5”"
    assert article.number in pack.missions[0].first_tour.sources
    # the UK pledge states no source and the UK no stance: the scenario file is cited
    decision = next(d for d in pack.decisions if "US backstop" in d.question)
    cited = [s for s in pack.sources if s.number in decision.effect.sources]
    assert [s.kind for s in cited] == [SourceKind.SCENARIO]


def test_illustrative_marks_follow_the_pledges(pack: BriefingPack) -> None:
    mission = pack.missions[0]
    assert mission.first_tour.illustrative and mission.sustained.illustrative
    assert not mission.worst_gaps[0].missing.illustrative  # the requirement is not a pledge
    (france,) = pack.contributions
    assert france.deployed.illustrative and not france.fair_share.illustrative
    assert pack.illustrative_marks == sum(f.illustrative for f in pack.all_figures())
    assert pack.illustrative_marks > 0


def test_no_illustrative_pledge_no_mark() -> None:
    scenario = tiny_scenario([pledge("fra", "FRA", "inf", 2)], [line("l", "inf", 2, "far")])
    pack = build_briefing(run_plan(scenario), scenario, date(2026, 12, 2))
    assert pack.illustrative_marks == 0


def test_round_trips_through_json(pack: BriefingPack) -> None:
    assert BriefingPack.model_validate_json(pack.model_dump_json()) == pack


def test_a_wrong_mark_count_is_refused(pack: BriefingPack) -> None:
    data = pack.model_dump(mode="json") | {"illustrative_marks": pack.illustrative_marks + 1}
    with pytest.raises(ValueError, match="illustrative_marks"):
        BriefingPack.model_validate(data)


def test_agreement_absent_is_said(pack: BriefingPack) -> None:
    assert "No ceasefire agreement" in pack.agreement


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [((), ""), ((3,), "[3]"), ((1, 2, 3, 7), "[1–3, 7]"), ((5, 1, 2, 2), "[1–2, 5]")],
)
def test_citations_collapse_runs(numbers: tuple[int, ...], expected: str) -> None:
    assert cite(numbers) == expected


def test_names_from_files_are_escaped_in_the_page() -> None:
    from peaceforce.briefing.render import render_html

    scenario = tiny_scenario([pledge("fra", "FRA", "inf", 1)], [line("l", "inf", 2, "far")])
    (mission,) = scenario.missions
    scenario = scenario.replace(
        name="Tiny <script>alert(1)</script>",
        missions=[mission.model_copy(update={"name": "M & <b>bold</b>"})],
    )
    page = render_html(build_briefing(run_plan(scenario), scenario, date(2026, 12, 2)))
    assert "<script>alert" not in page and "<b>bold" not in page
    assert "Tiny &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "M &amp; &lt;b&gt;bold&lt;/b&gt;" in page
