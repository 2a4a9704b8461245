"""Adjudication: which clauses each incident breaches, and which reports are one event.

Everything is columnar and vectorised so that a million reports against
hundreds of zones takes seconds: incidents are projected once into
``METRIC_CRS``; the distance to the line of contact comes from an STRtree of its
segments (exact nearest distance, not a buffered polygon); protected sites are
an STRtree of points; sides and maritime zones use prepared point-in-polygon.

Edges: a limit of N km is breached strictly inside it. A point exactly N km
from the line (within 1 mm, far below any report's precision) complies, as
Minsk-II's "at least 50 km" reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import Field
from shapely.geometry.base import BaseGeometry

from peaceforce.geo.crs import lonlat_to_metric
from peaceforce.monitoring.agreement import (
    CompiledZones,
    DemilitarisedBuffer,
    HeavyWeaponWithdrawal,
    NoFireAcrossLine,
    NoNavalAttacks,
    ProtectedSites,
    Side,
    WindowOfSilence,
    ZoneKind,
)
from peaceforce.monitoring.incidents import FIRE_TYPES, Incident, IncidentType, WeaponClass
from peaceforce.results import Result

_EDGE_M = 1e-3
_TYPES = list(IncidentType)
_WEAPONS = list(WeaponClass)
_NONE = -1


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass(frozen=True)
class IncidentArrays:
    """Incidents as columns: metric x/y (m), epoch seconds, codes into the enums and parties."""

    ids: NDArray[np.str_]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    t: NDArray[np.int64]
    type_code: NDArray[np.int16]
    weapon_code: NDArray[np.int16]
    party_code: NDArray[np.int16]
    confidence: NDArray[np.float64]
    attribution_confidence: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.x)

    @classmethod
    def from_incidents(
        cls, incidents: Sequence[Incident], party_ids: Sequence[str]
    ) -> IncidentArrays:
        """Columns of typed incidents; ``party_ids`` fixes the party codes (unknown parties: -1)."""
        party_index = {p: i for i, p in enumerate(party_ids)}
        x, y = lonlat_to_metric([i.lon for i in incidents], [i.lat for i in incidents])
        return cls(
            ids=np.array([i.id for i in incidents], dtype=np.str_),
            x=x,
            y=y,
            t=np.array([_epoch(i.time) for i in incidents], dtype=np.int64),
            type_code=np.array([_TYPES.index(i.type) for i in incidents], dtype=np.int16),
            weapon_code=np.array(
                [_WEAPONS.index(i.weapon_class) if i.weapon_class else _NONE for i in incidents],
                dtype=np.int16,
            ),
            party_code=np.array(
                [
                    party_index.get(i.attributed_to, _NONE) if i.attributed_to else _NONE
                    for i in incidents
                ],
                dtype=np.int16,
            ),
            confidence=np.array([i.confidence for i in incidents], dtype=np.float64),
            attribution_confidence=np.array(
                [
                    i.attribution_confidence if i.attribution_confidence is not None else np.nan
                    for i in incidents
                ],
                dtype=np.float64,
            ),
        )

    def type_mask(self, types: frozenset[IncidentType]) -> NDArray[np.bool_]:
        """Which incidents are of one of these types."""
        return np.isin(self.type_code, [_TYPES.index(t) for t in types])


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


def _line_segments(line: BaseGeometry) -> NDArray[np.object_]:
    """The line as two-point segments, so an STRtree finds the nearest one quickly."""
    segments = []
    for part in shapely.get_parts(line):
        coords = shapely.get_coordinates(part)
        if len(coords) >= 2:
            pairs = np.stack([coords[:-1], coords[1:]], axis=1)
            segments.append(shapely.linestrings(pairs))
    return np.concatenate(segments) if segments else np.array([], dtype=object)


def distance_to_line_km(
    zones: CompiledZones, points: NDArray[np.object_], cap_km: float | None = None
) -> NDArray[np.float64]:
    """Exact distance (km) from metric points to the line of contact.

    Beyond ``cap_km`` (when given) the distance is ``inf``: the search stops
    there, which makes millions of points affordable.
    """
    segments = _line_segments(zones.line)
    distance = np.full(len(points), np.inf)
    if len(segments) == 0 or len(points) == 0:
        return distance
    tree = shapely.STRtree(segments)
    cap = None if cap_km is None else cap_km * 1000.0
    (where, _), metres = tree.query_nearest(
        points, max_distance=cap, return_distance=True, all_matches=False
    )
    distance[where] = metres / 1000.0
    return distance


def _line_cap_km(zones: CompiledZones) -> float:
    """The farthest from the line any zone reaches: no clause needs a distance beyond it."""
    limits = [
        z.limit_km for z in zones.zones if z.limit_km is not None and z.kind is not ZoneKind.SITE
    ]
    return max(limits, default=0.0)


def _inside(limit_km: float, distance_km: NDArray[np.float64]) -> NDArray[np.bool_]:
    return distance_km * 1000.0 < limit_km * 1000.0 - _EDGE_M


def adjudicate_arrays(zones: CompiledZones, incidents: IncidentArrays) -> BreachTable:
    """Every (incident, clause) breach, vectorised over incidents, clause by clause."""
    agreement = zones.agreement
    n = len(incidents)
    in_period = incidents.t >= _epoch(agreement.period.start)
    if agreement.period.end is not None:
        in_period &= incidents.t < _epoch(agreement.period.end)
    points = shapely.points(incidents.x, incidents.y)
    line_km = distance_to_line_km(zones, points, _line_cap_km(zones))
    zone_index = {z.id: i for i, z in enumerate(zones.zones)}
    parts: list[tuple[NDArray[np.int64], int, NDArray[np.int32], NDArray[np.float64]]] = []

    def add(
        clause_no: int,
        mask: NDArray[np.bool_],
        zone: int | NDArray[np.int32],
        km: NDArray[np.float64],
    ) -> None:
        rows = np.flatnonzero(mask)
        zone_column = np.broadcast_to(np.asarray(zone, dtype=np.int32), mask.shape)[rows]
        parts.append((rows, clause_no, zone_column, np.broadcast_to(km, mask.shape)[rows]))

    for clause_no, clause in enumerate(agreement.clauses):
        candidate = in_period & incidents.type_mask(clause.types)
        if isinstance(clause, NoFireAcrossLine):
            if clause.within_km is not None:
                candidate &= _inside(clause.within_km, line_km)
            occupied_side = _contains(zones.occupied, incidents.x, incidents.y)
            holds_occupied = np.array(
                [p.holds is Side.OCCUPIED for p in agreement.parties] + [False]
            )
            attributed = incidents.party_code != _NONE
            own_side = holds_occupied[incidents.party_code] == occupied_side
            add(clause_no, candidate & ~(attributed & own_side), zone_index[clause.id], line_km)
        elif isinstance(clause, DemilitarisedBuffer):
            add(
                clause_no,
                candidate & _inside(clause.width_km, line_km),
                zone_index[clause.id],
                line_km,
            )
        elif isinstance(clause, HeavyWeaponWithdrawal):
            for weapon in clause.security_zone_km:
                mask = candidate & (incidents.weapon_code == _WEAPONS.index(weapon))
                mask &= _inside(clause.each_side_km(weapon), line_km)
                add(clause_no, mask, zone_index[f"{clause.id}:{weapon.value}"], line_km)
        elif isinstance(clause, ProtectedSites):
            site_zones = [z for z in zones.zones if z.clause_id == clause.id]
            if site_zones:
                rows = np.flatnonzero(candidate)
                centres = shapely.centroid([z.geometry for z in site_zones])
                tree = shapely.STRtree(centres)
                (hit, site), metres = tree.query_nearest(
                    points[rows],
                    max_distance=clause.radius_km * 1000.0,
                    return_distance=True,
                    all_matches=False,
                )
                km = np.full(n, np.inf)
                km[rows[hit]] = metres / 1000.0
                zone_of = np.full(n, _NONE, dtype=np.int32)
                zone_of[rows[hit]] = [zone_index[site_zones[s].id] for s in site]
                add(clause_no, _inside(clause.radius_km, km), zone_of, km)
        elif isinstance(clause, NoNavalAttacks):
            zone = zones.zones[zone_index[clause.id]]
            add(
                clause_no,
                candidate & _contains(zone.geometry, incidents.x, incidents.y),
                zone_index[clause.id],
                line_km,
            )
        elif isinstance(clause, WindowOfSilence):
            during = np.zeros(n, dtype=bool)
            for window in clause.windows:
                during |= (incidents.t >= _epoch(window.start)) & (incidents.t < _epoch(window.end))
            add(clause_no, candidate & during, _NONE, line_km)
    if not parts:
        empty = np.array([], dtype=np.int64)
        return BreachTable(
            empty, empty.astype(np.int32), empty.astype(np.int32), empty.astype(np.float64)
        )
    return BreachTable(
        incident=np.concatenate([p[0] for p in parts]).astype(np.int64),
        clause=np.concatenate([np.full(len(p[0]), p[1], dtype=np.int32) for p in parts]),
        zone=np.concatenate([p[2] for p in parts]).astype(np.int32),
        distance_km=np.concatenate([p[3] for p in parts]).astype(np.float64),
    ).sorted()


def _contains(
    area: BaseGeometry, x: NDArray[np.float64], y: NDArray[np.float64]
) -> NDArray[np.bool_]:
    shapely.prepare(area)
    return np.asarray(shapely.contains_xy(area, x, y), dtype=bool)


# --- correlation of reports into events ---------------------------------------------


class Correlation(Result):
    """When two reports are the same event: this close in space and time, same kind of event."""

    distance_km: float = Field(default=2.0, gt=0)
    minutes: float = Field(default=30.0, ge=0)


DEFAULT_CORRELATION = Correlation()


def _family(type_code: NDArray[np.int16]) -> NDArray[np.int16]:
    """Fire reports are one family (a patrol's "explosion" is a drone's "artillery")."""
    fire = np.isin(type_code, [_TYPES.index(t) for t in FIRE_TYPES])
    return np.where(fire, np.int16(_NONE), type_code).astype(np.int16)


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
    """Label each report with its event: connected components of close pairs (single linkage).

    The label of an event is the index of its first report.
    """
    n = len(incidents)
    labels = np.arange(n, dtype=np.int64)
    if n < 2:
        return labels
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
        low = np.minimum(labels[left], labels[right])
        high = np.maximum(labels[left], labels[right])
        moving = low != high
        if not moving.any():
            return labels
        np.minimum.at(labels, high[moving], low[moving])
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped


# --- typed results ------------------------------------------------------------------


class Breach(Result):
    """One clause an incident breaches, with its distance to the line, site or zone."""

    clause_id: str
    kind: str
    zone_id: str | None = None
    distance_km: float | None = Field(
        default=None, description="to the line; to the site for protected sites"
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


class Adjudication(Result):
    """Findings for every incident and the events they form; serialises to JSON and back."""

    agreement_id: str
    correlation: Correlation
    findings: tuple[Finding, ...]
    events: tuple[Event, ...]

    def violations(self) -> tuple[Finding, ...]:
        """Findings that breach at least one clause."""
        return tuple(f for f in self.findings if f.breaches)


def _combine(confidences: NDArray[np.float64]) -> float:
    return float(1.0 - np.prod(1.0 - np.clip(confidences, 0.0, 1.0)))


def _event(members: Sequence[Incident], event_id: str) -> Event:
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
    )


def adjudicate(
    zones: CompiledZones,
    incidents: Sequence[Incident],
    correlation: Correlation = DEFAULT_CORRELATION,
) -> Adjudication:
    """Adjudicate typed incidents against compiled zones and correlate them into events."""
    agreement = zones.agreement
    arrays = IncidentArrays.from_incidents(incidents, [p.id for p in agreement.parties])
    table = adjudicate_arrays(zones, arrays)
    labels = correlate(arrays, correlation)
    line_km = distance_to_line_km(zones, shapely.points(arrays.x, arrays.y))
    occupied = _contains(zones.occupied, arrays.x, arrays.y)
    breaches: list[list[Breach]] = [[] for _ in incidents]
    for row, clause_no, zone_no, km in zip(
        table.incident, table.clause, table.zone, table.distance_km, strict=True
    ):
        clause = agreement.clauses[clause_no]
        # the table stops measuring at the widest zone; here every distance is exact
        near = km if isinstance(clause, ProtectedSites) else line_km[row]
        distance = float(near) if np.isfinite(near) else None
        if isinstance(clause, NoNavalAttacks):
            zone = zones.zones[zone_no].geometry
            point = shapely.Point(arrays.x[row], arrays.y[row])
            distance = float(zone.boundary.distance(point)) / 1000.0  # how far inside the zone
        breaches[row].append(
            Breach(
                clause_id=clause.id,
                kind=clause.kind,
                zone_id=zones.zones[zone_no].id if zone_no != _NONE else None,
                distance_km=distance,
            )
        )
    event_ids = {int(label): f"event-{incidents[int(label)].id}" for label in np.unique(labels)}
    findings = tuple(
        Finding(
            incident_id=incident.id,
            event_id=event_ids[int(labels[i])],
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
        )
        for i, incident in enumerate(incidents)
    )
    members: dict[int, list[Incident]] = {}
    for i, incident in enumerate(incidents):
        members.setdefault(int(labels[i]), []).append(incident)
    events = tuple(_event(group, event_ids[label]) for label, group in members.items())
    return Adjudication(
        agreement_id=agreement.id, correlation=correlation, findings=findings, events=events
    )
