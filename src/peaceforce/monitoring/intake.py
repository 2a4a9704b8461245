"""Intake of incident reports from CSV, GeoJSON, UCDP GED and Cursor-on-Target.

Every reader keeps the valid reports of a file and lists each broken one with
its line (or JSON path, or CoT event) and the reason, so a monitoring cell never
loses the good reports of a half-broken feed. Intake is idempotent: a report id
seen twice is kept once, and a second report under the same id with different
content is rejected, not silently merged.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from peaceforce.errors import InputError, Problem
from peaceforce.geo.geojson import parse_features
from peaceforce.monitoring.incidents import Incident, IncidentType, Source, WeaponClass
from peaceforce.results import Result

#: CSV field that holds several values, separated by ``;``.
_LIST_FIELDS = frozenset({"evidence"})
_ENCODINGS = ("utf-8-sig", "cp1252")


class IntakeResult(Result):
    """The reports accepted from one or more sources, and every one rejected with its reason."""

    incidents: tuple[Incident, ...] = ()
    rejected: tuple[Problem, ...] = ()
    duplicates: int = 0


class _Collector:
    """Accepts incidents in order, first id wins, and records why anything was turned away."""

    def __init__(self) -> None:
        self.by_id: dict[str, Incident] = {}
        self.rejected: list[Problem] = []
        self.duplicates = 0

    def add(self, incident: Incident, file: str, location: str) -> None:
        known = self.by_id.get(incident.id)
        if known is None:
            self.by_id[incident.id] = incident
        elif known == incident:
            self.duplicates += 1
        else:
            self.rejected.append(
                Problem(
                    file,
                    location,
                    f"id {incident.id!r}",
                    "a new id: this one was already given other content",
                )
            )

    def validate(
        self, data: Mapping[str, Any], file: str, location: str, where: Mapping[str, str]
    ) -> None:
        """Validate one report; ``where`` names the input column of each field, for messages."""
        try:
            incident = Incident.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                field = str(error["loc"][0]) if error["loc"] else ""
                place = f"{location}, {where.get(field, field)}" if field else location
                value = (
                    "nothing"
                    if error["type"] == "missing"
                    else repr(error["input"])
                    if field
                    else "report"
                )
                self.rejected.append(Problem(file, place, value, error["msg"]))
            return
        self.add(incident, file, location)

    def result(self) -> IntakeResult:
        return IntakeResult(
            incidents=tuple(self.by_id.values()),
            rejected=tuple(self.rejected),
            duplicates=self.duplicates,
        )


def merge_intake(*results: IntakeResult) -> IntakeResult:
    """Combine intakes from several sources with the same idempotence as one intake."""
    collector = _Collector()
    for result in results:
        collector.rejected.extend(result.rejected)
        collector.duplicates += result.duplicates
        for incident in result.incidents:
            collector.add(incident, "merge", f"id {incident.id}")
    return collector.result()


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(str(path), "-", "no such file", "an existing file")]) from None
    except OSError as exc:
        raise InputError([Problem(str(path), "-", type(exc).__name__, "a readable file")]) from None
    for encoding in _ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError([Problem(str(path), "-", "undecodable bytes", "UTF-8 or Windows-1252 text")])


def read_csv(
    path: Path | str,
    *,
    columns: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> IntakeResult:
    """Read incidents from a CSV file.

    ``columns`` maps an ``Incident`` field to the CSV column that holds it; a
    field it does not name is read from a column of the field's own name, if
    any. ``defaults`` fills fields no column gives,
    e.g. ``{"source": "patrol"}``. ``evidence`` holds ``;``-separated references.
    """
    path = Path(path)
    file = str(path)
    reader = csv.DictReader(io.StringIO(_read_text(path), newline=""))
    header = reader.fieldnames or []
    # a mapping renames some fields; the others are still read from columns of their own name
    mapping = {f: f for f in Incident.model_fields if f in header} | dict(columns or {})
    missing = [c for c in mapping.values() if c not in header]
    if missing or not mapping:
        wanted = sorted(mapping.values()) if mapping else _REQUIRED_FIELDS
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
    collector = _Collector()
    for row in reader:
        data: dict[str, Any] = dict(defaults or {})
        for field, column in mapping.items():
            cell = (row.get(column) or "").strip()
            if cell:
                data[field] = (
                    tuple(v.strip() for v in cell.split(";") if v.strip())
                    if field in _LIST_FIELDS
                    else cell
                )
        collector.validate(data, file, f"line {reader.line_num}", mapping)
    return collector.result()


def read_geojson(path: Path | str, *, defaults: Mapping[str, Any] | None = None) -> IntakeResult:
    """Read incidents from GeoJSON Point features; properties carry the other fields.

    The id is the feature's ``id`` or ``properties.id``; a feature with a null
    geometry may give its place as ``properties.mgrs``.
    """
    file = str(path)
    features, problems = parse_features(path, allow_null_geometry=True)
    collector = _Collector()
    collector.rejected.extend(problems)
    where = {f: f"properties.{f}" for f in Incident.model_fields}
    for feature in features:
        data: dict[str, Any] = {**(defaults or {}), **feature.properties}
        if feature.id is not None:
            data.setdefault("id", feature.id)
        geometry = feature.geometry
        if geometry is not None:
            if geometry.geom_type != "Point":
                collector.rejected.append(
                    Problem(file, f"{feature.location}.geometry", geometry.geom_type, "Point")
                )
                continue
            data["lon"], data["lat"] = geometry.x, geometry.y
        collector.validate(data, file, feature.location, where)
    return collector.result()


# --- UCDP GED -----------------------------------------------------------------

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


def read_ucdp_ged(path: Path | str, *, parties: Mapping[str, str] = UCDP_PARTIES) -> IntakeResult:
    """Read UCDP Georeferenced Event Dataset rows as incidents.

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
    path = Path(path)
    file = str(path)
    reader = csv.DictReader(io.StringIO(_read_text(path), newline=""))
    needed = {
        "id",
        "date_start",
        "latitude",
        "longitude",
        "where_prec",
        "type_of_violence",
        "side_a",
    }
    missing = needed - set(reader.fieldnames or [])
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
    collector = _Collector()
    for row in reader:
        location = f"line {reader.line_num}"
        try:
            violence = int(row["type_of_violence"])
            precision = int(row["where_prec"])
            clear = row.get("event_clarity", "1").strip() != "2"
        except ValueError:
            collector.rejected.append(
                Problem(
                    file,
                    location,
                    repr(row["type_of_violence"]),
                    "integer type_of_violence and where_prec",
                )
            )
            continue
        if violence not in (1, 2, 3):
            collector.rejected.append(
                Problem(file, f"{location}, type_of_violence", str(violence), "1, 2 or 3")
            )
            continue
        data: dict[str, Any] = {
            "id": f"ucdp-{row['id'].strip()}",
            "time": _ucdp_time(row["date_start"]),
            "lon": row["longitude"],
            "lat": row["latitude"],
            "type": IncidentType.CIVILIAN_HARM if violence == 3 else IncidentType.EXPLOSION,
            "source": Source.OSINT,
            "confidence": _UCDP_PLACE_CONFIDENCE.get(precision, 0.1) * (1.0 if clear else 0.8),
            "evidence": (f"ucdp-ged:{row['id'].strip()}",),
            "description": (row.get("where_description") or "").strip(),
        }
        if (row.get("best") or "").strip():
            data["deaths"] = row["best"]
        party = parties.get(row["side_a"].strip())
        if violence == 3 and party is not None:
            data["attributed_to"] = party
            data["attribution_confidence"] = 0.8 if clear else 0.5
        collector.validate(data, file, location, where)
    return collector.result()


# --- Cursor-on-Target -----------------------------------------------------------

#: CoT (MIL-STD-2525 function id) type prefixes that are weapons, after the
#: affiliation letter: ``a-h-G-E-W-H`` is a hostile howitzer.
_COT_WEAPONS: tuple[tuple[str, WeaponClass], ...] = (
    ("G-E-W-H", WeaponClass.ARTILLERY_100MM_PLUS),
    ("G-E-W-R", WeaponClass.MLRS),
    ("G-E-W-M", WeaponClass.TACTICAL_MISSILE),
    ("G-E-W-Z", WeaponClass.MORTAR),
    ("G-E-V-A-T", WeaponClass.TANK),
)
_COT_CASEVAC = "b-r-f-h-c"
_EVENT_TAG = re.compile(r"<event\b")
_XML_DECLARATION = re.compile(r"<\?xml[^>]*\?>")
_FORBIDDEN_XML = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _cot_fields(event: ET.Element, default_source: Source) -> dict[str, Any]:
    """The Incident fields one CoT event gives; our ``<detail><__incident .../>`` wins."""
    cot_type = event.get("type", "")
    data: dict[str, Any] = {
        "id": event.get("uid"),
        "time": event.get("start") or event.get("time"),
        "source": default_source,
    }
    point = event.find("point")
    if point is not None:
        data["lon"], data["lat"] = point.get("lon"), point.get("lat")
    if cot_type.startswith(_COT_CASEVAC):
        data["type"] = IncidentType.CIVILIAN_HARM
    else:
        function = cot_type[4:] if cot_type.startswith("a-") else ""
        for prefix, weapon in _COT_WEAPONS:
            if function.startswith(prefix):
                data["type"], data["weapon_class"] = IncidentType.WEAPONS_SIGHTING, weapon
    detail = event.find("detail")
    if detail is None:
        return data
    extension = detail.find("__incident")
    if extension is not None:
        for key, value in extension.attrib.items():
            data[key] = tuple(v for v in value.split(";") if v) if key in _LIST_FIELDS else value
    remarks = detail.find("remarks")
    if remarks is not None and remarks.text and "description" not in data:
        data["description"] = remarks.text.strip()
    links = tuple(link.get("url", "") for link in detail.findall("link") if link.get("url"))
    if links:
        data["evidence"] = (*data.get("evidence", ()), *links)
    return data


def parse_cot(
    text: str, *, file: str = "<cot>", default_source: Source = Source.PATROL
) -> IntakeResult:
    """Read Cursor-on-Target events: one ``<event>``, a wrapper of events, or a stream of them.

    The incident type comes from ``<detail><__incident type=... />`` (which may
    also carry source, confidence, weapon_class, weapon_count, attributed_to,
    attribution_confidence, evidence), else from the CoT type: a weapon symbol
    (howitzer, rocket launcher, missile launcher, mortar, tank) is a
    ``weapons_sighting``; a CASEVAC request is ``civilian_harm``. The time is
    ``start`` (when observed), else ``time``. DTDs are refused, so no entity
    expansion or external fetch can happen.
    """
    if _FORBIDDEN_XML.search(text):
        raise InputError([Problem(file, "-", "a DTD or entity declaration", "CoT XML without DTD")])
    body = _XML_DECLARATION.sub("", text)
    try:
        root = ET.fromstring(f"<cot>{body}</cot>")
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(
            [Problem(file, f"line {line} column {column}", str(exc), "well-formed XML")]
        ) from None
    lines = [text.count("\n", 0, m.start()) + 1 for m in _EVENT_TAG.finditer(_strip_comments(text))]
    collector = _Collector()
    where = {
        "lon": "point@lon",
        "lat": "point@lat",
        "id": "@uid",
        "time": "@start",
        "type": "@type",
    }
    for index, event in enumerate(root.iter("event")):
        location = f"line {lines[index]}" if index < len(lines) else f"event {index + 1}"
        data = _cot_fields(event, default_source)
        if "type" not in data:
            collector.rejected.append(
                Problem(
                    file,
                    f"{location}, @type",
                    repr(event.get("type")),
                    "an incident: <__incident type=...>",
                )
            )
            continue
        collector.validate(data, file, location, where)
    return collector.result()


def _strip_comments(text: str) -> str:
    """Blank out XML comments, keeping offsets, so commented-out events shift no line number."""
    return re.sub(r"<!--.*?-->", lambda m: " " * len(m.group()), text, flags=re.DOTALL)


def read_cot(path: Path | str, *, default_source: Source = Source.PATROL) -> IntakeResult:
    """Read a file of Cursor-on-Target events (see ``parse_cot``)."""
    path = Path(path)
    return parse_cot(_read_text(path), file=str(path), default_source=default_source)


#: Incident fields a CSV must give (a column each, or a default) for a report to be read.
_REQUIRED_FIELDS = sorted(
    name for name, info in Incident.model_fields.items() if info.is_required()
)


def parse_columns(text: str, *, option: str = "--columns") -> dict[str, str]:
    """A column mapping written ``field=column,field=column`` (e.g. ``time=reported_at,lon=x``).

    ``InputError`` names every pair that is malformed or names no ``Incident`` field.
    """
    mapping: dict[str, str] = {}
    problems: list[Problem] = []
    fields = sorted(Incident.model_fields)
    for pair in (p.strip() for p in text.split(",")):
        field, equals, column = (part.strip() for part in pair.partition("="))
        if not pair:
            continue
        if not equals or not field or not column:
            problems.append(Problem(option, "-", repr(pair), "field=column"))
        elif field not in Incident.model_fields:
            problems.append(Problem(option, "-", repr(field), f"an incident field: {fields}"))
        else:
            mapping[field] = column
    if problems:
        raise InputError(problems)
    return mapping


def read_jsonl(path: Path | str) -> IntakeResult:
    """Read JSON Lines, one incident object a line (the incident store's own format)."""
    path = Path(path)
    file = str(path)
    collector = _Collector()
    where = {f: f for f in Incident.model_fields}
    # split on "\n" only: str.splitlines also breaks at U+2028 and U+0085, which JSON leaves raw
    for number, line in enumerate(_read_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        location = f"line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            collector.rejected.append(Problem(file, location, exc.msg, "a JSON object"))
            continue
        if not isinstance(data, dict):
            collector.rejected.append(Problem(file, location, type(data).__name__, "a JSON object"))
            continue
        collector.validate(data, file, location, where)
    return collector.result()


#: File name endings each reader takes; a CSV with UCDP columns goes to the UCDP reader.
INTAKE_FORMATS: Mapping[str, str] = {
    ".csv": "CSV (or UCDP GED, recognised by its header)",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".xml": "Cursor-on-Target",
    ".cot": "Cursor-on-Target",
    ".jsonl": "JSON Lines (incident store)",
    ".ndjson": "JSON Lines (incident store)",
}


def read_incident_file(
    path: Path | str,
    *,
    columns: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> IntakeResult:
    """Read one file with the reader its extension names (see ``INTAKE_FORMATS``).

    ``columns`` and ``defaults`` apply to plain CSV files (see ``read_csv``).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header = _read_text(path).partition("\n")[0]
        if "type_of_violence" in header:
            return read_ucdp_ged(path)
        return read_csv(path, columns=columns, defaults=defaults)
    if suffix in {".geojson", ".json"}:
        return read_geojson(path, defaults=defaults)
    if suffix in {".xml", ".cot"}:
        return read_cot(path)
    if suffix in {".jsonl", ".ndjson"}:
        return read_jsonl(path)
    raise InputError(
        [Problem(str(path), "-", suffix or "no extension", ", ".join(sorted(INTAKE_FORMATS)))]
    )


def read_incidents(
    paths: Iterable[Path | str],
    *,
    columns: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> IntakeResult:
    """Read several files, choosing the reader by extension, and merge them idempotently."""
    return merge_intake(*(read_incident_file(p, columns=columns, defaults=defaults) for p in paths))
