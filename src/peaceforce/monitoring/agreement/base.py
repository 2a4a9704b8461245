"""The terms every agreement shares (parties, period, scope) and what every clause kind does.

A clause kind is one class: it compiles its zones, tests a breach over columns
of incidents, and describes its rule in a few words. Adjudication and
reports only call those methods, so a new kind of clause is one new class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal, Self

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from shapely.geometry.base import BaseGeometry

from peaceforce.monitoring.agreement.sites import Site
from peaceforce.monitoring.agreement.zones import Zone
from peaceforce.monitoring.arrays import IncidentArrays, contains
from peaceforce.monitoring.incidents import FIRE_TYPES, TIME_WINDOW, IncidentType, UtcTime

FROZEN = ConfigDict(frozen=True, extra="forbid")


#: The longest period an agreement may run, in days: no longer than ``TIME_WINDOW``.
MAX_DAYS = (TIME_WINDOW[1] - TIME_WINDOW[0]).days
#: The farthest any clause may reach from the line or a site, km: a band this wide around
#: any line in Ukraine (about 1,300 km across) already covers all of it; more is a typo.
MAX_KM = 1500.0
#: A clause distance in km: positive, finite, at most ``MAX_KM``.
Km = Annotated[float, Field(gt=0, le=MAX_KM, allow_inf_nan=False)]


class Side(StrEnum):
    """Which side of the line of contact a party holds."""

    OCCUPIED = "occupied"
    UNOCCUPIED = "unoccupied"


class Party(BaseModel):
    """A party to the agreement; ``id`` (its ISO 3166 alpha-3 code) is what incidents name."""

    model_config = FROZEN

    id: str = Field(min_length=1, pattern=r"^[A-Z0-9_]+$")
    name: str
    holds: Side

    @field_validator("id", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class Period(BaseModel):
    """When the agreement is in force: ``days`` from ``start``, or open-ended."""

    model_config = FROZEN

    start: UtcTime
    days: int | None = Field(default=None, ge=1, le=MAX_DAYS)

    @model_validator(mode="after")
    def _ends_in_window(self) -> Self:
        end = self.end
        if end is not None and end > TIME_WINDOW[1]:
            raise ValueError(
                f"the period to end by {TIME_WINDOW[1]:%Y-%m-%d}, not on {end:%Y-%m-%d}"
            )
        return self

    @property
    def end(self) -> datetime | None:
        """End of the period (exclusive), or ``None`` when open-ended."""
        return self.start + timedelta(days=self.days) if self.days is not None else None


class Domain(StrEnum):
    """What a partial ceasefire covers."""

    ENERGY_INFRASTRUCTURE = "energy_infrastructure"
    BLACK_SEA = "black_sea"


class Scope(BaseModel):
    """Full ceasefire, or partial over some domains."""

    model_config = FROZEN

    kind: Literal["full", "partial"]
    domains: frozenset[Domain] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"kind": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _domains_match_kind(self) -> Self:
        if self.kind == "full" and self.domains:
            raise ValueError("a full ceasefire lists no domains")
        if self.kind == "partial" and not self.domains:
            raise ValueError("a partial ceasefire lists its domains")
        return self


class TimeWindow(BaseModel):
    """From ``start`` (inclusive) to ``end`` (exclusive), UTC."""

    model_config = FROZEN

    start: UtcTime
    end: UtcTime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must come after start")
        return self


# --- what a clause is given to test breaches, and what it returns ---------------------


@dataclass(frozen=True)
class BreachContext:
    """What every clause may test against: the incidents and the agreement's geometry.

    ``line_km`` is the exact distance to the line, ``inf`` beyond the farthest any
    clause looks (see ``ClauseBase.line_reach_km``).
    """

    incidents: IncidentArrays
    points: NDArray[np.object_]
    line_km: NDArray[np.float64]
    occupied: BaseGeometry
    parties: tuple[Party, ...]

    @cached_property
    def on_occupied_side(self) -> NDArray[np.bool_]:
        """Which incidents lie in the occupied area, tested once for every clause."""
        return contains(self.occupied, self.incidents.x, self.incidents.y)


@dataclass(frozen=True)
class ClauseBreaches:
    """Incidents that breach one clause: their rows, the zone that decided each, a distance."""

    rows: NDArray[np.int64]
    zone: NDArray[np.int32]
    distance_km: NDArray[np.float64]

    @classmethod
    def where(
        cls,
        mask: NDArray[np.bool_],
        zone: int | NDArray[np.int32],
        distance_km: NDArray[np.float64],
    ) -> ClauseBreaches:
        """The rows where ``mask`` holds, with their zone (one for all, or per row) and distance."""
        rows = np.flatnonzero(mask).astype(np.int64)
        zones = np.broadcast_to(np.asarray(zone, dtype=np.int32), mask.shape)[rows]
        return cls(rows, zones, np.broadcast_to(distance_km, mask.shape)[rows])

    @classmethod
    def join(cls, parts: Sequence[ClauseBreaches]) -> ClauseBreaches:
        """The breaches of several zones of one clause together."""
        if not parts:
            return cls(
                np.array([], dtype=np.int64),
                np.array([], dtype=np.int32),
                np.array([], dtype=np.float64),
            )
        return cls(
            np.concatenate([p.rows for p in parts]),
            np.concatenate([p.zone for p in parts]),
            np.concatenate([p.distance_km for p in parts]),
        )


#: A clause's own zones, each with its index among the agreement's compiled zones.
OwnZones = Sequence[tuple[int, Zone]]


class ClauseBase(BaseModel, ABC):
    """What every clause kind has and does; each kind adds its terms and its geometry."""

    model_config = FROZEN

    #: Domains a clause of this kind belongs to; empty means only a full ceasefire.
    domains: ClassVar[frozenset[Domain]] = frozenset()
    #: Whether its zones are built from protected sites, which must then be given.
    needs_sites: ClassVar[bool] = False
    #: Whether a breach depends on the side of the line, so the occupied area must be known.
    needs_sides: ClassVar[bool] = False

    kind: str
    id: str = Field(min_length=1)
    title: str = ""
    types: frozenset[IncidentType] = FIRE_TYPES

    @abstractmethod
    def compile(self, line: BaseGeometry, sites: Sequence[Site]) -> tuple[Zone, ...]:
        """The zones this clause guards, from the metric line and the protected sites."""

    @abstractmethod
    def breaches(
        self, context: BreachContext, candidate: NDArray[np.bool_], zones: OwnZones
    ) -> ClauseBreaches:
        """Which ``candidate`` incidents (in force, of its types) breach this clause."""

    @abstractmethod
    def describe(self) -> str:
        """The rule in a few words, for tables."""

    def line_reach_km(self) -> float:
        """How far from the line this clause needs distances measured (0: not at all)."""
        return 0.0

    def finding_distance_km(
        self, zone: Zone | None, point: BaseGeometry, table_km: float, line_km: float
    ) -> float | None:
        """The distance a finding reports for a breach: by default, to the line.

        ``table_km`` is the breach table's distance, ``line_km`` the exact distance
        to the line (metric ``point``); ``None`` when there is no line to measure to.
        """
        return line_km if np.isfinite(line_km) else None
