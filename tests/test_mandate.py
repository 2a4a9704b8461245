"""Mandate analysis: the built-in scenario checked against the articles; the decision rules."""

from __future__ import annotations

from datetime import date

import pytest

from peaceforce.mandate.analysis import (
    MandateReport,
    Outcome,
    PledgeStatus,
    analyse_mandate,
    assess_decision,
)
from peaceforce.scenario.base import Assumption
from peaceforce.scenario.model import Position, Question, Scenario, Stance


@pytest.fixture(scope="module")
def report(scenario: Scenario) -> MandateReport:
    return analyse_mandate(scenario)


def _blockers(report: MandateReport, framework: str) -> set[str]:
    return {b.nation for b in report.assessment(framework).blockers}


def test_nato_blocked_by_hungary_and_slovakia(report: MandateReport) -> None:
    nato = report.assessment("nato")
    assert nato.outcome is Outcome.BLOCKED
    assert _blockers(report, "nato") == {"HUN", "SVK"}
    assert all(b.position is Position.OPPOSED and b.source is not None for b in nato.blockers)


def test_security_council_blocked_by_russias_veto(report: MandateReport) -> None:
    unsc = report.assessment("unsc")
    assert unsc.outcome is Outcome.BLOCKED
    assert _blockers(report, "unsc") == {"RUS"}
    assert "veto" in unsc.blockers[0].reason


def test_ad_hoc_coalition_is_authorisable(report: MandateReport) -> None:
    assert [f.framework_id for f in report.authorisable()] == ["coalition"]
    assert report.assessment("coalition").blockers == ()


def test_eu_blocked_under_unanimity(report: MandateReport) -> None:
    assert report.assessment("eu").outcome is Outcome.BLOCKED
    assert _blockers(report, "eu") == {"HUN", "SVK"}


@pytest.mark.parametrize("framework", ["nato", "eu", "unsc", "osce", "coalition"])
def test_poland_and_italy_send_no_troops_onto_ukrainian_soil(
    report: MandateReport, framework: str
) -> None:
    verdicts = [v for v in report.assessment(framework).pledges if v.nation in {"POL", "ITA"}]
    assert verdicts
    assert not any(v.may_stand_on_ukrainian_soil for v in verdicts)


def test_consent_of_russia_excludes_every_nato_contributor(
    scenario: Scenario, report: MandateReport
) -> None:
    unsc = report.assessment("unsc")
    nato_members = {n.code for n in scenario.nations if "NATO" in n.memberships}
    for verdict in unsc.pledges:
        if verdict.nation in nato_members:
            assert verdict.status is PledgeStatus.EXCLUDED
            assert "party consent: RUS rejects contributors from NATO" in verdict.reasons
        else:
            assert verdict.status is not PledgeStatus.EXCLUDED
    survivors = {v.nation for v in unsc.pledges if v.status is not PledgeStatus.EXCLUDED}
    assert survivors == {"AUS", "NZL"}


def test_framework_caveat_excludes_german_infantry_outside_nato_eu_un(
    report: MandateReport,
) -> None:
    verdict = next(v for v in report.assessment("coalition").pledges if v.pledge_id == "deu-inf")
    assert verdict.status is PledgeStatus.EXCLUDED
    assert "caveat: stands only under nato, eu, unsc" in verdict.reasons
    nato_verdict = next(v for v in report.assessment("nato").pledges if v.pledge_id == "deu-inf")
    assert nato_verdict.status is PledgeStatus.RESTRICTED  # Germany still declines troops on soil


def test_report_json_round_trip(report: MandateReport) -> None:
    assert MandateReport.model_validate_json(report.model_dump_json()) == report


# --- decision rules on edited stances -----------------------------------------------------


def _with_stance(scenario: Scenario, nation: str, position: Position) -> Scenario:
    stance = Stance(
        nation=nation,
        question=Question.AUTHORISE_MISSION,
        position=position,
        date=date(2025, 5, 1),
        source=Assumption(reason="what-if for a test"),
    )
    return scenario.replace(stances=[*scenario.stances, stance])


def test_what_if_hungary_and_slovakia_relent_nato_becomes_authorisable(scenario: Scenario) -> None:
    relented = _with_stance(
        _with_stance(scenario, "HUN", Position.CONSIDERING), "SVK", Position.CONSIDERING
    )
    outcome, blockers, _, _ = assess_decision(relented, relented.framework("nato"))
    assert (outcome, blockers) == (Outcome.AUTHORISABLE, [])


def test_unanimity_treats_a_declined_member_as_blocking(scenario: Scenario) -> None:
    relented = _with_stance(
        _with_stance(scenario, "HUN", Position.COMMITTED), "SVK", Position.DECLINED
    )
    outcome, blockers, at_risk, _ = assess_decision(relented, relented.framework("eu"))
    assert outcome is Outcome.BLOCKED
    assert [b.nation for b in blockers] == ["SVK"]
    assert at_risk  # EU members with no stated support


def test_security_council_without_russian_veto_needs_nine_votes(scenario: Scenario) -> None:
    abstaining = _with_stance(scenario, "RUS", Position.DECLINED)
    outcome, blockers, at_risk, votes = assess_decision(abstaining, abstaining.framework("unsc"))
    assert blockers == []
    assert outcome is Outcome.AT_RISK
    assert votes.yes == 2 and votes.required == 9
    assert {m.nation for m in at_risk} >= {"USA", "CHN"}
