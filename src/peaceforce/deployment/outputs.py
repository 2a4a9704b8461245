"""Files of a deployment: the TPFDD table (CSV, XLSX), Gantt and arrivals charts, node use.

Writers take a finished :class:`DeploymentResult` and a target path; each file
is written through a temporary sibling so a failure leaves no half file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from peaceforce.deployment.planner import DeploymentResult, MovementRecord, RecordKind
from peaceforce.outputs import write_atomic

TPFDD_COLUMNS = tuple(MovementRecord.model_fields)


def _row(record: MovementRecord) -> list[object]:
    data = record.model_dump(mode="json")
    return ["" if data[c] is None else data[c] for c in TPFDD_COLUMNS]


def tpfdd_csv(result: DeploymentResult) -> str:
    """The movement records as CSV text, one row per leg or relief."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TPFDD_COLUMNS)
    writer.writerows(_row(r) for r in result.records)
    return buffer.getvalue()


def write_tpfdd_xlsx(result: DeploymentResult, path: Path) -> None:
    """The movement records and the daily node use as an Excel workbook."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "TPFDD"
    sheet.append(list(TPFDD_COLUMNS))
    for record in result.records:
        sheet.append(_row(record))
    sheet.freeze_panes = "A2"
    use = book.create_sheet("Node use")
    days = max((len(u.daily_use) for u in result.node_use), default=0)
    use.append(["resource", "name", "capacity", "days full", *(f"day {d}" for d in range(days))])
    for node in result.node_use:
        use.append([node.resource, node.name, node.capacity, node.days_full, *node.daily_use])
    buffer = io.BytesIO()
    book.save(buffer)
    write_atomic(path, buffer.getvalue())


def _figure_bytes(figure: object, fmt: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, bbox_inches="tight")  # type: ignore[attr-defined]
    return buffer.getvalue()


def _save(figure: object, stem: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    paths = []
    for fmt in ("png", "svg"):
        path = stem.with_suffix(f".{fmt}")
        write_atomic(path, _figure_bytes(figure, fmt))
        paths.append(path)
    plt.close(figure)  # type: ignore[arg-type]
    return paths


def gantt_chart(result: DeploymentResult, stem: Path) -> list[Path]:
    """One bar per scheduled leg, grouped by unit and coloured by mode; IOC and FOC marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    legs = [
        r for r in result.records if r.kind is RecordKind.DEPLOYMENT and r.start_day is not None
    ]
    units = list(dict.fromkeys(r.unit for r in legs))
    colours = {"air": "tab:blue", "sea": "tab:cyan", "rail": "tab:brown", "road": "tab:green"}
    height = max(3.0, 0.18 * len(units) + 1.5)
    figure, axes = plt.subplots(figsize=(11, height))
    for row, unit in enumerate(units):
        for leg in (r for r in legs if r.unit == unit):
            start = leg.start_day or 0
            end = (leg.arrival_day or start) - 0
            axes.barh(
                row, max(end - start, 0.5), left=start, color=colours[leg.mode.value], height=0.7
            )
    for day, label, style in ((result.ioc_day, "IOC", "--"), (result.foc_day, "FOC", "-")):
        if day is not None:
            axes.axvline(day, color="black", linestyle=style, linewidth=1)
            axes.text(day, -1, f" {label} day {day}", va="top", fontsize=8)
    axes.set_yticks(range(len(units)), units, fontsize=6)
    axes.invert_yaxis()
    axes.set_xlabel("days after D-day")
    axes.set_title(f"Deployment of {result.mission_id} under {result.framework_id}")
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in colours.values()]
    axes.legend(handles, list(colours), loc="lower right", fontsize=8)
    return _save(figure, stem)


def arrivals_chart(result: DeploymentResult, stem: Path) -> list[Path]:
    """Personnel arriving per day and cumulatively, with the IOC threshold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    arrivals = result.arrivals_by_day()
    figure, axes = plt.subplots(figsize=(9, 4))
    if arrivals:
        days, people = zip(*arrivals, strict=True)
        axes.bar(days, people, color="tab:gray", label="arriving that day")
        cumulative = [sum(people[: i + 1]) for i in range(len(people))]
        axes.step(days, cumulative, where="post", color="tab:red", label="in place")
        axes.axhline(
            result.ioc_share * result.personnel,
            color="black",
            linestyle="--",
            linewidth=1,
            label=f"IOC threshold ({result.ioc_share:.0%})",
        )
    axes.set_xlabel("days after D-day")
    axes.set_ylabel("personnel")
    axes.set_title(f"Arrivals: {result.mission_id} under {result.framework_id}")
    axes.legend(fontsize=8)
    return _save(figure, stem)


def node_use_csv(result: DeploymentResult) -> str:
    """Daily use of every node and lift pool, one row per resource."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    days = max((len(u.daily_use) for u in result.node_use), default=0)
    writer.writerow(
        ["resource", "name", "capacity", "days_full", *(f"day_{d}" for d in range(days))]
    )
    for node in result.node_use:
        writer.writerow([node.resource, node.name, node.capacity, node.days_full, *node.daily_use])
    return buffer.getvalue()


def write_deployment_files(result: DeploymentResult, folder: Path) -> list[Path]:
    """Every file of one deployment, named after its mission and framework."""
    stem = folder / f"deploy-{result.mission_id}-{result.framework_id}"
    written = []
    for suffix, text in (
        (".tpfdd.csv", tpfdd_csv(result)),
        (".nodes.csv", node_use_csv(result)),
        (".json", result.model_dump_json(indent=2)),
    ):
        path = stem.with_name(stem.name + suffix)
        write_atomic(path, text)
        written.append(path)
    xlsx = stem.with_name(stem.name + ".tpfdd.xlsx")
    write_tpfdd_xlsx(result, xlsx)
    written.append(xlsx)
    written += gantt_chart(result, stem.with_name(stem.name + "-gantt"))
    written += arrivals_chart(result, stem.with_name(stem.name + "-arrivals"))
    return written
