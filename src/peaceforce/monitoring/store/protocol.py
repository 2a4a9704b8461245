"""The incident store interface every backend implements (JSON Lines file, memory, SQL).

A store holds accepted reports by id. Appending is idempotent: a report whose
id is held with the same content is *present*, one held with other content is a
*conflict* and is not stored, never merged or overwritten. Backends differ in
where they keep reports, not in what they answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

import numpy as np
import shapely
from pydantic import Field, field_validator
from shapely.geometry.base import BaseGeometry

from peaceforce.geo.geojson import Geometry
from peaceforce.monitoring.incidents import Incident, IncidentType
from peaceforce.results import Result


class IncidentQuery(Result):
    """Which reports to return; every criterion is optional and they all apply together.

    ``start`` is inclusive and ``end`` exclusive (UTC; naive times are UTC). ``area``
    is a lon/lat Polygon or MultiPolygon; a report on its boundary is inside.
    """

    start: datetime | None = None
    end: datetime | None = None
    area: Geometry | None = None
    types: frozenset[IncidentType] | None = Field(default=None, description="any of these")

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @field_validator("area")
    @classmethod
    def _polygonal(cls, value: BaseGeometry | None) -> BaseGeometry | None:
        if value is not None and value.geom_type not in {"Polygon", "MultiPolygon"}:
            raise ValueError(f"a Polygon or MultiPolygon, got {value.geom_type}")
        return value

    @classmethod
    def within_bbox(
        cls, west: float, south: float, east: float, north: float, **criteria: Any
    ) -> IncidentQuery:
        """A query over a lon/lat bounding box (and any other ``criteria``)."""
        return cls(area=shapely.box(west, south, east, north), **criteria)

    def select(self, incidents: Sequence[Incident]) -> tuple[Incident, ...]:
        """The incidents that match, in their order: how a backend without an index filters."""
        keep = np.ones(len(incidents), dtype=bool)
        if self.start is not None or self.end is not None:
            times = [i.time for i in incidents]
            if self.start is not None:
                keep &= np.array([t >= self.start for t in times], dtype=bool)
            if self.end is not None:
                keep &= np.array([t < self.end for t in times], dtype=bool)
        if self.types is not None:
            keep &= np.array([i.type in self.types for i in incidents], dtype=bool)
        if self.area is not None and len(incidents):
            shapely.prepare(self.area)
            keep &= shapely.intersects_xy(
                self.area, [i.lon for i in incidents], [i.lat for i in incidents]
            )
        return tuple(i for i, kept in zip(incidents, keep, strict=True) if kept)


class AppendResult(Result):
    """What one append did, by report id, in the order given."""

    added: tuple[str, ...] = ()
    present: tuple[str, ...] = Field(default=(), description="held already, same content")
    conflicts: tuple[str, ...] = Field(
        default=(), description="held already with other content: not stored"
    )
    notes: tuple[str, ...] = Field(
        default=(), description="what the store did besides appending, e.g. a torn line set aside"
    )


def sort_batch(
    incidents: Sequence[Incident], held: Callable[[str], Incident | None]
) -> tuple[list[Incident], AppendResult]:
    """Split a batch into the reports to add and what the append answers, by id.

    ``held`` looks an id up in the store; a batch that repeats an id is judged
    against its own first copy, as if that had been stored already.
    """
    new: dict[str, Incident] = {}
    present: list[str] = []
    conflicts: list[str] = []
    for incident in incidents:
        known = new.get(incident.id) or held(incident.id)
        if known is None:
            new[incident.id] = incident
        elif known == incident:
            present.append(incident.id)
        else:
            conflicts.append(incident.id)
    return list(new.values()), AppendResult(
        added=tuple(new), present=tuple(present), conflicts=tuple(conflicts)
    )


@runtime_checkable
class IncidentStore(Protocol):
    """Where accepted reports are kept: appended in batches, read by id or by query."""

    @property
    def location(self) -> str:
        """Where the store is, for messages (a path; a database URL without credentials)."""
        ...

    def append(self, incidents: Sequence[Incident]) -> AppendResult:
        """Add a batch idempotently by id; durable once this returns."""
        ...

    def get(self, incident_id: str) -> Incident | None:
        """The report with this id, if held."""
        ...

    def query(self, query: IncidentQuery | None = None) -> tuple[Incident, ...]:
        """The reports that match (all of them without a query), in the order accepted."""
        ...

    def count(self, query: IncidentQuery | None = None) -> int:
        """How many reports match (all of them without a query)."""
        ...
