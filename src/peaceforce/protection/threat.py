"""The threat layer: which weapon classes reach a position from behind the line, and a risk score.

A class fired from behind the line of contact (or behind another origin, such as
Russia's border) reaches ``range_km - standoff_km`` past it. The risk score of a
position adds, for every class that reaches it, the class's severity times how
deep inside its reach the position lies (1 at the line, 0 at the edge), and
scales the sum so that 100 means "at the line, within reach of every class".
Russia called the force a legitimate target, so every base, area and unit
position of the mission gets a score, not only the cities. Every position is
measured from its own point: an area from its centre, a unit from where it
stands (an air-defence unit at its site, an aircraft at the base it flies
from), never from the nearest edge of the area it serves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from peaceforce.protection.data import ThreatClass
from peaceforce.protection.geometry import Floats, Frontier
from peaceforce.protection.result import (
    PositionKind,
    PositionThreat,
    ThreatClassSummary,
    ThreatReport,
)
from peaceforce.scenario.model import Area
from peaceforce.sourcing.candidates import area_centre


def risk_scores(distance_km: Floats, classes: Sequence[ThreatClass]) -> Floats:
    """Risk (0-100) at each distance past the nearest origin."""
    distance = np.asarray(distance_km, dtype=float)
    total = sum(c.severity for c in classes)
    if total == 0:
        return np.zeros(distance.shape)
    score = np.zeros(distance.shape)
    for threat in classes:
        score += threat.severity * np.clip(1.0 - distance / threat.reach_km, 0.0, 1.0)
    return np.round(100.0 * score / total, 2)


def classes_reaching(distance_km: float, classes: Sequence[ThreatClass]) -> tuple[str, ...]:
    """Ids of the classes whose reach past the origin covers this distance."""
    return tuple(c.id for c in classes if distance_km <= c.reach_km)


@dataclass(frozen=True)
class Position:
    """Something to score, at the point it is measured from."""

    id: str
    name: str
    kind: PositionKind
    lon: float
    lat: float


def area_position(area: Area, kind: PositionKind = PositionKind.AREA, **names: str) -> Position:
    """A position at the centre of a scenario area."""
    lon, lat = area_centre(area)
    return Position(
        id=names.get("id", area.id),
        name=names.get("name", area.name),
        kind=kind,
        lon=round(lon, 4),
        lat=round(lat, 4),
    )


def assess_threat(
    frontier: Frontier, classes: Sequence[ThreatClass], positions: Sequence[Position]
) -> ThreatReport:
    """Score every position against every class, measured from its point."""
    lon, lat = [p.lon for p in positions], [p.lat for p in positions]
    to_line = frontier.line_km(lon, lat)
    to_threat, origins = frontier.threat_km(lon, lat)
    risks = risk_scores(to_threat, classes)
    scored = tuple(
        PositionThreat(
            id=p.id,
            name=p.name,
            kind=p.kind,
            lon=p.lon,
            lat=p.lat,
            distance_to_line_km=round(float(d_line), 1),
            distance_to_threat_km=round(float(d_threat), 1),
            nearest_origin=origin,
            classes=classes_reaching(float(d_threat), classes),
            risk=float(risk),
        )
        for p, d_line, d_threat, origin, risk in zip(
            positions, to_line, to_threat, origins, risks, strict=True
        )
    )
    return ThreatReport(
        classes=tuple(
            ThreatClassSummary(
                id=c.id, name=c.name, range_km=c.range_km, reach_km=c.reach_km, severity=c.severity
            )
            for c in classes
        ),
        positions=scored,
    )
