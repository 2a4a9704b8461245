"""A zone: one area a clause guards, in the metric CRS, with the rule that applies in it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from peaceforce.geo.geojson import MetricGeometry
from peaceforce.monitoring.incidents import WeaponClass


class ZoneKind(StrEnum):
    """What a compiled zone stands for."""

    LINE = "line"  # no fire across the line: the line itself, or a band around it
    BUFFER = "buffer"
    WITHDRAWAL = "withdrawal"
    SITE = "site"
    MARITIME = "maritime"


class Zone(BaseModel):
    """One area a clause guards, in ``METRIC_CRS``; ``limit_km`` is its distance rule.

    A zone carries what its clause needs to test it (the weapon class of a
    withdrawal band, the site of a circle), so nothing is parsed back out of ``id``,
    which is only a name for maps and reports.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    id: str
    clause_id: str
    kind: ZoneKind
    geometry: MetricGeometry
    limit_km: float | None = Field(default=None, description="distance from the line or the site")
    weapon_class: WeaponClass | None = None
    site_id: str | None = None
