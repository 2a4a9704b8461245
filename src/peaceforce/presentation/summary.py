"""The executive summary at the top of ``peaceforce plan``: at most 25 lines, for ministers' staff.

Per mission and framework: the fills (first tour, sustained, firm pledges only),
IOC and FOC or "not reached" with what is missing, the three worst gaps, the
binding bottleneck, and the air defence's coverage against the threat mix and
each class. The detail follows below it and in the run's files.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text

from peaceforce.deployment.planner import DeploymentResult
from peaceforce.deployment.readiness import Readiness
from peaceforce.plan import PlanResult
from peaceforce.presentation.text import plain
from peaceforce.protection.result import ProtectionResult
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.names import Names, short_name
from peaceforce.sourcing.result import LineFill, SourcingResult

#: The most lines the summary takes, whatever the number of outcomes.
MAX_LINES = 25
_LINES_PER_OUTCOME = 6


def executive_summary(plan: PlanResult, scenario: Scenario) -> Text:
    """The summary as plain text (every name and id printed as text, never as markup)."""
    deployments = {(d.mission_id, d.framework_id): d for d in plan.deployments}
    protection = {(p.mission_id, p.framework_id): p for p in plan.protection}
    frameworks = sorted({s.framework_id for s in plan.sourcing})
    lines = [
        f"Executive summary: {scenario.name}, under {', '.join(frameworks) or 'no framework'}"
        f" (run {plan.run_key}, {plan.label})"
    ]
    room = (MAX_LINES - 2) // _LINES_PER_OUTCOME
    names = Names.of(scenario)
    for sourced in plan.sourcing[:room]:
        key = (sourced.mission_id, sourced.framework_id)
        lines += _outcome(sourced, deployments.get(key), protection.get(key), scenario, names)
    if len(plan.sourcing) > room:
        lines.append(f"… and {len(plan.sourcing) - room} more outcomes in the tables below")
    if not plan.sourcing:
        lines.append("no framework can authorise a mission: see the mandate table below")
    return Text("\n").join(plain(line) for line in lines)


def _outcome(
    sourced: SourcingResult,
    deployment: DeploymentResult | None,
    protection: ProtectionResult | None,
    scenario: Scenario,
    names: Names,
) -> list[str]:
    fills = sourced.fills()
    firm = sourced.firm_only
    firm_text = f"; firm pledges only {firm.first_tour:.0%} / {firm.sustained:.0%}" if firm else ""
    name = scenario.mission(sourced.mission_id).name
    return [
        f"{name} [{sourced.framework_id}]",
        f"    fill: {fills.first_tour:.0%} first tour, {fills.sustained:.0%} sustained{firm_text}",
        *("    " + line for line in _readiness(deployment, names)),
        "    worst gaps: " + _worst_gaps(sourced, scenario),
        "    " + _bottleneck(deployment) + " · " + _air_defence(protection),
    ]


def _level(name: str, level: Readiness, line_name: Callable[[str], str]) -> str:
    if level.day is not None:
        return f"{name}: day {level.day}"
    return f"{name}: not reached ({level.described(line_name)})"


def _readiness(deployment: DeploymentResult | None, names: Names) -> list[str]:
    if deployment is None:
        return ["IOC, FOC: not scheduled (the scenario has no transport network)", ""]
    last = deployment.last_arrival_day
    arrived = f"; last sourced unit in place day {last}" if last is not None else ""
    line_name = partial(names.line, deployment.mission_id)
    return [
        _level("IOC", deployment.ioc, line_name),
        _level("FOC", deployment.foc, line_name) + arrived,
    ]


def gap_weight(line: LineFill) -> int:
    """A gap's priority-weighted personnel, as the sourcing objective counts it."""
    return int(2 ** (5 - line.priority)) * line.shortfall * line.unit_personnel


def worst_gaps(sourced: SourcingResult) -> list[LineFill]:
    """The lines not filled, worst first (by priority-weighted missing personnel)."""
    return sorted(sourced.gaps(), key=lambda line: (-gap_weight(line), line.line_id))


def _worst_gaps(sourced: SourcingResult, scenario: Scenario) -> str:
    gaps = worst_gaps(sourced)
    if not gaps:
        return "none: every line filled"
    areas = {a.id: a.name for a in scenario.areas}
    types = scenario.unit_type_by_id
    shown = [
        f"{short_name(types[g.capability].name) if g.capability in types else g.capability} "
        f"at {areas.get(g.area, g.area)} {g.shortfall} of {g.required}"
        for g in gaps[:3]
    ]
    more = f"; {len(gaps) - 3} more" if len(gaps) > 3 else ""
    return "; ".join(shown) + more


def _bottleneck(deployment: DeploymentResult | None) -> str:
    if deployment is None or not deployment.bottlenecks:
        return "no binding bottleneck"
    top = deployment.bottlenecks[0]
    foc = (
        f", FOC {top.foc_gain_days} days earlier"
        if top.foc_gain_days is not None
        else f", last unit {top.last_arrival_gain_days} days earlier"
    )
    return f"bottleneck {top.name}: +1 a day saves {top.days_late_saved} days late{foc}"


def _air_defence(protection: ProtectionResult | None) -> str:
    if protection is None or not protection.coverage.units:
        return "no air defence sourced"
    coverage = protection.coverage
    classes = ", ".join(
        f"{c.threat.value.replace('_', ' ')} {c.totals.population_share:.0%}"
        for c in sorted(coverage.by_threat, key=lambda c: -c.share)
        if c.share > 0
    )
    return (
        f"air defence: {coverage.totals.population_share:.0%} of people against the "
        f"threat mix ({classes})"
    )
