"""The pack's own charts, drawn from its figures (fill, contributions, burden share).

Each chart is a :class:`~peaceforce.presentation.figures.Drawing`, like the run's
deployment charts and maps: a plan submits them to its drawing worker as soon as its
results exist (:func:`submit_charts`), and the pack writes them beside the others as
PNG (the PDF's: WeasyPrint draws an SVG chart node by node, several times slower
than it places a picture) and SVG (the HTML page's).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from peaceforce.briefing.model import BriefingPack, Contribution
from peaceforce.mandate.analysis import Outcome
from peaceforce.presentation.figures import Drawing, FigurePool

#: Marks an illustrative bar's label in the charts, as the pack marks its figures.
MARK = "◆"


def _figure(width: float, height: float) -> Any:
    """A figure of matplotlib's object API: no pyplot state to leak between charts."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def draw_fill(pack: BriefingPack) -> Any:
    """First-tour fill of each mission under each framework; blocked frames hatched."""
    frameworks = list(dict.fromkeys(c.framework_id for c in pack.fill_matrix))
    missions = list(dict.fromkeys(c.mission_id for c in pack.fill_matrix))
    figure = _figure(7.5, 2.8)
    axes = figure.add_subplot()
    width = 0.8 / max(len(frameworks), 1)
    for f, framework in enumerate(frameworks):
        for m, mission in enumerate(missions):
            cell = next(
                (
                    c
                    for c in pack.fill_matrix
                    if (c.framework_id, c.mission_id) == (framework, mission)
                ),
                None,
            )
            if cell is None:
                continue
            blocked = cell.outcome is not Outcome.AUTHORISABLE
            axes.bar(
                m + f * width,
                (cell.fill.number or 0) * 100,
                width=width * 0.95,
                color=f"C{f}",
                hatch="//" if blocked else None,
                alpha=0.55 if blocked else 1.0,
                label=framework + (" (blocked)" if blocked else "") if m == 0 else None,
            )
    axes.set_xticks([m + width * (len(frameworks) - 1) / 2 for m in range(len(missions))], missions)
    axes.set_ylabel("required personnel in place, first tour, %")
    axes.set_ylim(0, 100)
    axes.legend(fontsize=7, ncols=3, loc="upper right")
    axes.set_title("Fill by framework × mission (hatched: the framework is blocked)", fontsize=9)
    return figure


def _by_mission(pack: BriefingPack) -> dict[tuple[str, str], list[Contribution]]:
    grouped: dict[tuple[str, str], list[Contribution]] = {}
    for c in pack.contributions:
        grouped.setdefault((c.mission_id, c.framework_id), []).append(c)
    return grouped


def _labels(rows: Sequence[Contribution]) -> list[str]:
    return [c.nation + (MARK if c.deployed.illustrative else "") for c in rows]


def draw_contributions(pack: BriefingPack, mission_id: str, framework_id: str) -> Any:
    """Personnel each nation deploys and holds over the mission (rule of thirds), and its
    share of the personnel committed against its share of the burden basis."""
    rows = _by_mission(pack).get((mission_id, framework_id), [])
    figure = _figure(10, 3.0)
    personnel, shares = figure.subplots(1, 2)
    positions = list(range(len(rows)))
    basis = "GDP" if pack.burden_basis == "gdp" else "population"
    for axes, pairs, unit in (
        (
            personnel,
            (
                ("deployed (first tour)", "C0", [c.deployed.number or 0 for c in rows]),
                ("committed over the mission", "C1", [c.committed.number or 0 for c in rows]),
            ),
            "personnel",
        ),
        (
            shares,
            (
                (
                    "share of personnel committed",
                    "C1",
                    [(c.commitment_share.number or 0) * 100 for c in rows],
                ),
                (f"share of {basis}", "C7", [(c.basis_share.number or 0) * 100 for c in rows]),
            ),
            "%",
        ),
    ):
        for offset, (label, colour, values) in zip((-0.2, 0.2), pairs, strict=True):
            axes.bar([p + offset for p in positions], values, width=0.4, label=label, color=colour)
        axes.set_xticks(positions, _labels(rows), fontsize=7, rotation=60)
        axes.set_ylabel(unit)
        axes.legend(fontsize=7)
    personnel.set_title(f"Contributions: {mission_id} under {framework_id}", fontsize=9)
    shares.set_title(f"Burden share: {mission_id} under {framework_id}", fontsize=9)
    return figure


#: PNG resolution of the pack's charts: sharp at the PDF's column width.
SAVE = {"dpi": 150}


def chart_drawings(pack: BriefingPack) -> list[Drawing]:
    """The pack's charts: ``briefing-fill`` and one ``briefing-contributions-<m>-<f>`` per
    sourced mission; the same stems for the same plan, so a submitted drawing is found."""
    drawings = [Drawing("briefing-fill", draw_fill, (pack,), SAVE)] if pack.fill_matrix else []
    outcomes = dict.fromkeys((c.mission_id, c.framework_id) for c in pack.contributions)
    drawings += [
        Drawing(
            f"briefing-contributions-{mission}-{framework}",
            draw_contributions,
            (pack, mission, framework),
            SAVE,
        )
        for mission, framework in outcomes
    ]
    return drawings


def submit_charts(pack: BriefingPack, figures: FigurePool) -> None:
    """Start drawing the pack's charts in the plan's drawing worker."""
    for drawing in chart_drawings(pack):
        figures.submit(drawing)
