"""Incidents as columns, and the vectorised tests clauses and adjudication are built from.

A million reports are adjudicated as numpy columns, never one Python object at a
time: positions projected once into ``METRIC_CRS``, times as epoch seconds, and
enums and parties as small integer codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from peaceforce.geo.crs import lonlat_to_metric
from peaceforce.monitoring.incidents import Incident, IncidentType, WeaponClass

#: Incident types and weapon classes by code: a code is the index in these lists.
INCIDENT_TYPES = list(IncidentType)
WEAPON_CLASSES = list(WeaponClass)
#: The code of "none": no weapon class, no known party, no zone.
NO_CODE = -1
#: A limit of N km is breached strictly inside N km less this (1 mm, far below any
#: report's precision): a point exactly N km away complies.
EDGE_M = 1e-3


def epoch(moment: datetime) -> int:
    """Seconds since 1970 (UTC), the time column's unit."""
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
            t=np.array([epoch(i.time) for i in incidents], dtype=np.int64),
            type_code=np.array([INCIDENT_TYPES.index(i.type) for i in incidents], dtype=np.int16),
            weapon_code=np.array(
                [
                    WEAPON_CLASSES.index(i.weapon_class) if i.weapon_class else NO_CODE
                    for i in incidents
                ],
                dtype=np.int16,
            ),
            party_code=np.array(
                [
                    party_index.get(i.attributed_to, NO_CODE) if i.attributed_to else NO_CODE
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
        return np.isin(self.type_code, [INCIDENT_TYPES.index(t) for t in types])

    def weapon_mask(self, weapon: WeaponClass) -> NDArray[np.bool_]:
        """Which incidents are sightings of this weapon class."""
        return np.asarray(self.weapon_code == WEAPON_CLASSES.index(weapon), dtype=bool)

    def between(self, start: datetime, end: datetime | None) -> NDArray[np.bool_]:
        """Which incidents happened from ``start`` (inclusive) to ``end`` (exclusive, or never)."""
        mask = self.t >= epoch(start)
        if end is not None:
            mask &= self.t < epoch(end)
        return np.asarray(mask, dtype=bool)


def inside(limit_km: float, distance_km: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Which distances are strictly inside a limit (see ``EDGE_M``)."""
    return np.asarray(distance_km * 1000.0 < limit_km * 1000.0 - EDGE_M, dtype=bool)


def contains(
    area: BaseGeometry, x: NDArray[np.float64], y: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Which points lie inside an area (its boundary is outside), prepared once."""
    shapely.prepare(area)
    return np.asarray(shapely.contains_xy(area, x, y), dtype=bool)


def line_segments(line: BaseGeometry) -> NDArray[np.object_]:
    """A line as two-point segments, so an STRtree finds the nearest one quickly."""
    segments = []
    for part in shapely.get_parts(line):
        coords = shapely.get_coordinates(part)
        if len(coords) >= 2:
            pairs = np.stack([coords[:-1], coords[1:]], axis=1)
            segments.append(shapely.linestrings(pairs))
    return np.concatenate(segments) if segments else np.array([], dtype=object)


def distance_to_line_km(
    line: BaseGeometry, points: NDArray[np.object_], cap_km: float | None = None
) -> NDArray[np.float64]:
    """Exact distance (km) from metric points to a metric line.

    Beyond ``cap_km`` (when given) the distance is ``inf``: the search stops
    there, which makes millions of points affordable.
    """
    segments = line_segments(line)
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
