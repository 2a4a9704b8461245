"""Intake of incident reports: CSV, GeoJSON, UCDP GED, Cursor-on-Target, JSON Lines.

Every parser takes text (or bytes, decoded here) and a name for its source, so a
file, an API upload or a socket feed all go through the same code;
``read_incident_file`` is the thin wrapper for paths. Every reader keeps the
valid reports of a source and lists each broken one with its line (or JSON
path, or CoT event) and the reason. Intake is idempotent by report id.

Labels: a record's label is the importer's ``label`` (by default
``DEFAULT_INCIDENT_LABEL``: UNCLASSIFIED, releasable to COALITION), with the
``classification``, ``releasable_to`` and ``caveats`` a CSV row or GeoJSON
feature gives; a JSON Lines object may carry a whole ``label``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from peaceforce.errors import InputError, Problem
from peaceforce.labels import Label
from peaceforce.monitoring.incidents import DEFAULT_INCIDENT_LABEL
from peaceforce.monitoring.intake.common import (
    LABEL_FIELDS,
    RECORD_FIELDS,
    IntakeResult,
    decode,
    parse_columns,
)
from peaceforce.monitoring.intake.cot import parse_cot
from peaceforce.monitoring.intake.csv_reports import parse_csv
from peaceforce.monitoring.intake.geojson_reports import parse_geojson
from peaceforce.monitoring.intake.jsonl import parse_jsonl
from peaceforce.monitoring.intake.ucdp import UCDP_MARKER_COLUMN, UCDP_PARTIES, parse_ucdp_ged
from peaceforce.parsing import read_file
from peaceforce.parsing.limits import MAX_CSV_BYTES


class IntakeFormat(StrEnum):
    """The formats reports come in, by the name an API or a command line gives."""

    CSV = "csv"
    GEOJSON = "geojson"
    UCDP = "ucdp"
    COT = "cot"
    JSONL = "jsonl"


#: File name endings and the format each stands for; a CSV with UCDP columns is UCDP.
INTAKE_SUFFIXES: Mapping[str, IntakeFormat] = {
    ".csv": IntakeFormat.CSV,
    ".geojson": IntakeFormat.GEOJSON,
    ".json": IntakeFormat.GEOJSON,
    ".xml": IntakeFormat.COT,
    ".cot": IntakeFormat.COT,
    ".jsonl": IntakeFormat.JSONL,
    ".ndjson": IntakeFormat.JSONL,
}


def parse_incidents(
    data: bytes | str,
    format_name: IntakeFormat | str,
    *,
    source: str = "<data>",
    label: Label = DEFAULT_INCIDENT_LABEL,
    columns: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> IntakeResult:
    """Parse reports handed over as bytes or text in a named format.

    ``source`` names the data in every problem (a file name, an upload, a peer).
    ``label`` labels every record that gives none of its own. ``columns`` and
    ``defaults`` apply to CSV (see ``parse_csv``), ``defaults`` to GeoJSON too.

    Raises
    ------
    InputError
        When the format is unknown or the data as a whole cannot be read (not
        text, not JSON, not XML, no usable header); a bad record is only listed
        in ``IntakeResult.rejected``.
    """
    try:
        kind = IntakeFormat(format_name)
    except ValueError:
        expected = ", ".join(f.value for f in IntakeFormat)
        raise InputError([Problem(source, "-", f"format {format_name!r}", expected)]) from None
    text = decode(data, source)
    if kind is IntakeFormat.CSV:
        return parse_csv(text, file=source, label=label, columns=columns, defaults=defaults)
    if kind is IntakeFormat.GEOJSON:
        return parse_geojson(text, file=source, label=label, defaults=defaults)
    if kind is IntakeFormat.UCDP:
        return parse_ucdp_ged(text, file=source, label=label)
    if kind is IntakeFormat.COT:
        return parse_cot(text, file=source, label=label)
    return parse_jsonl(text, file=source, label=label)


def format_of(path: Path, text: str | None = None) -> IntakeFormat:
    """The format a file is in, by its name; a CSV whose header (in ``text``) is UCDP's is UCDP."""
    kind = INTAKE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            [
                Problem(
                    str(path),
                    "-",
                    path.suffix or "no extension",
                    f"a file ending in {', '.join(INTAKE_SUFFIXES)}",
                )
            ]
        )
    ucdp = text is not None and UCDP_MARKER_COLUMN in text.partition("\n")[0]
    return IntakeFormat.UCDP if kind is IntakeFormat.CSV and ucdp else kind


def read_incident_file(
    path: Path | str,
    *,
    format_name: IntakeFormat | str | None = None,
    label: Label = DEFAULT_INCIDENT_LABEL,
    columns: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> IntakeResult:
    """Read one file in ``format_name``, or the format its name says (see ``INTAKE_SUFFIXES``)."""
    path = Path(path)
    if format_name is None:
        format_of(path)  # an unknown ending is refused before the file is read
    # the largest any format allows; each parser then holds its format to its own limit
    raw = read_file(path, "a file of reports", MAX_CSV_BYTES)
    text = decode(raw, str(path))
    kind = format_name if format_name is not None else format_of(path, text)
    return parse_incidents(
        text, kind, source=str(path), label=label, columns=columns, defaults=defaults
    )


__all__ = [
    "INTAKE_SUFFIXES",
    "LABEL_FIELDS",
    "RECORD_FIELDS",
    "UCDP_PARTIES",
    "IntakeFormat",
    "IntakeResult",
    "format_of",
    "parse_columns",
    "parse_cot",
    "parse_csv",
    "parse_geojson",
    "parse_incidents",
    "parse_jsonl",
    "parse_ucdp_ged",
    "read_incident_file",
]
