"""The briefing pack as an Excel workbook: the same figures, with native Excel charts.

Figures are written as numbers (shares as fractions formatted as percentages) so a
staff officer can total and chart them again; an ``illustrative`` column and a
``sources`` column keep each figure's mark and citation beside it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from peaceforce.briefing.model import BriefingPack, Figure
from peaceforce.briefing.render import cite
from peaceforce.outputs import write_atomic

_PERCENT = "0%"


def _value(figure: Figure | None) -> object:
    if figure is None:
        return None
    return figure.number if figure.number is not None else figure.value


def _sheet(book: Any, title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Any:
    from openpyxl.styles import Font

    sheet = book.create_sheet(title)
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for index, name in enumerate(header, start=1):
        width = max([len(str(name)), *(len(str(r[index - 1] or "")) for r in rows)], default=8)
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(width + 2, 60)
    sheet.freeze_panes = "A2"
    return sheet


def _percent_columns(sheet: Any, *columns: int) -> None:
    for row in sheet.iter_rows(min_row=2):
        for column in columns:
            if isinstance(row[column - 1].value, float):
                row[column - 1].number_format = _PERCENT


def _marks(*figures: Figure | None) -> str:
    return "yes" if any(f is not None and f.illustrative for f in figures) else ""


def _sources(*figures: Figure | None) -> str:
    return cite(n for f in figures if f is not None for n in f.sources)


def workbook_bytes(pack: BriefingPack) -> bytes:
    """The workbook: summary, mandate, fill matrix, contributions (with charts), sources."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    book = Workbook()
    cover = book.active
    cover.title = "About"
    for row in (
        ("title", pack.title),
        ("label", str(pack.label)),
        ("run key", pack.run_key),
        ("scenario", f"{pack.scenario_id} version {pack.scenario_version}"),
        ("dated", pack.dated.isoformat()),
        ("D-day", pack.d_day.isoformat()),
        ("illustrative marks", pack.illustrative_marks),
        ("agreement", pack.agreement),
    ):
        cover.append(row)
    cover.column_dimensions["A"].width = 20
    cover.column_dimensions["B"].width = 80

    summary = _sheet(
        book,
        "Summary",
        [
            "mission",
            "framework",
            "first tour fill",
            "sustained fill",
            "firm first tour",
            "firm sustained",
            "IOC day",
            "FOC day",
            "IOC",
            "FOC",
            "lines short",
            "people defended (mix)",
            "illustrative",
            "sources",
        ],
        [
            (
                m.mission_id,
                m.framework_id,
                _value(m.first_tour),
                _value(m.sustained),
                _value(m.firm_first_tour),
                _value(m.firm_sustained),
                m.ioc.number,
                m.foc.number,
                m.ioc.value,
                m.foc.value,
                m.gap_count,
                _value(m.air_defence_mix),
                _marks(m.first_tour, m.sustained, m.ioc, m.foc, m.air_defence_mix),
                _sources(m.first_tour, m.ioc, m.air_defence_mix),
            )
            for m in pack.missions
        ],
    )
    _percent_columns(summary, 3, 4, 5, 6, 12)
    if pack.missions:
        chart = BarChart()
        chart.title = "Fill of the required personnel"
        chart.y_axis.title = "share"
        rows = len(pack.missions) + 1
        chart.add_data(
            Reference(summary, min_col=3, max_col=4, min_row=1, max_row=rows), titles_from_data=True
        )
        chart.set_categories(Reference(summary, min_col=1, min_row=2, max_row=rows))
        summary.add_chart(chart, f"A{rows + 3}")

    _sheet(
        book,
        "Gaps",
        [
            "mission",
            "framework",
            "line",
            "priority",
            "capability",
            "area",
            "units missing",
            "best fix",
        ],
        [
            (
                m.mission_id,
                m.framework_id,
                g.line_id,
                g.priority,
                g.capability,
                g.area,
                g.missing.number,
                g.best_fix or "",
            )
            for m in pack.missions
            for g in m.worst_gaps
        ],
    )
    _sheet(
        book,
        "Decisions",
        ["decision", "effect", "figure", "illustrative", "sources"],
        [
            (d.question, d.effect.value, d.effect.number, _marks(d.effect), _sources(d.effect))
            for d in pack.decisions
        ],
    )
    _sheet(
        book,
        "Mandate",
        [
            "framework",
            "name",
            "rule",
            "outcome",
            "blocked by",
            "eligible",
            "restricted",
            "excluded",
            "illustrative",
            "sources",
        ],
        [
            (
                r.framework_id,
                r.name,
                r.rule,
                r.outcome.value,
                ", ".join(r.blockers),
                r.eligible.number,
                r.restricted.number,
                r.excluded.number,
                _marks(r.eligible, r.restricted, r.excluded),
                _sources(r.eligible, r.restricted, r.excluded),
            )
            for r in pack.mandate
        ],
    )
    fill = _sheet(
        book,
        "Fill matrix",
        ["framework", "mission", "outcome", "first-tour fill", "illustrative", "sources"],
        [
            (
                c.framework_id,
                c.mission_id,
                c.outcome.value,
                c.fill.number,
                _marks(c.fill),
                _sources(c.fill),
            )
            for c in pack.fill_matrix
        ],
    )
    _percent_columns(fill, 4)
    contributions = _sheet(
        book,
        "Contributions",
        [
            "mission",
            "framework",
            "nation",
            "units",
            "deployed",
            "committed",
            "fair share of deployed",
            "share committed",
            f"share of {pack.burden_basis}",
            "illustrative",
            "sources",
        ],
        [
            (
                c.mission_id,
                c.framework_id,
                c.nation,
                c.units,
                c.deployed.number,
                c.committed.number,
                c.fair_share.number,
                c.commitment_share.number,
                c.basis_share.number,
                _marks(c.deployed, c.committed),
                _sources(c.deployed, c.fair_share),
            )
            for c in pack.contributions
        ],
    )
    _percent_columns(contributions, 8, 9)
    first_row = 2
    anchor = len(pack.contributions) + 3
    for mission, framework in dict.fromkeys(
        (c.mission_id, c.framework_id) for c in pack.contributions
    ):
        count = sum(
            1 for c in pack.contributions if (c.mission_id, c.framework_id) == (mission, framework)
        )
        for columns, title, axis in (
            ((5, 6), f"Personnel: {mission} under {framework}", "personnel"),
            ((8, 9), f"Burden share: {mission} under {framework}", "share"),
        ):
            chart = BarChart()
            chart.title = title
            chart.y_axis.title = axis
            for column in columns:
                data = Reference(
                    contributions, min_col=column, min_row=first_row, max_row=first_row + count - 1
                )
                chart.add_data(data)
            for series, column in zip(chart.series, columns, strict=True):
                from openpyxl.chart.series import SeriesLabel

                series.tx = SeriesLabel(v=str(contributions.cell(1, column).value))
            chart.set_categories(
                Reference(
                    contributions, min_col=3, min_row=first_row, max_row=first_row + count - 1
                )
            )
            chart.width, chart.height = 18, 7
            contributions.add_chart(chart, f"{'A' if axis == 'personnel' else 'L'}{anchor}")
        anchor += 16
        first_row += count
    _sheet(
        book,
        "Sources",
        ["number", "kind", "citation", "paraphrase"],
        [(s.number, s.kind.value, s.citation, s.paraphrase) for s in pack.sources],
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_workbook(pack: BriefingPack, path: Path) -> Path:
    """Write the workbook atomically."""
    write_atomic(path, workbook_bytes(pack))
    return path
