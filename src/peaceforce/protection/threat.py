"""The threat layer: which weapon classes reach a position from behind the line, and a risk score.

A class fired from behind the line of contact (or behind another origin, such as
Russia's border) reaches ``range_km - standoff_km`` past it. The risk score of a
position adds, for every class that reaches it, the class's severity times how
deep inside its reach the position lies (1 at the line, 0 at the edge), and
scales the sum so that 100 means "at the line, within reach of every class".
Russia called the force a legitimate target, so every base, area and unit
position of the mission gets a score, not only the cities.
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
from peaceforce.scenario.model import Area, Scenario
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
    """Something to score: a point, or a scenario area measured as sourcing measures it."""

    id: str
    name: str
    kind: PositionKind
    lon: float
    lat: float
    area: Area | None = None


def area_position(area: Area, kind: PositionKind = PositionKind.AREA, **names: str) -> Position:
    """A position for a scenario area, placed at its centre for display."""
    lon, lat = area_centre(area)
    return Position(
        id=names.get("id", area.id),
        name=names.get("name", area.name),
        kind=kind,
        lon=round(lon, 4),
        lat=round(lat, 4),
        area=area,
    )


def assess_threat(
    scenario: Scenario,
    frontier: Frontier,
    classes: Sequence[ThreatClass],
    positions: Sequence[Position],
) -> ThreatReport:
    """Score every position against every class."""
    points = [p for p in positions if p.area is None]
    to_line = frontier.line_km([p.lon for p in points], [p.lat for p in points])
    to_threat, origins = frontier.threat_km([p.lon for p in points], [p.lat for p in points])
    measured: dict[str, tuple[float, float, str]] = {
        p.id: (float(a), float(b), o)
        for p, a, b, o in zip(points, to_line, to_threat, origins, strict=True)
    }
    for position in positions:
        if position.area is not None:
            measured[position.id] = frontier.area_km(scenario, position.area)
    distances = np.array([measured[p.id][1] for p in positions], dtype=float)
    risks = risk_scores(distances, classes)
    scored = tuple(
        PositionThreat(
            id=p.id,
            name=p.name,
            kind=p.kind,
            lon=p.lon,
            lat=p.lat,
            distance_to_line_km=round(measured[p.id][0], 1),
            distance_to_threat_km=round(measured[p.id][1], 1),
            nearest_origin=measured[p.id][2],
            classes=classes_reaching(measured[p.id][1], classes),
            risk=float(risk),
        )
        for p, risk in zip(positions, risks, strict=True)
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
