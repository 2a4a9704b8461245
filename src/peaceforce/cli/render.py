"""Rich tables for the CLI: presentation only, computed results in, tables out."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from peaceforce.errors import Problem
from peaceforce.mandate.analysis import (
    FrameworkAssessment,
    MandateReport,
    MemberPosition,
    Outcome,
    PledgeStatus,
)
from peaceforce.scenario.model import ArticleSource, Assumption, PublicSource, Scenario, Source

_OUTCOME_STYLE = {
    Outcome.AUTHORISABLE: "bold green",
    Outcome.AT_RISK: "yellow",
    Outcome.BLOCKED: "bold red",
}
_STATUS_STYLE = {
    PledgeStatus.ELIGIBLE: "green",
    PledgeStatus.RESTRICTED: "yellow",
    PledgeStatus.EXCLUDED: "red",
}


def problems_table(problems: list[Problem], title: str) -> Table:
    """Every problem of an input, one row each."""
    table = Table(title=title, show_lines=False, expand=False)
    for column in ("file", "where", "got", "expected"):
        table.add_column(column, overflow="fold")
    for problem in problems:
        table.add_row(problem.file, problem.location, problem.value, problem.expected)
    return table


def cite(source: Source | None) -> str:
    """A short citation: article and section, public reference, or 'assumption'."""
    if isinstance(source, ArticleSource):
        return f"{source.article.split('_')[0]} '{source.paragraph}'"
    if isinstance(source, PublicSource):
        return source.reference
    if isinstance(source, Assumption):
        return "assumption"
    return "no stance recorded"


def _who(members: tuple[MemberPosition, ...], limit: int = 6) -> str:
    shown = [
        f"{m.nation} {m.position.value if m.position else 'no stance'}" for m in members[:limit]
    ]
    if len(members) > limit:
        shown.append(f"+{len(members) - limit} more")
    return ", ".join(shown)


def mandate_table(report: MandateReport) -> Table:
    """One row per framework: rule, outcome, who blocks, pledged personnel left."""
    table = Table(title="Mandate: who can authorise the mission")
    table.add_column("framework")
    table.add_column("rule")
    table.add_column("outcome")
    table.add_column("blocked by / at risk from", overflow="fold")
    table.add_column("eligible", justify="right")
    table.add_column("restricted", justify="right")
    table.add_column("excluded", justify="right")
    for f in report.frameworks:
        rule = f.decision_rule.value.replace("_", " ")
        if f.requires_party_consent:
            rule += " + consent"
        table.add_row(
            f.framework_id,
            rule,
            Text(f.outcome.value.replace("_", " "), style=_OUTCOME_STYLE[f.outcome]),
            _who(f.blockers) if f.blockers else _who(f.at_risk) or "-",
            f"{f.personnel(PledgeStatus.ELIGIBLE):,}",
            f"{f.personnel(PledgeStatus.RESTRICTED):,}",
            f"{f.personnel(PledgeStatus.EXCLUDED):,}",
        )
    table.caption = (
        "personnel pledged: eligible anywhere; restricted = not on Ukrainian soil; "
        "excluded = cannot serve under that framework"
    )
    return table


def blockers_table(report: MandateReport) -> Table:
    """Why each blocked framework is blocked: the member, its stance and the source."""
    table = Table(title="Why frameworks are blocked")
    for column in ("framework", "member", "stance", "reason", "source"):
        table.add_column(column, overflow="fold")
    for f in report.frameworks:
        for m in f.blockers:
            table.add_row(
                f.framework_id,
                m.nation,
                m.position.value if m.position else "no stance",
                m.reason,
                cite(m.source),
            )
    return table


def pledges_table(assessment: FrameworkAssessment, *, only_affected: bool = False) -> Table:
    """The pledges under one framework, with the reason for every restriction.

    With ``only_affected`` the eligible pledges are left out and counted in the caption.
    """
    table = Table(title=f"Pledges under {assessment.name}", show_lines=False)
    verdicts = [
        v for v in assessment.pledges if not (only_affected and v.status is PledgeStatus.ELIGIBLE)
    ]
    if only_affected:
        table.title = f"Pledges restricted or excluded under {assessment.name}"
        hidden = len(assessment.pledges) - len(verdicts)
        table.caption = f"{hidden} eligible pledges not shown (peaceforce mandate lists them all)"
    for column in ("nation", "pledge", "unit type", "personnel", "status", "reasons"):
        table.add_column(
            column, justify="right" if column == "personnel" else "left", overflow="fold"
        )
    for verdict in sorted(verdicts, key=lambda v: (v.status.value, v.nation, v.pledge_id)):
        table.add_row(
            verdict.nation,
            verdict.pledge_id,
            verdict.unit_type,
            f"{verdict.personnel:,}",
            Text(verdict.status.value, style=_STATUS_STYLE[verdict.status]),
            "; ".join(verdict.reasons) or "-",
        )
    return table


def scenario_summary(scenario: Scenario) -> Table:
    """A short inventory of the scenario."""
    table = Table(title=f"Scenario {scenario.id}: {scenario.name}", show_header=False)
    table.add_column("item")
    table.add_column("value", overflow="fold")
    personnel = sum(
        p.count * scenario.unit_type_by_id[p.unit_type].personnel for p in scenario.pledges
    )
    contributors = sorted({p.nation for p in scenario.pledges})
    table.add_row("D-day", str(scenario.d_day))
    table.add_row("US backstop assumed", "yes" if scenario.assumptions.us_backstop else "no")
    table.add_row("nations / stances", f"{len(scenario.nations)} / {len(scenario.stances)}")
    table.add_row(
        "pledges",
        f"{len(scenario.pledges)} from {len(contributors)} nations, {personnel:,} personnel",
    )
    for mission in scenario.missions:
        need = sum(
            line.quantity * scenario.unit_type_by_id[line.capability].personnel
            for line in mission.requirements
        )
        table.add_row(
            f"mission {mission.id}",
            f"{mission.name}: {len(mission.requirements)} lines, {need:,} personnel, "
            f"{mission.duration_months} months",
        )
    return table
