"""Adjudication: which clauses each incident breaches, and which reports are one event.

Everything is columnar and vectorised so that a million reports against
hundreds of zones takes seconds: incidents are projected once into
``METRIC_CRS``; the distance to the line of contact comes from an STRtree of its
segments (exact nearest distance, not a buffered polygon), searched no farther
than any clause looks; then each clause tests its own breaches over the columns
(see ``peaceforce.monitoring.agreement.clauses``).

Edges: a limit of N km is breached strictly inside it. A point exactly N km
from the line (within 1 mm, far below any report's precision) complies, as
Minsk-II's "at least 50 km" reads.

Labels: a finding carries the combined label of its report and the agreement,
an event that of its reports and the agreement, the adjudication that of
everything it was computed from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import BaseModel, Field

from peaceforce.labels import Label, combine_labels
from peaceforce.monitoring.agreement import BreachContext, ClauseBreaches, CompiledZones
from peaceforce.monitoring.arrays import (
    INCIDENT_TYPES,
    NO_CODE,
    IncidentArrays,
    contains,
    distance_to_line_km,
)
from peaceforce.monitoring.incidents import FIRE_TYPES, Incident, IncidentType, WeaponClass
from peaceforce.results import Result, StageResult, run_key


@dataclass(frozen=True)
class BreachTable:
    """Breaches as columns, a row per (incident, clause); ``zone`` indexes the compiled zones."""

    incident: NDArray[np.int64]
    clause: NDArray[np.int32]
    zone: NDArray[np.int32]
    distance_km: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.incident)

    def sorted(self) -> BreachTable:
        """Rows ordered by incident, then clause: a canonical order to compare results."""
        order = np.lexsort((self.zone, self.clause, self.incident))
        return BreachTable(
            self.incident[order], self.clause[order], self.zone[order], self.distance_km[order]
        )


def adjudicate_arrays(zones: CompiledZones, incidents: IncidentArrays) -> BreachTable:
    """Every (incident, clause) breach, vectorised over incidents, clause by clause.

    Raises
    ------
    InputError
        When a clause needs the sides of the line and the zones were compiled on a
        line alone (see ``CompiledZones.require_sides``).
    """
    zones.require_sides()
    agreement = zones.agreement
    points = shapely.points(incidents.x, incidents.y)
    context = BreachContext(
        incidents=incidents,
        points=points,
        line_km=distance_to_line_km(zones.line, points, zones.line_reach_km()),
        occupied=zones.occupied,
        parties=agreement.parties,
    )
    in_period = incidents.between(agreement.period.start, agreement.period.end)
    found: list[tuple[int, ClauseBreaches]] = []
    for clause_no, (clause, own) in enumerate(
        zip(agreement.clauses, zones.zones_by_clause, strict=True)
    ):
        candidate = in_period & incidents.type_mask(clause.types)
        found.append((clause_no, clause.breaches(context, candidate, own)))
    return BreachTable(  # an agreement has one clause at least: nothing to concatenate is none
        incident=np.concatenate([b.rows for _, b in found]).astype(np.int64),
        clause=np.concatenate([np.full(len(b.rows), n, dtype=np.int32) for n, b in found]),
        zone=np.concatenate([b.zone for _, b in found]).astype(np.int32),
        distance_km=np.concatenate([b.distance_km for _, b in found]).astype(np.float64),
    ).sorted()


# --- correlation of reports into events ---------------------------------------------


class Correlation(Result):
    """When two reports are the same event: this close in space and time, same kind of event."""

    distance_km: float = Field(default=2.0, gt=0)
    minutes: float = Field(default=30.0, ge=0)


DEFAULT_CORRELATION = Correlation()


def _family(type_code: NDArray[np.int16]) -> NDArray[np.int16]:
    """Fire reports are one family (a patrol's "explosion" is a drone's "artillery")."""
    fire = np.isin(type_code, [INCIDENT_TYPES.index(t) for t in FIRE_TYPES])
    return np.where(fire, np.int16(NO_CODE), type_code).astype(np.int16)


def _close_pairs(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    t: NDArray[np.int64],
    metres: float,
    seconds: float,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """All pairs i < j within ``metres`` and ``seconds`` of each other, via a space-time grid.

    Each report falls in a cell of metres x metres x seconds; only reports in the
    same or adjacent cells can be close, so the work grows with the pairs found,
    not with n squared.
    """
    seconds = max(seconds, 1.0)
    cells = [
        np.floor(v / size).astype(np.int64) for v, size in ((x, metres), (y, metres), (t, seconds))
    ]
    cells = [c - c.min() + 1 for c in cells]  # +1 leaves room for the -1 neighbour
    nx, ny = int(cells[0].max()) + 2, int(cells[1].max()) + 2
    if nx * ny * (int(cells[2].max()) + 2) >= 2**62:
        raise ValueError("correlation thresholds too small for the extent of the reports")
    key = (cells[2] * ny + cells[1]) * nx + cells[0]
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    lefts, rights = [], []
    offsets = {
        (dt * ny + dy) * nx + dx for dt in (-1, 0, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
    }
    for offset in sorted(o for o in offsets if o >= 0):  # each pair of cells once
        low = np.searchsorted(sorted_key, sorted_key + offset, side="left")
        high = np.searchsorted(sorted_key, sorted_key + offset, side="right")
        counts = high - low
        source = np.repeat(np.arange(len(key)), counts)
        target = (
            np.repeat(low, counts)
            + np.arange(int(counts.sum()))
            - np.repeat(np.cumsum(counts) - counts, counts)
        )
        if offset == 0:
            source, target = source[source < target], target[source < target]
        lefts.append(order[source])
        rights.append(order[target])
    left, right = np.concatenate(lefts), np.concatenate(rights)
    close = np.hypot(x[left] - x[right], y[left] - y[right]) <= metres
    close &= np.abs(t[left] - t[right]) <= seconds
    left, right = left[close], right[close]
    return np.minimum(left, right), np.maximum(left, right)


def correlate(
    incidents: IncidentArrays, correlation: Correlation = DEFAULT_CORRELATION
) -> NDArray[np.int64]:
    """The event of each report: connected components of close pairs (single linkage).

    The label of an event is the index of its first report.
    """
    n = len(incidents)
    event_of = np.arange(n, dtype=np.int64)
    if n < 2:
        return event_of
    left, right = _close_pairs(
        incidents.x,
        incidents.y,
        incidents.t,
        correlation.distance_km * 1000.0,
        correlation.minutes * 60.0,
    )
    family = _family(incidents.type_code)
    same = family[left] == family[right]
    left, right = left[same], right[same]
    while True:  # hook the larger root under the smaller, then jump pointers to the roots
        low = np.minimum(event_of[left], event_of[right])
        high = np.maximum(event_of[left], event_of[right])
        moving = low != high
        if not moving.any():
            return event_of
        np.minimum.at(event_of, high[moving], low[moving])
        while True:
            jumped = event_of[event_of]
            if np.array_equal(jumped, event_of):
                break
            event_of = jumped


# --- typed results ------------------------------------------------------------------


class Breach(Result):
    """One clause an incident breaches, with the distance that decided it."""

    clause_id: str
    kind: str
    zone_id: str | None = None
    distance_km: float | None = Field(
        default=None,
        description="to the line; to the site for protected sites; to the edge of a maritime "
        "zone, inside it",
    )


class Finding(Result):
    """An incident as adjudicated: what it breaches and which event it belongs to."""

    incident_id: str
    event_id: str
    time: datetime
    lon: float
    lat: float
    type: IncidentType
    weapon_class: WeaponClass | None = None
    weapon_count: int | None = None
    distance_to_line_km: float | None
    occupied_side: bool
    attributed_to: str | None = None
    attribution_confidence: float | None = None
    breaches: tuple[Breach, ...] = ()
    label: Label = Field(description="the report's label combined with the agreement's")


class Event(Result):
    """Several reports of one event, with confidence and attribution combined.

    Confidence is 1 - prod(1 - c) over the reports, as for independent sources.
    Attribution goes to the party with the most confidence-weighted reports; its
    confidence is the agreeing reports' combined confidence times that party's
    share of the weight, so conflicting reports lower it.
    """

    id: str
    incident_ids: tuple[str, ...]
    time: datetime
    lon: float
    lat: float
    confidence: float
    attributed_to: str | None = None
    attribution_confidence: float | None = None
    label: Label = Field(description="its reports' labels combined with the agreement's")


class Adjudication(StageResult):
    """Findings for every incident and the events they form; serialises to JSON and back."""

    agreement_id: str
    correlation: Correlation
    findings: tuple[Finding, ...]
    events: tuple[Event, ...]
    label: Label = Field(description="the agreement's and every report's labels combined")

    def violations(self) -> tuple[Finding, ...]:
        """Findings that breach at least one clause."""
        return tuple(f for f in self.findings if f.breaches)


class _Labels:
    """Combines labels; a day's reports carry a handful of distinct ones, so each set once."""

    def __init__(self, base: Label) -> None:
        self.base = base
        self.combined: dict[frozenset[Label], Label] = {}

    def of(self, labels: Iterable[Label]) -> Label:
        key = frozenset([self.base, *labels])
        if key not in self.combined:
            self.combined[key] = combine_labels(key)
        return self.combined[key]


def _combine(confidences: NDArray[np.float64]) -> float:
    return float(1.0 - np.prod(1.0 - np.clip(confidences, 0.0, 1.0)))


def _event(members: Sequence[Incident], event_id: str, label: Label) -> Event:
    weights: dict[str, list[float]] = {}
    for incident in members:
        if incident.attributed_to is not None:
            weight = (
                incident.attribution_confidence
                if incident.attribution_confidence is not None
                else 0.5
            )
            weights.setdefault(incident.attributed_to, []).append(weight)
    attributed_to: str | None = None
    attribution: float | None = None
    if weights:
        attributed_to = max(weights, key=lambda p: (sum(weights[p]), p))
        total = sum(sum(w) for w in weights.values())
        share = sum(weights[attributed_to]) / total if total > 0 else 0.0
        attribution = _combine(np.array(weights[attributed_to])) * share
    confidence = np.array([m.confidence for m in members])
    return Event(
        id=event_id,
        incident_ids=tuple(m.id for m in members),
        time=min(m.time for m in members),
        lon=float(np.average([m.lon for m in members], weights=confidence + 1e-9)),
        lat=float(np.average([m.lat for m in members], weights=confidence + 1e-9)),
        confidence=_combine(confidence),
        attributed_to=attributed_to,
        attribution_confidence=attribution,
        label=label,
    )


def monitoring_run_key(
    zones: CompiledZones, incidents: Sequence[Incident], settings: Mapping[str, Any]
) -> str:
    """Run key of a monitoring result: the agreement, line, sides and sites it was judged
    against, every report it read, its settings and the code version.

    The compiled zones follow from those, so they are not hashed themselves.
    """
    content = {
        "zones": zones.model_dump(mode="json", exclude={"zones"}),
        "incidents": [incident.model_dump(mode="json") for incident in incidents],
    }
    plain_settings = {
        key: value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        for key, value in settings.items()
    }
    return run_key(content, plain_settings)


def adjudicate(
    zones: CompiledZones,
    incidents: Sequence[Incident],
    correlation: Correlation = DEFAULT_CORRELATION,
) -> Adjudication:
    """Adjudicate typed incidents against compiled zones and correlate them into events."""
    agreement = zones.agreement
    arrays = IncidentArrays.from_incidents(incidents, [p.id for p in agreement.parties])
    table = adjudicate_arrays(zones, arrays)
    event_of = correlate(arrays, correlation)
    points = shapely.points(arrays.x, arrays.y)
    # the table stops measuring at the farthest any clause looks; here every distance is exact
    line_km = distance_to_line_km(zones.line, points)
    occupied = contains(zones.occupied, arrays.x, arrays.y)
    breaches: list[list[Breach]] = [[] for _ in incidents]
    for row, clause_no, zone_no, km in zip(
        table.incident, table.clause, table.zone, table.distance_km, strict=True
    ):
        clause = agreement.clauses[clause_no]
        zone = zones.zones[zone_no] if zone_no != NO_CODE else None
        breaches[row].append(
            Breach(
                clause_id=clause.id,
                kind=clause.kind,
                zone_id=zone.id if zone is not None else None,
                distance_km=clause.finding_distance_km(
                    zone, points[row], float(km), float(line_km[row])
                ),
            )
        )
    labels = _Labels(agreement.label)
    event_ids = {int(e): f"event-{incidents[int(e)].id}" for e in np.unique(event_of)}
    findings = tuple(
        Finding(
            incident_id=incident.id,
            event_id=event_ids[int(event_of[i])],
            time=incident.time,
            lon=incident.lon,
            lat=incident.lat,
            type=incident.type,
            weapon_class=incident.weapon_class,
            weapon_count=incident.weapon_count,
            distance_to_line_km=float(line_km[i]) if np.isfinite(line_km[i]) else None,
            occupied_side=bool(occupied[i]),
            attributed_to=incident.attributed_to,
            attribution_confidence=incident.attribution_confidence,
            breaches=tuple(breaches[i]),
            label=labels.of([incident.label]),
        )
        for i, incident in enumerate(incidents)
    )
    members: dict[int, list[Incident]] = {}
    for i, incident in enumerate(incidents):
        members.setdefault(int(event_of[i]), []).append(incident)
    events = tuple(
        _event(group, event_ids[e], labels.of(m.label for m in group))
        for e, group in members.items()
    )
    return Adjudication(
        agreement_id=agreement.id,
        correlation=correlation,
        findings=findings,
        events=events,
        label=labels.of(i.label for i in incidents),
        run_key=monitoring_run_key(zones, incidents, {"correlation": correlation}),
    )
