"""The briefing pack as data: every figure with its sources and an illustrative mark.

:func:`peaceforce.briefing.build.build_briefing` fills it from a plan; the HTML, PDF
and XLSX are renderings of this one model, so they carry the same figures, and the
pack serialises to JSON and back like every other result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from peaceforce.mandate.analysis import Outcome
from peaceforce.results import Result, StageResult


class SourceKind(StrEnum):
    """What a figure rests on: a seed article, a public figure or dataset, an assumption,
    or (where the scenario states no source) the scenario file that gives the input."""

    ARTICLE = "article"
    PUBLIC = "public"
    DATASET = "dataset"
    ASSUMPTION = "assumption"
    SCENARIO = "scenario"


class SourceRef(Result):
    """One entry of the pack's list of sources; figures cite it by number."""

    number: int = Field(ge=1)
    kind: SourceKind
    citation: str = Field(description="article file and section, publisher and title, or file")
    paraphrase: str = Field(description="what the source says, in our words")


class Figure(Result):
    """A number the pack prints: its value as text, the sources it rests on, and its mark.

    ``illustrative`` is true when the figure rests on data no public figure sizes
    (an illustrative pledge, an estimated radius, an analyst's assumption): the
    pack marks it visibly and counts the marks on the summary page.
    """

    value: str
    number: float | None = Field(description="the figure as a number, for the XLSX; null if none")
    sources: tuple[int, ...] = Field(default=(), description="numbers of the sources it rests on")
    illustrative: bool = False


class BlockedFrame(Result):
    """A framework that cannot authorise the mission, and who blocks it."""

    framework_id: str
    name: str
    outcome: Outcome
    blockers: tuple[str, ...] = Field(description="'HUN opposed', one per blocking member")
    sources: tuple[int, ...] = ()


class Gap(Result):
    """One of a mission's worst gaps and the first fix a re-solve confirmed."""

    line_id: str
    capability: str
    area: str
    priority: int
    missing: Figure = Field(description="units missing, of the units required")
    best_fix: str | None = Field(description="the most acceptable confirmed fix, if any")


class ThreatCover(Result):
    """Air-defence coverage of the population against one threat class."""

    threat: str
    share_of_mix: float
    population: Figure


class MissionSummary(Result):
    """One mission option under one authorising framework: the summary page's block."""

    mission_id: str
    mission_name: str
    framework_id: str
    framework_name: str
    blocked: tuple[BlockedFrame, ...] = Field(description="frameworks that cannot authorise it")
    first_tour: Figure
    sustained: Figure
    firm_first_tour: Figure | None
    firm_sustained: Figure | None
    ioc: Figure
    foc: Figure
    worst_gaps: tuple[Gap, ...] = Field(max_length=3)
    gap_count: int
    air_defence: tuple[ThreatCover, ...] = Field(
        description="coverage by threat class; empty when no air defence is sourced"
    )
    air_defence_mix: Figure | None = Field(description="coverage against the threat mix")


class MandateRow(Result):
    """One framework of the mandate matrix."""

    framework_id: str
    name: str
    rule: str
    outcome: Outcome
    blockers: tuple[str, ...]
    eligible: Figure
    restricted: Figure
    excluded: Figure


class FillCell(Result):
    """Fill of one mission under one framework (blocked ones too), from the sweep."""

    framework_id: str
    framework_name: str
    mission_id: str
    mission_name: str
    outcome: Outcome
    fill: Figure


class Contribution(Result):
    """What one nation gives one mission, against its fair share of the burden."""

    mission_id: str
    framework_id: str
    nation: str
    nation_name: str
    units: int
    deployed: Figure = Field(description="personnel deployed for the first tour")
    committed: Figure = Field(description="personnel held over the mission (rule of thirds)")
    fair_share: Figure = Field(description="committed personnel the burden basis would ask")
    basis_share: Figure = Field(
        description="the nation's share of the burden basis (GDP or population) among the "
        "nations with a usable pledge"
    )
    commitment_share: Figure = Field(description="its share of the personnel committed")


class Decision(Result):
    """A decision ministers are asked for, and what it would change."""

    question: str
    effect: Figure


#: The run's charts and maps the pack shows.
FigureKind = Literal["gantt", "arrivals", "coverage", "threat"]


class FigureFile(Result):
    """A chart or map of the run folder that the pack shows."""

    title: str
    kind: FigureKind
    mission_id: str
    framework_id: str
    png: str = Field(description="file name in the run folder (the PDF embeds it)")
    svg: str = Field(description="file name in the run folder (the HTML shows it)")
    illustrative: bool = False


class AgreementZone(Result):
    """One rule of the agreement with a place, as the pack's zone table gives it."""

    name: str = Field(description="the clause's title (and weapon class of a withdrawal line)")
    clause_id: str
    kind: str = Field(
        description="line, buffer, withdrawal, site or maritime; else the clause kind"
    )
    depth_km: float | None = Field(
        description="width of a buffer or withdrawal band each side of the line, a site's "
        "radius; None where the clause sets no distance"
    )
    prohibited: str = Field(description="what the zone prohibits, in words")
    drawn: int = Field(ge=0, description="zones drawn on the map (sites: one each)")
    source: str = Field(description="the agreement file and clause the zone comes from")


class AgreementSection(Result):
    """The agreement the plan is to keep: its zones on the plan's (or a given) line."""

    agreement_id: str
    name: str
    source: str = Field(description="the agreement file, or the built-in agreement's name")
    line: str = Field(description="which line of contact the zones were compiled on")
    zones: tuple[AgreementZone, ...]
    map_png: str = Field(description="file name in the run folder (the PDF embeds it)")
    map_svg: str = Field(description="file name in the run folder (the HTML shows it)")


class BriefingPack(StageResult):
    """Everything the briefing pack shows, in the order it shows it."""

    title: str
    scenario_id: str
    scenario_name: str
    scenario_version: str = Field(description="digest of the scenario's content")
    d_day: date
    dated: date = Field(description="the day the run was written")
    missions: tuple[MissionSummary, ...]
    decisions: tuple[Decision, ...]
    mandate: tuple[MandateRow, ...]
    fill_matrix: tuple[FillCell, ...]
    contributions: tuple[Contribution, ...]
    figures: tuple[FigureFile, ...]
    burden_basis: str = Field(description="gdp or population: what fair shares follow")
    agreement: str = Field(description="the agreement's zones, or why the pack has none")
    agreement_zones: AgreementSection | None = Field(
        default=None, description="the agreement's zones and map, when one was given"
    )
    sources: tuple[SourceRef, ...]

    illustrative_marks: int = Field(
        ge=0, description="figures and charts carrying the illustrative mark (summary page)"
    )

    @model_validator(mode="after")
    def _marks_counted(self) -> BriefingPack:
        counted = count_marks(self.all_figures(), self.figures)
        if counted != self.illustrative_marks:
            raise ValueError(f"illustrative_marks {self.illustrative_marks}, but {counted} marked")
        return self

    def all_figures(self) -> list[Figure]:
        """Every figure of the pack, in the order the pages show them."""
        return pack_figures(
            self.missions, self.decisions, self.mandate, self.fill_matrix, self.contributions
        )


def pack_figures(
    missions: Sequence[MissionSummary],
    decisions: Sequence[Decision],
    mandate: Sequence[MandateRow],
    fill_matrix: Sequence[FillCell],
    contributions: Sequence[Contribution],
) -> list[Figure]:
    """Every figure of these parts, in the order the pages show them."""
    found: list[Figure] = []
    for mission in missions:
        found += [mission.first_tour, mission.sustained]
        found += [f for f in (mission.firm_first_tour, mission.firm_sustained) if f]
        found += [mission.ioc, mission.foc]
        found += [gap.missing for gap in mission.worst_gaps]
        found += [cover.population for cover in mission.air_defence]
        found += [mission.air_defence_mix] if mission.air_defence_mix else []
    found += [decision.effect for decision in decisions]
    for row in mandate:
        found += [row.eligible, row.restricted, row.excluded]
    found += [cell.fill for cell in fill_matrix]
    for c in contributions:
        found += [c.deployed, c.committed, c.fair_share, c.basis_share, c.commitment_share]
    return found


def count_marks(figures: Iterable[Figure], charts: Iterable[FigureFile]) -> int:
    """How many figures and charts carry the illustrative mark."""
    return sum(f.illustrative for f in figures) + sum(c.illustrative for c in charts)
