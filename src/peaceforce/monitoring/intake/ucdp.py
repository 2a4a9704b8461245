"""UCDP Georeferenced Event Dataset rows as incidents (events coded from news reports)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from peaceforce.errors import InputError, Problem
from peaceforce.labels import Label
from peaceforce.monitoring.incidents import IncidentType, Source
from peaceforce.monitoring.intake.common import Collector, IntakeResult
from peaceforce.parsing import parse_table

#: A header column only UCDP GED has: how a CSV file is told to be UCDP.
UCDP_MARKER_COLUMN = "type_of_violence"

#: How UCDP actor names map to parties of a Ukraine agreement. The separatist
#: "republics" and Novorossiya are counted with Russia, which armed and led them.
UCDP_PARTIES: Mapping[str, str] = {
    "Government of Ukraine": "UKR",
    "Government of Russia (Soviet Union)": "RUS",
    "DPR": "RUS",
    "LPR": "RUS",
    "United Armed Forces of Novorossiya": "RUS",
}
#: ``where_prec`` (1 exact place ... 7 only the country) as a location confidence.
_UCDP_PLACE_CONFIDENCE = {1: 0.9, 2: 0.8, 3: 0.6, 4: 0.5, 5: 0.4, 6: 0.2, 7: 0.1}
_UCDP_DATE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def _ucdp_time(text: str) -> datetime | str:
    for fmt in _UCDP_DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return text  # left for the Incident validator to reject with the original text


def parse_ucdp_ged(
    text: str, *, file: str, label: Label, parties: Mapping[str, str] = UCDP_PARTIES
) -> IntakeResult:
    """Read UCDP Georeferenced Event Dataset rows (CSV text) as incidents labelled ``label``.

    Mapping (UCDP codes events from news reports, so the source is OSINT):

    - ``type_of_violence`` 1 (state-based) and 2 (non-state) -> ``explosion``:
      UCDP gives no weapon, and in Ukraine these events are mostly shelling;
      3 (one-sided violence against civilians) -> ``civilian_harm``.
    - Attribution only for type 3, to ``side_a`` (UCDP codes the perpetrator
      there); for types 1 and 2 UCDP codes the dyad, not who fired.
      Attribution confidence is 0.8 when ``event_clarity`` is 1, else 0.5.
    - Confidence from ``where_prec`` (1 exact -> 0.9 ... 7 country -> 0.1),
      times 0.8 when ``event_clarity`` is 2 (unclear).
    - id ``ucdp-<id>``, time ``date_start`` (UTC midnight), deaths ``best``.
    """
    table = parse_table(text, file, what="a UCDP GED CSV")
    needed = {
        "id",
        "date_start",
        "latitude",
        "longitude",
        "where_prec",
        "type_of_violence",
        "side_a",
    }
    missing = needed - set(table.columns)
    if missing:
        raise InputError(
            [Problem(file, "line 1", f"no columns {sorted(missing)}", "a UCDP GED header")]
        )
    where = {
        "time": "date_start",
        "lon": "longitude",
        "lat": "latitude",
        "deaths": "best",
        "id": "id",
    }
    collector = Collector(file)
    collector.rejected.extend(table.problems)
    for row in table.rows:
        location = f"line {row.line}"
        try:
            violence = int(row.get("type_of_violence"))
            precision = int(row.get("where_prec"))
            clear = row.get("event_clarity") != "2"
        except ValueError:
            collector.reject(
                location,
                repr(row.get("type_of_violence")),
                "integer type_of_violence and where_prec",
            )
            continue
        if violence not in (1, 2, 3):
            collector.reject(f"{location}, type_of_violence", str(violence), "1, 2 or 3")
            continue
        data: dict[str, Any] = {
            "id": f"ucdp-{row.get('id')}",
            "time": _ucdp_time(row.get("date_start")),
            "lon": row.get("longitude"),
            "lat": row.get("latitude"),
            "type": IncidentType.CIVILIAN_HARM if violence == 3 else IncidentType.EXPLOSION,
            "source": Source.OSINT,
            "confidence": _UCDP_PLACE_CONFIDENCE.get(precision, 0.1) * (1.0 if clear else 0.8),
            "evidence": (f"ucdp-ged:{row.get('id')}",),
            "description": row.get("where_description"),
            "label": label,
        }
        if row.get("best"):
            data["deaths"] = row.get("best")
        party = parties.get(row.get("side_a"))
        if violence == 3 and party is not None:
            data["attributed_to"] = party
            data["attribution_confidence"] = 0.8 if clear else 0.5
        collector.validate(data, location, where)
    return collector.result()
