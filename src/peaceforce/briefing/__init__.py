"""The briefing pack for ministers' staff: HTML, PDF and XLSX of one plan run, every figure sourced.

::

    model.py     BriefingPack: figures with sources and illustrative marks (JSON and back)
    build.py     build_briefing: the pack from a PlanResult and its scenario
    charts.py    the pack's own charts (fill, contributions, burden share), drawn as the run's
    render.py    Jinja2 templates to HTML, and through WeasyPrint to a PDF/A-3b with plan.json
    workbook.py  the same figures in an XLSX with native Excel charts
    templates/   briefing.html.j2 and its stylesheet
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from peaceforce.briefing.build import PackAgreement, build_briefing
from peaceforce.briefing.charts import chart_drawings, submit_charts
from peaceforce.briefing.model import BriefingPack
from peaceforce.briefing.render import HTML_FILE, PDF_FILE, XLSX_FILE, write_html_and_pdf
from peaceforce.briefing.workbook import write_workbook
from peaceforce.plan import PlanResult
from peaceforce.presentation.figures import FORMATS, HERE, FigurePool
from peaceforce.scenario.model import Scenario

#: The files the pack adds to a run's folder.
BRIEFING_FILES = (HTML_FILE, PDF_FILE, XLSX_FILE)

__all__ = [
    "BRIEFING_FILES",
    "BriefingPack",
    "PackAgreement",
    "build_briefing",
    "pack_files",
    "submit_briefing_charts",
    "write_briefing",
]


def pack_files(pack: BriefingPack) -> tuple[str, ...]:
    """The names of the files :func:`write_briefing` writes for a pack: its charts (PNG and
    SVG), then the three documents."""
    charts = [f"{d.stem}.{fmt}" for d in chart_drawings(pack) for fmt in FORMATS]
    if pack.agreement_zones is not None:
        charts += [pack.agreement_zones.map_png, pack.agreement_zones.map_svg]
    return (*charts, *BRIEFING_FILES)


def submit_briefing_charts(plan: PlanResult, scenario: Scenario, figures: FigurePool) -> None:
    """Start drawing the pack's charts in a plan's drawing worker, before its other files."""
    submit_charts(build_briefing(plan, scenario, datetime.now(UTC).date()), figures)


def write_briefing(
    plan: PlanResult,
    scenario: Scenario,
    folder: Path,
    dated: date | None = None,
    figures: FigurePool = HERE,
    *,
    agreement: PackAgreement | None = None,
) -> list[Path]:
    """Write the pack's charts, briefing.html, briefing.pdf and briefing.xlsx into a run's
    folder.

    The folder must hold the run's ``plan.json`` (the PDF carries it) and its charts
    and maps, which the pack shows; ``dated`` defaults to today (UTC); charts
    submitted to ``figures`` (:func:`submit_briefing_charts`) are collected from it;
    ``agreement``'s zones are drawn on a map and listed.
    """
    from peaceforce.runs.folders import PLAN_FILE

    section = agreement.section() if agreement is not None else None
    pack = build_briefing(plan, scenario, dated or datetime.now(UTC).date(), folder, section)
    zones = agreement.zones if agreement is not None else None
    written = write_html_and_pdf(pack, folder, folder / PLAN_FILE, figures, zones)
    written.append(write_workbook(pack, folder / XLSX_FILE))
    return written
