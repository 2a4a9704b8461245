"""Charts of a deployment: a Gantt chart of the movement legs and the arrivals over time.

Each chart is a :class:`~peaceforce.presentation.figures.Drawing`: built once with
matplotlib's object API (no pyplot state, so it can be drawn in a worker process)
and saved as PNG and SVG by :mod:`peaceforce.presentation.figures`.
"""

from __future__ import annotations

from typing import Any

from peaceforce.deployment.movements import RELIEFS_MOVE
from peaceforce.deployment.planner import DeploymentResult, RecordKind
from peaceforce.presentation.figures import Drawing
from peaceforce.scenario.names import IDS, Names

_SAVE = {"bbox_inches": "tight"}


def _stem(result: DeploymentResult, chart: str) -> str:
    return f"deploy-{result.mission_id}-{result.framework_id}-{chart}"


def deployment_drawings(result: DeploymentResult, names: Names = IDS) -> list[Drawing]:
    """The deployment's charts: ``deploy-<mission>-<framework>-gantt`` and ``-arrivals``."""
    return [
        Drawing(_stem(result, "gantt"), draw_gantt, (result, names), _SAVE),
        Drawing(_stem(result, "arrivals"), draw_arrivals, (result, names), _SAVE),
    ]


def draw_gantt(result: DeploymentResult, names: Names = IDS) -> Any:
    """One bar per scheduled leg, grouped by unit and coloured by mode; IOC and FOC marked."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    legs = [
        r for r in result.records if r.kind is RecordKind.DEPLOYMENT and r.start_day is not None
    ]
    units = list(dict.fromkeys(r.unit for r in legs))
    colours = {"air": "tab:blue", "sea": "tab:cyan", "rail": "tab:brown", "road": "tab:green"}
    height = max(3.0, 0.18 * len(units) + 1.5)
    figure = Figure(figsize=(11, height))
    axes = figure.add_subplot()
    for row, unit in enumerate(units):
        for leg in (r for r in legs if r.unit == unit):
            start = leg.start_day or 0
            end = leg.arrival_day or start
            axes.barh(
                row, max(end - start, 0.5), left=start, color=colours[leg.mode.value], height=0.7
            )
    marks: dict[int, list[str]] = {}
    for day, label, style in ((result.ioc.day, "IOC", "--"), (result.foc.day, "FOC", "-")):
        if day is not None:
            axes.axvline(day, color="black", linestyle=style, linewidth=1)
            marks.setdefault(day, []).append(label)
    for day, labels in marks.items():
        axes.text(day, -1, f" {' and '.join(labels)} day {day}", va="top", fontsize=8)
    reached = [f"{label} not reached" for label, r in (("IOC", result.ioc), ("FOC", result.foc))
               if r.day is None]  # fmt: skip
    labels = [names.unit(u, result.mission_id) for u in units]
    axes.set_yticks(range(len(units)), labels, fontsize=6)
    axes.invert_yaxis()
    axes.set_xlabel("days after D-day")
    title = f"Deployment of {result.mission_name} under {names.framework(result.framework_id)}"
    axes.set_title(title + (f" ({', '.join(reached)})" if reached else ""), fontsize=9)
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in colours.values()]
    axes.legend(handles, list(colours), loc="lower right", fontsize=8)
    figure.text(0.01, -0.04, f"Deployment legs; {RELIEFS_MOVE}.", fontsize=7, va="top")
    return figure


def draw_arrivals(result: DeploymentResult, names: Names = IDS) -> Any:
    """Personnel arriving per day and cumulatively, against the required levels:
    the IOC share and all of the required personnel (not of what was sourced).
    """
    from matplotlib.figure import Figure

    arrivals = result.arrivals_by_day()
    figure = Figure(figsize=(9, 4))
    axes = figure.add_subplot()
    if arrivals:
        days, people = zip(*arrivals, strict=True)
        axes.bar(days, people, color="tab:gray", label="arriving that day")
        cumulative = [sum(people[: i + 1]) for i in range(len(people))]
        axes.step(days, cumulative, where="post", color="tab:red", label="in place")
    axes.axhline(
        result.ioc.personnel_required,
        color="black",
        linestyle="--",
        linewidth=1,
        label=f"IOC: {result.ioc_share:.0%} of required",
    )
    axes.axhline(
        result.foc.personnel_required,
        color="black",
        linestyle="-",
        linewidth=1,
        label=f"required ({result.foc.personnel_required:,})",
    )
    axes.set_xlabel("days after D-day")
    axes.set_ylabel("personnel")
    axes.set_title(
        f"Arrivals: {result.mission_name} under {names.framework(result.framework_id)}",
        fontsize=9,
    )
    axes.legend(fontsize=8)
    return figure
