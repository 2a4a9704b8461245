"""Incident reports in CSV: a column per field, renamed by a mapping where a feed differs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from peaceforce.errors import InputError, Problem
from peaceforce.labels import Label
from peaceforce.monitoring.intake.common import (
    LABEL_FIELDS,
    LIST_FIELDS,
    RECORD_FIELDS,
    REQUIRED_FIELDS,
    Collector,
    IntakeResult,
)
from peaceforce.parsing import parse_table


def parse_csv(
    text: str,
    *,
    file: str,
    label: Label,
    columns: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> IntakeResult:
    """Read incidents from CSV text; ``file`` names the source in every problem.

    ``columns`` maps an ``Incident`` field (or a label field) to the column that
    holds it; a field it does not name is read from a column of its own name, if
    any. ``defaults`` fills record fields no column gives, e.g. ``{"source":
    "patrol"}``. ``evidence`` holds ``;``-separated references. A row's label is
    ``label`` with the row's ``classification``, ``releasable_to`` and ``caveats``
    (space- or ``;``-separated) where it gives them.
    """
    table = parse_table(text, file, what="a CSV of reports")
    header = list(table.columns)
    # a mapping renames some fields; the others are still read from columns of their own name
    known = RECORD_FIELDS + LABEL_FIELDS
    mapping = {f: f for f in known if f in header} | dict(columns or {})
    missing = [c for c in mapping.values() if c not in header]
    if missing or not [f for f in mapping if f in RECORD_FIELDS]:
        wanted = sorted(mapping.values()) if missing else list(REQUIRED_FIELDS)
        raise InputError(
            [
                Problem(
                    file,
                    "line 1",
                    f"columns {header}",
                    f"a header with the columns {wanted} (or a --columns mapping to them)",
                )
            ]
        )
    collector = Collector(file)
    collector.rejected.extend(table.problems)
    for row in table.rows:
        location = f"line {row.line}"
        data: dict[str, Any] = dict(defaults or {})
        cells: dict[str, str] = {}
        for field, column in mapping.items():
            cell = row.get(column)
            if not cell:
                continue
            if field in LABEL_FIELDS:
                cells[field] = cell
            elif field in LIST_FIELDS:
                data[field] = tuple(v.strip() for v in cell.split(";") if v.strip())
            else:
                data[field] = cell
        own = collector.label(label, cells, location, mapping)
        data["label"] = own or label
        collector.validate(data, location, mapping, label_rejected=own is None)
    return collector.result()
