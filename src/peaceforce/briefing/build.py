"""Assemble the briefing pack from a plan: the figures, what each rests on, and its mark.

Each figure cites the sources it rests on: the seed article (file and section), the
public figure or dataset, or the analyst's assumption given in the scenario files.
A figure resting on a pledge that no public figure sizes, on an estimated radius or
on an assumption carries the illustrative mark.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

from peaceforce.briefing.model import (
    AgreementSection,
    AgreementZone,
    BlockedFrame,
    BriefingPack,
    Contribution,
    Decision,
    Figure,
    FigureFile,
    FigureKind,
    FillCell,
    Gap,
    MandateRow,
    MissionSummary,
    SourceKind,
    SourceRef,
    ThreatCover,
    count_marks,
    pack_figures,
)
from peaceforce.deployment.planner import ROUTE_SEPARATOR, DeploymentResult, RecordKind
from peaceforce.deployment.readiness import Readiness
from peaceforce.mandate.analysis import FrameworkAssessment, MandateReport, PledgeStatus
from peaceforce.monitoring.agreement import CompiledZones, HeavyWeaponWithdrawal, agreement_path
from peaceforce.monitoring.incidents import FIRE_TYPES, IncidentType, WeaponClass
from peaceforce.monitoring.workflow import ZoneFiles
from peaceforce.plan import PlanResult
from peaceforce.presentation.summary import worst_gaps
from peaceforce.protection.result import ProtectionResult
from peaceforce.scenario.base import ArticleSource, PublicSource, Source
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.names import Names, short_name
from peaceforce.sourcing.result import LineFill, ObstacleKind, SourcingResult

#: Where population and generating capacity of the defended assets come from.
CITIES_DATASET = "GeoNames cities15000 (CC BY 4.0), Ukrainian cities of 15,000 people or more"
NATIONS_FILE = "Scenario nations file: nominal GDP and population of {year}"
#: What the pack says where a plan comes without a ceasefire agreement.
NO_AGREEMENT = (
    "No ceasefire agreement was given, so the pack shows no agreement zones "
    "(`peaceforce brief RUN --agreement A` or `peaceforce plan --agreement A` draws them)."
)
#: The stem of the agreement map's files in a run's folder.
AGREEMENT_MAP = "briefing-agreement"


def _prohibited(types: Iterable[IncidentType], weapon: WeaponClass | None) -> str:
    """What a clause's zone prohibits, in words: its incident types, fire as one."""
    if weapon is not None:
        return f"{weapon.value.replace('_', ' ')} present (withdrawn beyond the line)"
    kinds = set(types)
    words = ["fire of any kind"] if kinds >= FIRE_TYPES else []
    rest = sorted(kinds - FIRE_TYPES) if words else sorted(kinds)
    words += ["weapons seen" if t is IncidentType.WEAPONS_SIGHTING else t.value.replace("_", " ")
              for t in rest]  # fmt: skip
    return ", ".join(words)


@dataclass(frozen=True)
class PackAgreement:
    """A ceasefire agreement given to the pack: its compiled zones and where they came from."""

    zones: CompiledZones
    source: str = field(metadata={"doc": "the agreement file, or the built-in one's name"})
    line: str = field(metadata={"doc": "the line of contact the zones were compiled on"})

    @classmethod
    def compile(cls, agreement: Path | str, files: ZoneFiles, scenario: Scenario) -> PackAgreement:
        """Compile an agreement (a file or a built-in name) on the files' line, else on the
        scenario's own line of contact; protected sites only where a sites file is given."""
        path = agreement_path(agreement)
        given = [f.name for f in (files.line, files.occupied) if f is not None]
        zones = files.compile(path, scenario.line_of_contact, sites_optional=True)
        as_of = f" of {zones.as_of:%Y-%m-%d}" if zones.as_of else ""
        line = (
            f"the line of contact{as_of} from {' and '.join(given)}"
            if given
            else f"the scenario's line of contact{as_of}"
        )
        source = path.name if Path(agreement) == path else f"built-in agreement {agreement}"
        return cls(zones=zones, source=source, line=line)

    def section(self) -> AgreementSection:
        """The pack's zone table of this agreement."""
        return agreement_section(self.zones, self.source, self.line)


def agreement_section(zones: CompiledZones, source: str, line: str) -> AgreementSection:
    """The agreement's rules with a place, one row per clause (a withdrawal: per weapon).

    ``source`` names the agreement file, ``line`` the line of contact it was compiled on.
    """
    rows: list[AgreementZone] = []
    for clause, own in zip(zones.agreement.clauses, zones.zones_by_clause, strict=True):
        compiled = [zone for _, zone in own]
        cited = f"{source}, clause {clause.id}"
        name = clause.title or clause.id
        if isinstance(clause, HeavyWeaponWithdrawal):
            rows += [
                AgreementZone(
                    name=f"{name}: {zone.weapon_class.value.replace('_', ' ')}",
                    clause_id=clause.id,
                    kind=zone.kind.value,
                    depth_km=zone.limit_km,
                    prohibited=_prohibited(clause.types, zone.weapon_class),
                    drawn=1,
                    source=cited,
                )
                for zone in compiled
                if zone.weapon_class is not None
            ]
            continue
        limit = getattr(clause, "width_km", None) or getattr(clause, "radius_km", None)
        rows.append(
            AgreementZone(
                name=name,
                clause_id=clause.id,
                kind=compiled[0].kind.value if compiled else clause.kind,
                depth_km=limit if limit is not None else getattr(clause, "within_km", None),
                prohibited=_prohibited(clause.types, None),
                drawn=len(compiled),
                source=cited,
            )
        )
    return AgreementSection(
        agreement_id=zones.agreement.id,
        name=zones.agreement.name,
        source=source,
        line=line,
        zones=tuple(rows),
        map_png=f"{AGREEMENT_MAP}.png",
        map_svg=f"{AGREEMENT_MAP}.svg",
    )


class _Sources:
    """The pack's numbered list of sources, each entered once."""

    def __init__(self) -> None:
        self._refs: dict[tuple[SourceKind, str, str], int] = {}

    def cite(self, source: Source | None) -> tuple[int, ...]:
        """The number of a scenario source (none for a missing one)."""
        if source is None:
            return ()
        if isinstance(source, ArticleSource):
            return self.add(
                SourceKind.ARTICLE,
                f"{source.article}, section “{source.paragraph}”",
                source.paraphrase,
            )
        if isinstance(source, PublicSource):
            return self.add(SourceKind.PUBLIC, source.reference, source.paraphrase)
        return self.add(SourceKind.ASSUMPTION, "analyst's assumption", source.reason)

    def dataset(self, citation: str, paraphrase: str) -> tuple[int, ...]:
        """The number of a public dataset the run read."""
        return self.add(SourceKind.DATASET, citation, paraphrase)

    def add(self, kind: SourceKind, citation: str, paraphrase: str) -> tuple[int, ...]:
        key = (kind, citation, paraphrase)
        if key not in self._refs:
            self._refs[key] = len(self._refs) + 1
        return (self._refs[key],)

    def refs(self) -> tuple[SourceRef, ...]:
        return tuple(
            SourceRef(number=number, kind=kind, citation=citation, paraphrase=paraphrase)
            for (kind, citation, paraphrase), number in self._refs.items()
        )


def _merged(*groups: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted({number for group in groups for number in group}))


def _percent(share: float) -> str:
    return f"{share:.0%}"


class _Builder:
    """Reads a plan and its scenario; one method per part of the pack."""

    def __init__(self, plan: PlanResult, scenario: Scenario, folder_files: Sequence[str]) -> None:
        self.plan = plan
        self.scenario = scenario
        self.sources = _Sources()
        self.pledges = {p.id: p for p in (*scenario.pledges, *scenario.withdrawn)}
        self.files = set(folder_files)
        self.names = Names.of(scenario)
        self.deployments = {(d.mission_id, d.framework_id): d for d in plan.deployments}
        self.protection = {(p.mission_id, p.framework_id): p for p in plan.protection}

    # --- what a figure rests on -------------------------------------------------------

    def pledge_sources(self, pledge_ids: Iterable[str]) -> tuple[int, ...]:
        """The pledges' own sources, or else the stance that decides each one."""
        cited: list[int] = []
        for pledge_id in sorted(set(pledge_ids)):
            pledge = self.pledges.get(pledge_id)
            if pledge is None:
                continue
            if pledge.source is not None:
                cited += self.sources.cite(pledge.source)
            else:
                stance = self.scenario.pledge_stance(pledge)
                cited += self.sources.cite(stance.source if stance else None) or self.unsourced(
                    "pledges", "pledges"
                )
        return _merged(cited)

    def illustrative(self, pledge_ids: Iterable[str]) -> bool:
        """Whether any of these pledges is illustrative (no public figure sizes it)."""
        found = (self.pledges.get(p) for p in pledge_ids)
        return any(pledge is not None and pledge.illustrative for pledge in found)

    def mission_source(self, mission_id: str) -> tuple[int, ...]:
        source = self.scenario.mission(mission_id).source
        return self.sources.cite(source) or self.unsourced("missions", "requirements")

    def unsourced(self, part: str, what: str) -> tuple[int, ...]:
        """The scenario file itself, for an input given there without a source."""
        return self.sources.add(
            SourceKind.SCENARIO,
            f"scenario {self.scenario.id}, {part} file",
            f"{what} as the scenario gives them, with no source stated",
        )

    # --- the summary page ------------------------------------------------------------------

    def mission(self, sourced: SourcingResult) -> MissionSummary:
        key = (sourced.mission_id, sourced.framework_id)
        used = [a.pledge_id for a in sourced.assignments]
        rests_on = _merged(self.mission_source(sourced.mission_id), self.pledge_sources(used))
        marked = sourced.illustrative_units > 0
        fills = sourced.fills()
        firm = sourced.firm_only

        def share(value: float) -> Figure:
            return Figure(
                value=_percent(value), number=value, sources=rests_on, illustrative=marked
            )

        mission = self.scenario.mission(sourced.mission_id)
        ioc, foc = self.readiness(self.deployments.get(key), rests_on, marked)
        gaps = worst_gaps(sourced)
        coverage, mix = self.air_defence(self.protection.get(key))
        return MissionSummary(
            mission_id=mission.id,
            mission_name=mission.name,
            framework_id=sourced.framework_id,
            framework_name=self.scenario.framework(sourced.framework_id).name,
            blocked=self.blocked(),
            first_tour=share(fills.first_tour),
            sustained=share(fills.sustained),
            firm_first_tour=share(firm.first_tour) if firm else None,
            firm_sustained=share(firm.sustained) if firm else None,
            ioc=ioc,
            foc=foc,
            worst_gaps=tuple(self.gap(line, sourced.mission_id) for line in gaps[:3]),
            gap_count=len(gaps),
            air_defence=coverage,
            air_defence_mix=mix,
        )

    def blocked(self) -> tuple[BlockedFrame, ...]:
        found = []
        for assessment in self.plan.mandate.frameworks:
            if assessment.outcome.value == "authorisable":
                continue
            found.append(
                BlockedFrame(
                    framework_id=assessment.framework_id,
                    name=assessment.name,
                    outcome=assessment.outcome,
                    blockers=_blockers(assessment, self.names),
                    sources=self.framework_sources(assessment),
                )
            )
        return tuple(found)

    def framework_sources(self, assessment: FrameworkAssessment) -> tuple[int, ...]:
        framework = self.scenario.framework(assessment.framework_id)
        members = [*assessment.blockers, *assessment.at_risk]
        return _merged(
            self.sources.cite(framework.source) or self.unsourced("frameworks", "decision rules"),
            *(self.sources.cite(m.source) for m in members),
        )

    def readiness(
        self, deployment: DeploymentResult | None, rests_on: tuple[int, ...], marked: bool
    ) -> tuple[Figure, Figure]:
        if deployment is None:
            text = "not scheduled (the scenario has no transport network)"
            return Figure(value=text, number=None), Figure(value=text, number=None)
        nodes = {
            node_id
            for record in deployment.records
            if record.kind is RecordKind.DEPLOYMENT
            for node_id in record.route_node_ids.split(ROUTE_SEPARATOR)
        }
        network = self.scenario.transport
        node_sources = [
            self.sources.cite(n.source) for n in (network.nodes if network else ()) if n.id in nodes
        ]
        cited = _merged(rests_on, *node_sources)
        return (
            _level(deployment.ioc, cited, marked, partial(self.names.line, deployment.mission_id)),
            _level(deployment.foc, cited, marked, partial(self.names.line, deployment.mission_id)),
        )

    def gap(self, line: LineFill, mission_id: str) -> Gap:
        types = self.scenario.unit_type_by_id
        areas = self.scenario.area_by_id
        fix = line.relaxation
        return Gap(
            line_id=line.line_id,
            capability=short_name(types[line.capability].name)
            if line.capability in types
            else line.capability,
            area=areas[line.area].name if line.area in areas else line.area,
            priority=line.priority,
            missing=Figure(
                value=f"{line.shortfall} of {line.required}",
                number=line.shortfall,
                sources=self.mission_source(mission_id),
            ),
            best_fix=fix.description if fix else None,
        )

    def air_defence(
        self, protection: ProtectionResult | None
    ) -> tuple[tuple[ThreatCover, ...], Figure | None]:
        if protection is None or not protection.coverage.units:
            return (), None
        coverage = protection.coverage
        placed = {p.pledge_id for p in coverage.placements}
        radii = [r for p in coverage.placements for r in p.radii]
        marked = self.illustrative(placed) or any(r.estimate for r in radii)
        catalogue = [
            self.sources.cite(r.source)
            for p in coverage.placements
            for unit_type in [self.scenario.unit_type_by_id.get(p.unit_type)]
            if unit_type is not None and unit_type.air_defence is not None
            for r in unit_type.air_defence.radii
        ]
        cited = _merged(
            self.sources.dataset(CITIES_DATASET, "where the people to defend live, and how many"),
            self.pledge_sources(placed),
            *catalogue,
        )
        mix_cited = _merged(
            cited, self.sources.add(SourceKind.PUBLIC, coverage.mix_source, "the threat mix")
        )
        covers = tuple(
            ThreatCover(
                threat=c.threat.value.replace("_", " "),
                share_of_mix=c.share,
                population=Figure(
                    value=_percent(c.totals.population_share),
                    number=round(c.totals.population_share, 4),
                    sources=cited,
                    illustrative=marked,
                ),
            )
            for c in sorted(coverage.by_threat, key=lambda c: (-c.share, c.threat.value))
        )
        mix = Figure(
            value=_percent(coverage.totals.population_share),
            number=round(coverage.totals.population_share, 4),
            sources=mix_cited,
            illustrative=marked,
        )
        return covers, mix

    # --- decisions ------------------------------------------------------------------------

    def decisions(self) -> tuple[Decision, ...]:
        found = [*self.backstop_decisions(), *self.frame_decisions()]
        return tuple(found)

    def backstop_decisions(self) -> list[Decision]:
        """Pledges a gap could use but the US-backstop caveat holds back, per mission."""
        if self.scenario.assumptions.us_backstop:
            return []
        found = []
        for sourced in self.plan.sourcing:
            held: set[str] = set()
            for line in sourced.gaps():
                for candidate in line.candidates:
                    kinds = {o.kind for o in candidate.obstacles}
                    if kinds == {ObstacleKind.US_BACKSTOP}:
                        held.add(candidate.pledge_id)
            if not held:
                continue
            personnel = sum(self._personnel(p) for p in held)
            months = sum(self._personnel(p) * self.pledges[p].sustained_months() for p in held)
            caveats = [
                c.source
                for p in sorted(held)
                for c in self.pledges[p].caveats
                if c.kind == "requires_us_backstop"
            ]
            nations = sorted({self.pledges[p].nation for p in held})
            found.append(
                Decision(
                    question=(
                        f"{self.scenario.mission(sourced.mission_id).name} "
                        f"[{sourced.framework_id}]: seek a US backstop? Pledges of "
                        f"{', '.join(nations)} that gaps could use stand only with one"
                    ),
                    effect=Figure(
                        value=f"up to {personnel:,} personnel, {months:,} personnel-months pledged",
                        number=months,
                        sources=_merged(
                            self.pledge_sources(held), *(self.sources.cite(s) for s in caveats)
                        ),
                        illustrative=self.illustrative(held),
                    ),
                )
            )
        return found

    def _personnel(self, pledge_id: str) -> int:
        pledge = self.pledges[pledge_id]
        return pledge.count * self.scenario.unit_type_by_id[pledge.unit_type].personnel

    def frame_decisions(self) -> list[Decision]:
        """Blocked frameworks that would fill a mission better than the one that can act."""
        chosen = {(s.mission_id, s.framework_id): s.first_tour_fill() for s in self.plan.sourcing}
        found = []
        for row in self.plan.sweep:
            if row.domain is not None or row.outcome.value == "authorisable":
                continue
            best = max((v for (m, _), v in chosen.items() if m == row.mission_id), default=None)
            if best is None or row.first_tour_fill <= best + 0.005:
                continue
            assessment = self.plan.mandate.assessment(row.framework_id)
            blockers = ", ".join(_blockers(assessment, self.names)) or "undecided members"
            found.append(
                Decision(
                    question=(
                        f"{self.scenario.mission(row.mission_id).name}: win over {blockers} for "
                        f"{assessment.name}?"
                    ),
                    effect=Figure(
                        value=f"{_percent(row.first_tour_fill)} of the required personnel "
                        f"in place for the first tour instead of {_percent(best)}",
                        number=row.first_tour_fill,
                        sources=self.framework_sources(assessment),
                        illustrative=self.any_illustrative_under(assessment),
                    ),
                )
            )
        return found

    def any_illustrative_under(self, assessment: FrameworkAssessment) -> bool:
        return self.illustrative(
            p.pledge_id for p in assessment.pledges if p.status is not PledgeStatus.EXCLUDED
        )

    # --- the detail pages --------------------------------------------------------------------

    def mandate(self, report: MandateReport) -> tuple[MandateRow, ...]:
        rows = []
        for assessment in report.frameworks:

            def personnel(status: PledgeStatus, of: FrameworkAssessment = assessment) -> Figure:
                ids = [p.pledge_id for p in of.pledges if p.status is status]
                return Figure(
                    value=f"{of.personnel(status):,}",
                    number=of.personnel(status),
                    sources=_merged(self.framework_sources(of), self.pledge_sources(ids)),
                    illustrative=self.illustrative(ids),
                )

            rule = assessment.decision_rule.value.replace("_", " ")
            rows.append(
                MandateRow(
                    framework_id=assessment.framework_id,
                    name=assessment.name,
                    rule=rule
                    + (" + consent of the parties" if assessment.requires_party_consent else ""),
                    outcome=assessment.outcome,
                    blockers=_blockers(assessment, self.names),
                    eligible=personnel(PledgeStatus.ELIGIBLE),
                    restricted=personnel(PledgeStatus.RESTRICTED),
                    excluded=personnel(PledgeStatus.EXCLUDED),
                )
            )
        return tuple(rows)

    def fill_matrix(self) -> tuple[FillCell, ...]:
        cells = []
        for row in self.plan.sweep:
            if row.domain is not None:
                continue
            assessment = self.plan.mandate.assessment(row.framework_id)
            cells.append(
                FillCell(
                    framework_id=row.framework_id,
                    framework_name=self.names.framework(row.framework_id),
                    mission_id=row.mission_id,
                    mission_name=self.names.mission(row.mission_id),
                    outcome=row.outcome,
                    fill=Figure(
                        value=_percent(row.first_tour_fill),
                        number=row.first_tour_fill,
                        sources=_merged(
                            self.mission_source(row.mission_id), self.framework_sources(assessment)
                        ),
                        illustrative=self.any_illustrative_under(assessment),
                    ),
                )
            )
        return tuple(cells)

    def contributions(self) -> tuple[Contribution, ...]:
        found = []
        nations_cited = self.sources.dataset(
            NATIONS_FILE.format(
                year=min((n.figures_year for n in self.scenario.nations), default=0)
            ),
            f"the burden is shared by {self.scenario.assumptions.burden_share_basis}",
        )
        for sourced in self.plan.sourcing:
            total = sum(c.deployed_personnel for c in sourced.contributions)
            committed_total = sum(c.committed_personnel for c in sourced.contributions)
            for c in sourced.contributions:
                if not c.units:
                    continue
                own = [a.pledge_id for a in sourced.assignments if a.nation == c.nation]
                cited = self.pledge_sources(own)
                marked = self.illustrative(own)
                basis = c.fair_share_personnel / total if total else 0.0
                nation = self.scenario.nation_by_code.get(c.nation)
                found.append(
                    Contribution(
                        mission_id=sourced.mission_id,
                        framework_id=sourced.framework_id,
                        nation=c.nation,
                        nation_name=nation.name if nation else c.nation,
                        units=c.units,
                        deployed=Figure(
                            value=f"{c.deployed_personnel:,}",
                            number=c.deployed_personnel,
                            sources=cited,
                            illustrative=marked,
                        ),
                        committed=Figure(
                            value=f"{c.committed_personnel:,}",
                            number=c.committed_personnel,
                            sources=cited,
                            illustrative=marked,
                        ),
                        fair_share=Figure(
                            value=f"{c.fair_share_personnel:,.0f}",
                            number=c.fair_share_personnel,
                            sources=nations_cited,
                        ),
                        basis_share=Figure(
                            value=f"{basis:.1%}", number=round(basis, 4), sources=nations_cited
                        ),
                        commitment_share=Figure(
                            value=f"{c.committed_personnel / committed_total:.1%}"
                            if committed_total
                            else "0.0%",
                            number=round(c.committed_personnel / committed_total, 4)
                            if committed_total
                            else 0.0,
                            sources=cited,
                            illustrative=marked,
                        ),
                    )
                )
        return tuple(found)

    def figure_files(self) -> tuple[FigureFile, ...]:
        """The run's charts and maps that are in its folder, in the order the pack shows them."""
        found = []
        for sourced in self.plan.sourcing:
            key = (sourced.mission_id, sourced.framework_id)
            name = self.scenario.mission(sourced.mission_id).name
            parts: list[tuple[FigureKind, str, str]] = [
                ("gantt", f"deploy-{key[0]}-{key[1]}-gantt", f"Deployment timeline: {name}"),
                (
                    "arrivals",
                    f"deploy-{key[0]}-{key[1]}-arrivals",
                    f"Arrivals against the required level: {name}",
                ),
                (
                    "coverage",
                    f"protection-{key[0]}-{key[1]}-coverage",
                    f"Air-defence coverage: {name}",
                ),
                (
                    "threat",
                    f"protection-{key[0]}-{key[1]}-threat",
                    f"Threat to bases and units: {name}",
                ),
            ]
            protection = self.protection.get(key)
            for kind, stem, title in parts:
                if f"{stem}.png" not in self.files or f"{stem}.svg" not in self.files:
                    continue
                marked = sourced.illustrative_units > 0
                if kind in {"coverage", "threat"} and protection is not None:
                    marked = marked or any(
                        r.estimate for p in protection.coverage.placements for r in p.radii
                    )
                found.append(
                    FigureFile(
                        title=title,
                        kind=kind,
                        mission_id=key[0],
                        framework_id=key[1],
                        png=f"{stem}.png",
                        svg=f"{stem}.svg",
                        illustrative=marked,
                    )
                )
        return tuple(found)


def _blockers(assessment: FrameworkAssessment, names: Names) -> tuple[str, ...]:
    members = assessment.blockers or assessment.at_risk
    return tuple(
        f"{names.nation(m.nation)} {m.position.value}"
        if m.position
        else f"{names.nation(m.nation)} ({m.reason})"
        for m in members
    )


def _level(
    level: Readiness, cited: tuple[int, ...], marked: bool, line_name: Callable[[str], str]
) -> Figure:
    if level.day is not None:
        return Figure(
            value=f"day {level.day}", number=level.day, sources=cited, illustrative=marked
        )
    reason = level.described(line_name)
    return Figure(value=f"not reached ({reason})", number=None, sources=cited, illustrative=marked)


def scenario_version(scenario: Scenario) -> str:
    """A short digest of the scenario's content, what-if settings left out."""
    content = json.dumps(
        scenario.model_dump(mode="json", exclude={"what_if"}), sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(content.encode()).hexdigest()[:12]


def build_briefing(
    plan: PlanResult,
    scenario: Scenario,
    dated: date,
    folder: Path | None = None,
    agreement: AgreementSection | None = None,
) -> BriefingPack:
    """The briefing pack of a plan; ``folder`` is the run's folder, whose charts it shows;
    ``agreement`` the zones of a ceasefire agreement, when one is given."""
    files = sorted(p.name for p in folder.iterdir()) if folder is not None else []
    builder = _Builder(plan, scenario, files)
    missions = tuple(builder.mission(s) for s in plan.sourcing)
    decisions = builder.decisions()
    mandate = builder.mandate(plan.mandate)
    fill_matrix = builder.fill_matrix()
    contributions = builder.contributions()
    figures = builder.figure_files()
    marks = count_marks(
        pack_figures(missions, decisions, mandate, fill_matrix, contributions), figures
    )
    return BriefingPack(
        title=f"Briefing pack: {scenario.name}",
        scenario_id=scenario.id,
        scenario_name=scenario.name,
        scenario_version=scenario_version(scenario),
        d_day=scenario.d_day,
        dated=dated,
        missions=missions,
        decisions=decisions,
        mandate=mandate,
        fill_matrix=fill_matrix,
        contributions=contributions,
        figures=figures,
        burden_basis=scenario.assumptions.burden_share_basis,
        agreement=NO_AGREEMENT
        if agreement is None
        else f"The zones of {agreement.name} ({agreement.source}), compiled on {agreement.line}.",
        agreement_zones=agreement,
        sources=builder.sources.refs(),
        illustrative_marks=marks,
        label=plan.label,
        run_key=plan.run_key,
    )
