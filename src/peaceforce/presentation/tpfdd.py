"""Files of a deployment: the TPFDD table (CSV, XLSX), node use, and its charts.

Writers take a finished :class:`DeploymentResult` and a target path; each file
is written through a temporary sibling so a failure leaves no half file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from peaceforce.deployment.planner import DeploymentResult, MovementRecord
from peaceforce.outputs import write_atomic
from peaceforce.presentation.deployment_charts import arrivals_chart, gantt_chart

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
