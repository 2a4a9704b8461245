"""Rich tables of the planning stages: computed results in, tables out.

Every cell that holds user data goes in as literal text (:mod:`.text`), never markup.
"""

from __future__ import annotations

import re
from functools import partial

from rich.table import Table
from rich.text import Text

from peaceforce.deployment.movements import RELIEFS_MOVE
from peaceforce.deployment.planner import DeploymentResult
from peaceforce.deployment.readiness import Readiness
from peaceforce.errors import Problem
from peaceforce.mandate.analysis import (
    FrameworkAssessment,
    MandateReport,
    MemberPosition,
    Outcome,
    PledgeStatus,
)
from peaceforce.presentation.text import add_plain_row, plain
from peaceforce.scenario.base import ArticleSource, Assumption, PublicSource, Source
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.names import IDS, Names
from peaceforce.sourcing.result import LineSustainment, SourcingResult
from peaceforce.sourcing.sweep import SweepRow, WithdrawalRow

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
    table = Table(title=plain(title), show_lines=False, expand=False)
    for column in ("file", "where", "got", "expected"):
        table.add_column(column, overflow="fold")
    for problem in problems:
        add_plain_row(table, problem.file, problem.location, problem.value, problem.expected)
    return table


def cite(source: Source | None) -> str:
    """A citation: seed article file, section heading and paragraph; public reference; assumption.

    An article's ``paragraph`` reads 'Section heading, ¶2' (or '(opening), ¶1–4').
    """
    if isinstance(source, ArticleSource):
        heading, mark, number = source.paragraph.rpartition(", ¶")
        if not mark:
            return f"{source.article}, {source.paragraph}"
        return f"{source.article} · {heading} · ¶{number}"
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
    table = Table(title=plain("Mandate: who can authorise the mission"))
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
        add_plain_row(
            table,
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
    table = Table(title=plain("Why frameworks are blocked"))
    for column in ("framework", "member", "stance", "reason", "source"):
        table.add_column(column, overflow="fold")
    for f in report.frameworks:
        for m in f.blockers:
            add_plain_row(
                table,
                f.framework_id,
                m.nation,
                m.position.value if m.position else "no stance",
                m.reason,
                cite(m.source),
            )
    return table


def pledges_table(
    assessment: FrameworkAssessment, *, only_affected: bool = False, names: Names = IDS
) -> Table:
    """The pledges under one framework, with the reason for every restriction.

    With ``only_affected`` the eligible pledges are left out and counted in the caption.
    """
    table = Table(title=plain(f"Pledges under {assessment.name}"), show_lines=False)
    verdicts = [
        v for v in assessment.pledges if not (only_affected and v.status is PledgeStatus.ELIGIBLE)
    ]
    if only_affected:
        table.title = f"Pledges restricted or excluded under {assessment.name}"
        hidden = len(assessment.pledges) - len(verdicts)
        table.caption = f"{hidden} eligible pledges not shown (peaceforce mandate lists them all)"
    for column in ("nation", "unit type", "personnel", "status", "reasons"):
        table.add_column(
            column, justify="right" if column == "personnel" else "left", overflow="fold"
        )
    for verdict in sorted(verdicts, key=lambda v: (v.status.value, v.nation, v.pledge_id)):
        add_plain_row(
            table,
            names.nation(verdict.nation),
            names.unit_type(verdict.unit_type),
            f"{verdict.personnel:,}",
            Text(verdict.status.value, style=_STATUS_STYLE[verdict.status]),
            "; ".join(verdict.reasons) or "-",
        )
    return table


def scenario_summary(scenario: Scenario) -> Table:
    """A short inventory of the scenario."""
    table = Table(title=plain(f"Scenario {scenario.id}: {scenario.name}"), show_header=False)
    table.add_column("item")
    table.add_column("value", overflow="fold")
    personnel = sum(
        p.count * scenario.unit_type_by_id[p.unit_type].personnel for p in scenario.pledges
    )
    contributors = sorted({p.nation for p in scenario.pledges})
    add_plain_row(table, "D-day", str(scenario.d_day))
    add_plain_row(table, "US backstop assumed", "yes" if scenario.assumptions.us_backstop else "no")
    add_plain_row(table, "nations / stances", f"{len(scenario.nations)} / {len(scenario.stances)}")
    add_plain_row(
        table,
        "pledges",
        f"{len(scenario.pledges)} from {len(contributors)} nations, {personnel:,} personnel",
    )
    for mission in scenario.missions:
        need = sum(
            line.quantity * scenario.unit_type_by_id[line.capability].personnel
            for line in mission.requirements
        )
        add_plain_row(
            table,
            f"mission {mission.id}",
            f"{mission.name}: {len(mission.requirements)} lines, {need:,} personnel, "
            f"{mission.duration_months} months",
        )
    return table


# --- sourcing ---------------------------------------------------------------------------


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def sweep_table(rows: tuple[SweepRow, ...]) -> Table:
    """Fills for every framework × mission, by personnel: first tour and sustained, firm only."""
    domains = sorted({r.domain for r in rows if r.domain is not None})
    table = Table(
        title=plain(
            "Fills by framework × mission (personnel): first tour, optimum / greedy baseline; "
            "sustained; firm only"
        )
    )
    table.add_column("framework")
    table.add_column("mission")
    for column in ("first tour", "sustained", "firm only: first tour / sustained"):
        table.add_column(column, justify="right")
    table.add_column("weighted shortfall", justify="right")
    for domain in domains:
        table.add_column(f"{domain.value}: first tour / sustained", justify="right")
    keys = list(dict.fromkeys((r.framework_id, r.mission_id) for r in rows))
    for framework_id, mission_id in keys:
        cells = {
            r.domain: r
            for r in rows
            if (r.framework_id, r.mission_id) == (framework_id, mission_id)
        }
        overall = cells[None]
        style = _OUTCOME_STYLE[overall.outcome]
        mark = "" if overall.first_tour_fill == overall.greedy_first_tour_fill else " *"
        better = overall.optimal_weighted_shortfall < overall.greedy_weighted_shortfall
        add_plain_row(
            table,
            Text(framework_id, style=style),
            mission_id,
            f"{_pct(overall.first_tour_fill)} / {_pct(overall.greedy_first_tour_fill)}{mark}",
            _pct(overall.sustained_fill) + ("" if overall.joint else " ≥"),
            f"{_pct(overall.firm_first_tour_fill)} / {_pct(overall.firm_sustained_fill)}",
            f"{overall.optimal_weighted_shortfall:,.0f} / {overall.greedy_weighted_shortfall:,.0f}"
            + (" *" if better else ""),
            *(
                "-"
                if cells.get(d) is None
                else f"{_pct(cells[d].first_tour_fill)} / {_pct(cells[d].sustained_fill)}"
                for d in domains
            ),
        )
    table.caption = (
        "first tour: required personnel in place; sustained: required personnel-months "
        "covered; firm only: conditional pledges left out; weighted shortfall: objective 1, "
        "optimum / greedy; * where the optimum beats the baseline; ≥ where the months were "
        "planned after the first tour (a lower bound), not with it"
    )
    return table


def fills_table(results: tuple[SourcingResult, ...], names: Names = IDS) -> Table:
    """The headline fills per mission: first tour and sustained, every pledge and firm only."""
    table = Table(title=plain("Fills: first tour and sustained, every pledge and firm only"))
    for column in (
        "mission",
        "framework",
        "first tour",
        "sustained",
        "firm only: first tour",
        "firm only: sustained",
        "illustrative",
    ):
        table.add_column(column, justify="left" if column in {"mission", "framework"} else "right")
    for result in results:
        fills, firm = result.fills(), result.firm_only
        add_plain_row(
            table,
            names.mission(result.mission_id),
            names.framework(result.framework_id),
            _pct(fills.first_tour),
            _pct(fills.sustained),
            _pct(firm.first_tour) if firm else "-",
            _pct(firm.sustained) if firm else "-",
            f"{result.illustrative_units} of {result.assigned_units} units",
        )
    table.caption = (
        "first tour: required personnel in place at arrival; sustained: required "
        "personnel-months covered over the mission; firm only: conditional pledges left out; "
        "illustrative: first-tour units resting on pledges no public figure sizes"
    )
    return table


def lines_table(result: SourcingResult, names: Names = IDS) -> Table:
    """Every requirement line: filled / required, who fills it, and how long it is held."""
    table = Table(title=plain(f"Requirement lines: {_under(result, names)}"))
    for column in (
        "capability",
        "area",
        "prio",
        "first tour",
        "sourced from",
        "held",
        "hand-overs",
    ):
        table.add_column(column, overflow="fold")
    held = {x.line_id: x for x in result.sustainment}
    for line in result.lines:
        sources = [
            f"{names.nation(a.nation)} {a.units}× {names.unit_type(a.unit_type)}"
            + (" (subst.)" if a.substitute else "")
            + (f" ({a.units_per_station} per station)" if a.units_per_station > 1 else "")
            for a in result.assignments
            if a.line_id == line.line_id
        ]
        style = "green" if line.shortfall == 0 else ("red" if line.filled == 0 else "yellow")
        sustained = held.get(line.line_id)
        add_plain_row(
            table,
            names.unit_type(line.capability),
            names.area(line.area),
            str(line.priority),
            Text(f"{line.filled}/{line.required}", style=style),
            ", ".join(sources) or "-",
            _held(sustained) if sustained else "-",
            str(sustained.hand_overs) if sustained else "-",
        )
    table.caption = (
        f"held: months with every unit in place, of {result.sustainment[0].months}"
        if result.sustainment
        else None
    )
    return table


def _held(line: LineSustainment) -> str:
    if line.first_unheld_month is None:
        return f"all {line.months} months"
    if line.first_unheld_month == 1:
        return f"{line.months_held} of {line.months} months"
    return f"held until month {line.first_unheld_month} ({line.months_held} of {line.months})"


def contributions_table(result: SourcingResult, names: Names = IDS) -> Table:
    """Per nation: first-tour units and personnel, fair share, and the commitment over time."""
    table = Table(title=plain(f"National contributions: {_under(result, names)}"))
    for column in (
        "nation",
        "units",
        "deployed",
        "fair share",
        "rotations",
        "committed",
        "force pool",
        "ceiling",
    ):
        table.add_column(column, justify="left" if column == "nation" else "right")
    for c in result.contributions:
        pool = f"{c.force_pool:,}" if c.force_pool else "-"
        add_plain_row(
            table,
            names.nation(c.nation),
            str(c.units),
            f"{c.deployed_personnel:,}",
            f"{c.fair_share_personnel:,.0f}",
            str(c.rotations),
            Text(f"{c.committed_personnel:,}", style="bold red" if c.over_pool else ""),
            Text(
                pool + (" EXCEEDED" if c.over_pool else ""), style="bold red" if c.over_pool else ""
            ),
            f"{c.ceiling:,}" if c.ceiling else "-",
        )
    total = sum(c.deployed_personnel for c in result.contributions)
    table.caption = (
        f"{total:,} deployed for the first tour; committed = personnel held over the months "
        f"each nation holds its lines, min({result.rotation_ratio}, tours) per unit (rotation "
        "ratio); rotations = unit tours; force pool: declared by the nation, flagged when the "
        "commitment exceeds it"
    )
    return table


def notes_text(result: SourcingResult) -> Text:
    """What the switches changed, and how much rests on illustrative pledges."""
    lines = [*result.notes]
    if result.illustrative_units:
        lines.append(
            f"{result.illustrative_units} of {result.assigned_units} first-tour units rest on "
            "illustrative pledges (no public figure sizes them)"
        )
    return Text("\n".join(f"• {line}" for line in lines))


def gaps_table(result: SourcingResult, names: Names = IDS) -> Table:
    """Every unfilled line: the candidates and what kept each out, and up to three fixes.

    Then every line short from firm pledges alone, with the conditional pledges to make firm.
    """
    table = Table(title=plain(f"Gaps and why: {_under(result, names)}"), show_lines=True)
    for column in ("line", "missing", "candidates and obstacles", "fixes, most acceptable first"):
        table.add_column(column, overflow="fold")
    for line in result.gaps():
        candidates = [
            f"{names.nation(c.nation)} ({c.pledge_id}): "
            + ("; ".join(o.detail for o in c.obstacles) if c.obstacles else "used here")
            for c in line.candidates
        ]
        fixes = [
            f"{n}. {fix.description}"
            + (f" (still {fix.shortfall_after} short)" if fix.shortfall_after else "")
            for n, fix in enumerate(line.fixes, start=1)
        ]
        add_plain_row(
            table,
            _lines([names.line(result.mission_id, line.line_id), f"priority {line.priority}"]),
            f"{line.shortfall} of {line.required}",
            _lines(candidates or ["no pledge of this capability or its substitutes"]),
            _lines(fixes or ["-"]),
        )
    for gap in result.firm_only_gaps:
        firm_fixes = [
            f"{n}. {fix.description}"
            + (f" (still {fix.shortfall_after} short)" if fix.shortfall_after else "")
            for n, fix in enumerate(gap.fixes, start=1)
        ]
        add_plain_row(
            table,
            _lines([names.line(result.mission_id, gap.line_id), "firm pledges only"]),
            f"{gap.shortfall} of {gap.required}",
            "conditional pledges left out",
            _lines(firm_fixes or ["no conditional pledge fills it: see the gaps above"]),
        )
    return table


def _lines(items: list[str]) -> Text:
    """Items of user text one per line (newlines of our own, the items kept literal)."""
    return Text("\n").join(plain(item) for item in items)


def withdrawals_table(rows: tuple[WithdrawalRow, ...]) -> Table:
    """N-1: each mission's fills by personnel if each contributing nation withdrew."""
    missions = list(dict.fromkeys((r.framework_id, r.mission_id) for r in rows))
    nations = sorted({r.nation for r in rows})
    table = Table(
        title=plain("N-1: fills if one nation withdrew (first tour / sustained; firm only)")
    )
    table.add_column("nation")
    for framework_id, mission_id in missions:
        table.add_column(f"{mission_id}\n({framework_id})", justify="right")
    by_key = {(r.framework_id, r.mission_id, r.nation): r for r in rows}
    first = {(r.framework_id, r.mission_id): r for r in rows}

    def cell(first_tour: float, sustained: float, firm: tuple[float, float]) -> str:
        return f"{_pct(first_tour)} / {_pct(sustained)}\nfirm {_pct(firm[0])} / {_pct(firm[1])}"

    add_plain_row(
        table,
        plain("none", "dim"),
        *(
            cell(
                first[m].baseline_first_tour_fill,
                first[m].baseline_sustained_fill,
                (first[m].baseline_firm_first_tour_fill, first[m].baseline_firm_sustained_fill),
            )
            for m in missions
        ),
    )
    for nation in nations:
        cells: list[str | Text] = []
        for framework_id, mission_id in missions:
            row = by_key.get((framework_id, mission_id, nation))
            if row is None:
                cells.append("-")
            else:
                drop = max(row.drop, row.sustained_drop)
                style = "red" if drop >= 0.1 else ("yellow" if drop > 0 else "")
                text = cell(
                    row.first_tour_fill,
                    row.sustained_fill,
                    (row.firm_first_tour_fill, row.firm_sustained_fill),
                )
                cells.append(plain(text, style))
        add_plain_row(table, nation, *cells)
    table.caption = (
        "by personnel; first tour re-solved without the nation; sustained: the sustained plan "
        "without its units, not re-planned (the least the others hold); '-': the nation "
        "contributes nothing to that mission"
    )
    return table


# --- deployment -------------------------------------------------------------------------


def _readiness_cell(level: Readiness, mission_id: str, names: Names) -> str:
    if level.day is not None:
        return f"day {level.day}"
    return f"not reached: {level.described(partial(names.line, mission_id))}"


def deployments_table(results: tuple[DeploymentResult, ...], names: Names = IDS) -> Table:
    """IOC and FOC of every deployment against the requirement, with lateness and routes."""
    table = Table(title=plain("Deployment: when is the force in place?"))
    for column in ("mission", "framework", "personnel", "IOC", "FOC", "last unit", "late units"):
        table.add_column(
            column,
            justify="right" if column in {"personnel", "last unit", "late units"} else "left",
            overflow="fold",
        )
    for r in results:
        add_plain_row(
            table,
            r.mission_name,
            names.framework(r.framework_id),
            f"{r.personnel:,} of {r.foc.personnel_required:,}",
            _readiness_cell(r.ioc, r.mission_id, names),
            _readiness_cell(r.foc, r.mission_id, names),
            "-" if r.last_arrival_day is None else f"day {r.last_arrival_day}",
            str(len(r.late)),
        )
    share = results[0].ioc_share if results else 0.5
    table.caption = (
        f"days after D-day; personnel sourced of required; IOC = every priority-1 line and "
        f"{share:.0%} of the required personnel in place; FOC = every required line in place; "
        f"{RELIEFS_MOVE}"
    )
    return table


def routes_table(result: DeploymentResult, names: Names = IDS) -> Table:
    """Air legs flown into each airfield: where the schedule sent the force."""
    table = Table(title=plain(f"Routes: {_deployed_under(result, names)}"))
    table.add_column("airfield")
    table.add_column("air legs", justify="right")
    table.add_column("days full", justify="right")
    full = {u.name: u.days_full for u in result.node_use}
    for name, legs in result.landings.items():
        add_plain_row(table, name, str(legs), str(full.get(name, 0)))
    return table


def bottlenecks_table(result: DeploymentResult, limit: int = 5, names: Names = IDS) -> Table:
    """Binding nodes and lift (from re-solves with one more a day), then what is not binding."""
    table = Table(title=plain(f"Bottlenecks: {_deployed_under(result, names)}"))
    for column in ("node or lift", "days full", "+1 a day: days late saved", "+1 a day: FOC"):
        table.add_column(column, justify="left" if column == "node or lift" else "right")
    for b in result.bottlenecks[:limit]:
        if b.foc_gain_days is not None:
            foc = f"{b.foc_gain_days} d earlier"
        else:
            foc = f"not reached; last unit {b.last_arrival_gain_days} d earlier"
        add_plain_row(table, b.name, str(b.days_full), f"{b.days_late_saved} d", foc)
    if not result.bottlenecks:
        add_plain_row(table, "none binding", "-", "-", "-")
    idle = [b.name for b in result.not_binding if b.days_full]
    if idle:
        table.caption = "not binding (full some days, +1 a day gains nothing): " + ", ".join(idle)
    return table


def late_table(result: DeploymentResult, limit: int = 12, names: Names = IDS) -> Table:
    """Units that miss their required delivery day, worst first, with the proven part."""
    table = Table(title=plain(f"Late arrivals: {_deployed_under(result, names)}"))
    for column in ("unit", "line", "RDD", "arrives", "late", "unavoidable", "held by"):
        table.add_column(column, overflow="fold")
    for line in result.late[:limit]:
        proven = f"{line.unavoidable_days} d" if line.unavoidable_days else "-"
        if line.not_proven_days:
            proven += f", {line.not_proven_days} d not proven"
        add_plain_row(
            table,
            names.unit(line.unit),
            names.line(result.mission_id, line.requirement_line),
            str(line.required_delivery_day),
            str(line.arrival_day),
            f"{line.days_late} d",
            proven,
            ", ".join(_awaited(h, result.mission_id, names) for h in line.held_by) or "-",
        )
    caption = "unavoidable: late on every route even with every node free (a lower bound)"
    if len(result.late) > limit:
        caption += f"; {len(result.late) - limit} more in the JSON and TPFDD files"
    table.caption = caption
    return table


def _awaited(held_by: str, mission_id: str, names: Names) -> str:
    """'line odesa-hq in place' (a declared line awaited) by the line's name; nodes as named."""
    awaited = re.fullmatch(r"line (\S+) in place", held_by)
    return f"{names.line(mission_id, awaited[1])} in place" if awaited else held_by


def _under(result: SourcingResult, names: Names) -> str:
    return f"{names.mission(result.mission_id)} under {names.framework(result.framework_id)}"


def _deployed_under(result: DeploymentResult, names: Names) -> str:
    return f"{result.mission_name} under {names.framework(result.framework_id)}"


def headed(heading: str, text: object, style: str = "bold") -> Text:
    """A styled heading followed by literal text: ``Objective: ...``."""
    return Text.assemble((f"{heading}: ", style), plain(text))
