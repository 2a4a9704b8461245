"""Mandate analysis: which framework can authorise the mission, and with whose pledges.

For every framework the decision rule is applied to the members' stances on
authorising the mission (who blocks, and the stance that makes them block).
Then each pledge is judged against that framework: a pledge that stands only
under other frameworks is excluded; where the framework needs the parties'
consent, pledges from contributors a party rejects are excluded (Russia rejects
troops from NATO states); and a nation that declines troops on Ukrainian soil,
or a pledge caveat saying so, restricts the pledge to air, sea and
neighbouring-country roles.
"""

from __future__ import annotations

from enum import StrEnum

from peaceforce.results import Result, StageResult
from peaceforce.scenario.base import Source
from peaceforce.scenario.model import (
    DecisionRule,
    Framework,
    NoPresenceOnUkrainianTerritory,
    Pledge,
    Position,
    Question,
    RequiredFrameworks,
    Scenario,
)


class Outcome(StrEnum):
    """Whether a framework can authorise the mission under its rule and the stances."""

    AUTHORISABLE = "authorisable"
    AT_RISK = "at_risk"
    BLOCKED = "blocked"


class Vote(StrEnum):
    """How a member is expected to vote, read off its stance."""

    YES = "yes"
    UNDECIDED = "undecided"
    NO = "no"


_VOTE_OF_POSITION = {
    Position.COMMITTED: Vote.YES,
    Position.CONSIDERING: Vote.UNDECIDED,
    Position.DECLINED: Vote.NO,
    Position.OPPOSED: Vote.NO,
}


class MemberPosition(Result):
    """A member whose stance decides (or endangers) the framework's decision."""

    nation: str
    position: Position | None
    reason: str
    source: Source | None = None


class VoteCount(Result):
    """Expected votes among the framework's members."""

    yes: int
    undecided: int
    no: int
    required: int | None


class PledgeStatus(StrEnum):
    """What a framework leaves of a pledge."""

    ELIGIBLE = "eligible"
    RESTRICTED = "restricted"
    EXCLUDED = "excluded"


class PledgeVerdict(Result):
    """One pledge under one framework, with every reason that touched it."""

    pledge_id: str
    nation: str
    unit_type: str
    personnel: int
    status: PledgeStatus
    reasons: tuple[str, ...] = ()

    @property
    def may_stand_on_ukrainian_soil(self) -> bool:
        """Whether the pledge can be stationed on Ukrainian territory under this framework."""
        return self.status is PledgeStatus.ELIGIBLE


class FrameworkAssessment(Result):
    """One framework: can it authorise, who blocks, which pledges survive."""

    framework_id: str
    name: str
    decision_rule: DecisionRule
    member_count: int
    outcome: Outcome
    blockers: tuple[MemberPosition, ...]
    at_risk: tuple[MemberPosition, ...]
    votes: VoteCount
    requires_party_consent: bool
    pledges: tuple[PledgeVerdict, ...]

    def personnel(self, *statuses: PledgeStatus) -> int:
        """Pledged personnel with one of these statuses."""
        return sum(p.personnel for p in self.pledges if p.status in statuses)


class MandateReport(StageResult):
    """The mandate analysis of a scenario, framework by framework."""

    scenario_id: str
    frameworks: tuple[FrameworkAssessment, ...]

    def authorisable(self) -> tuple[FrameworkAssessment, ...]:
        """Frameworks that can authorise the mission outright."""
        return tuple(f for f in self.frameworks if f.outcome is Outcome.AUTHORISABLE)

    def assessment(self, framework_id: str) -> FrameworkAssessment:
        """The assessment of one framework."""
        for assessment in self.frameworks:
            if assessment.framework_id == framework_id:
                return assessment
        raise KeyError(framework_id)


# --- decision rules ---------------------------------------------------------------


def _member_position(scenario: Scenario, nation: str, reason: str) -> MemberPosition:
    stance = scenario.stance(nation, Question.AUTHORISE_MISSION)
    return MemberPosition(
        nation=nation,
        position=stance.position if stance else None,
        reason=reason,
        source=stance.source if stance else None,
    )


def _votes(scenario: Scenario, members: tuple[str, ...]) -> dict[str, Vote]:
    votes = {}
    for nation in members:
        stance = scenario.stance(nation, Question.AUTHORISE_MISSION)
        votes[nation] = _VOTE_OF_POSITION[stance.position] if stance else Vote.UNDECIDED
    return votes


def _position(scenario: Scenario, nation: str) -> Position | None:
    stance = scenario.stance(nation, Question.AUTHORISE_MISSION)
    return stance.position if stance else None


def assess_decision(
    scenario: Scenario, framework: Framework
) -> tuple[Outcome, list[MemberPosition], list[MemberPosition], VoteCount]:
    """Apply the framework's decision rule to its members' stances."""
    members = scenario.members_of(framework.members)
    votes = _votes(scenario, members)
    count = VoteCount(
        yes=sum(v is Vote.YES for v in votes.values()),
        undecided=sum(v is Vote.UNDECIDED for v in votes.values()),
        no=sum(v is Vote.NO for v in votes.values()),
        required=framework.votes_required,
    )
    blockers: list[MemberPosition] = []
    at_risk: list[MemberPosition] = []
    rule = framework.decision_rule

    if rule is DecisionRule.CONSENSUS:
        for nation in members:
            if _position(scenario, nation) is Position.OPPOSED:
                blockers.append(
                    _member_position(scenario, nation, "opposes; consensus needs no objection")
                )
    elif rule is DecisionRule.UNANIMITY:
        for nation in members:
            if votes[nation] is Vote.NO:
                blockers.append(
                    _member_position(scenario, nation, "will not vote in favour; unanimity needed")
                )
            elif votes[nation] is Vote.UNDECIDED:
                at_risk.append(
                    _member_position(scenario, nation, "no stated support; unanimity needed")
                )
    elif rule is DecisionRule.PERMANENT_MEMBER_VETO:
        veto = set(scenario.members_of(framework.veto_members))
        for nation in members:
            if nation in veto and _position(scenario, nation) is Position.OPPOSED:
                blockers.append(_member_position(scenario, nation, "opposes and holds a veto"))
            elif nation in veto and votes[nation] is Vote.UNDECIDED:
                at_risk.append(_member_position(scenario, nation, "undecided and holds a veto"))
        required = framework.votes_required or 0
        if count.yes + count.undecided < required:
            blockers.extend(
                _member_position(
                    scenario, n, f"votes no; {required} of {len(members)} votes needed"
                )
                for n in members
                if votes[n] is Vote.NO and n not in veto
            )
        elif count.yes < required:
            at_risk.extend(
                _member_position(scenario, n, f"undecided; {count.yes} of {required} votes assured")
                for n in members
                if votes[n] is Vote.UNDECIDED and n not in veto
            )

    if blockers:
        outcome = Outcome.BLOCKED
    elif at_risk:
        outcome = Outcome.AT_RISK
    else:
        outcome = Outcome.AUTHORISABLE
    return outcome, blockers, at_risk, count


# --- pledges under a framework -------------------------------------------------------


def judge_pledge(scenario: Scenario, framework: Framework, pledge: Pledge) -> PledgeVerdict:
    """What the framework and the stances leave of one pledge, with every reason."""
    unit = scenario.unit_type_by_id[pledge.unit_type]
    excluded: list[str] = []
    restricted: list[str] = []

    for caveat in pledge.caveats_of(RequiredFrameworks):
        if framework.id not in caveat.frameworks:
            excluded.append(f"caveat: stands only under {', '.join(caveat.frameworks)}")
    if framework.requires_party_consent:
        memberships = scenario.nation_by_code[pledge.nation].memberships
        for party in scenario.parties:
            rejected = [m.value for m in party.rejects_contributors_with if m in memberships]
            if rejected:
                excluded.append(
                    f"party consent: {party.nation} rejects contributors from {', '.join(rejected)}"
                )
    if pledge.caveats_of(NoPresenceOnUkrainianTerritory):
        restricted.append("caveat: no presence on Ukrainian territory")
    soil = scenario.stance(pledge.nation, Question.TROOPS_ON_UKRAINIAN_SOIL)
    if soil is not None and soil.position in (Position.DECLINED, Position.OPPOSED):
        restricted.append(f"stance: {soil.position.value} troops on Ukrainian soil ({soil.date})")

    if excluded:
        status = PledgeStatus.EXCLUDED
    elif restricted:
        status = PledgeStatus.RESTRICTED
    else:
        status = PledgeStatus.ELIGIBLE
    return PledgeVerdict(
        pledge_id=pledge.id,
        nation=pledge.nation,
        unit_type=pledge.unit_type,
        personnel=pledge.count * unit.personnel,
        status=status,
        reasons=tuple(excluded + restricted),
    )


def analyse_mandate(scenario: Scenario) -> MandateReport:
    """Assess every framework of the scenario and judge every pledge under each."""
    assessments = []
    for framework in scenario.frameworks:
        outcome, blockers, at_risk, votes = assess_decision(scenario, framework)
        assessments.append(
            FrameworkAssessment(
                framework_id=framework.id,
                name=framework.name,
                decision_rule=framework.decision_rule,
                member_count=len(scenario.members_of(framework.members)),
                outcome=outcome,
                blockers=tuple(blockers),
                at_risk=tuple(at_risk),
                votes=votes,
                requires_party_consent=framework.requires_party_consent,
                pledges=tuple(judge_pledge(scenario, framework, p) for p in scenario.pledges),
            )
        )
    return MandateReport(scenario_id=scenario.id, frameworks=tuple(assessments), **scenario.stamp())
