"""An agreement compiled against a line of contact and protected sites: its zones, once.

Everything is projected into ``METRIC_CRS`` here, so that adjudication only
measures distances and tests containment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cached_property
from typing import Any

import shapely
from pydantic import BaseModel, ConfigDict

from peaceforce.errors import InputError, Problem
from peaceforce.geo.crs import to_lonlat, to_metric
from peaceforce.geo.frontline import LineOfContact
from peaceforce.geo.geojson import MetricGeometry, polygonal
from peaceforce.monitoring.agreement.base import OwnZones
from peaceforce.monitoring.agreement.model import Agreement
from peaceforce.monitoring.agreement.sites import Site
from peaceforce.monitoring.agreement.zones import Zone
from peaceforce.results import Result


class CompiledZones(BaseModel):
    """An agreement's clauses as geometry in ``METRIC_CRS``, computed once."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    agreement: Agreement
    line: MetricGeometry
    occupied: MetricGeometry
    as_of: date | None = None
    zones: tuple[Zone, ...]
    sites: tuple[Site, ...] = ()

    @property
    def has_sides(self) -> bool:
        """Whether the occupied area is known, so a report's side of the line can be told."""
        return not self.occupied.is_empty

    @cached_property
    def zones_by_clause(self) -> tuple[OwnZones, ...]:
        """Each clause's zones, in the agreement's clause order, with their indices."""
        indexed = list(enumerate(self.zones))
        return tuple(
            [(i, z) for i, z in indexed if z.clause_id == clause.id]
            for clause in self.agreement.clauses
        )

    def line_reach_km(self) -> float:
        """The farthest from the line any clause looks: no distance is needed beyond it."""
        return max((clause.line_reach_km() for clause in self.agreement.clauses), default=0.0)

    def require_sides(self) -> None:
        """Refuse to adjudicate a clause that needs the sides of a line that has none."""
        if self.has_sides:
            return
        problems = [
            Problem(
                "occupied",
                "-",
                "nothing (a line alone has no sides)",
                f"the occupied area: clause {clause.id!r} ({clause.kind}) needs to know on which "
                "side of the line a report falls",
            )
            for clause in self.agreement.clauses
            if clause.needs_sides
        ]
        if problems:
            raise InputError(problems)

    def to_geojson(self) -> dict[str, Any]:
        """The zones and the line as a lon/lat GeoJSON FeatureCollection."""
        features = [
            {
                "type": "Feature",
                "id": "line-of-contact",
                "geometry": shapely.geometry.mapping(to_lonlat(self.line)),
                "properties": {"kind": "line_of_contact", "as_of": str(self.as_of or "")},
            }
        ]
        for zone in self.zones:
            features.append(
                {
                    "type": "Feature",
                    "id": zone.id,
                    "geometry": shapely.geometry.mapping(to_lonlat(zone.geometry)),
                    "properties": {
                        "clause": zone.clause_id,
                        "kind": zone.kind.value,
                        "limit_km": zone.limit_km,
                        "weapon_class": zone.weapon_class.value if zone.weapon_class else None,
                        "site": zone.site_id,
                    },
                }
            )
        return {"type": "FeatureCollection", "name": self.agreement.id, "features": features}

    def summary(self) -> ZonesSummary:
        """Each zone in a line: its clause, kind, limit, area and weapon class or site."""
        site_names = {s.id: s.name for s in self.sites}
        return ZonesSummary(
            agreement=self.agreement.id,
            as_of=self.as_of,
            line_km=round(float(self.line.length) / 1000.0, 3),
            zones=tuple(
                ZoneRow(
                    id=z.id,
                    clause=z.clause_id,
                    kind=z.kind.value,
                    limit_km=z.limit_km,
                    area_km2=round(float(z.geometry.area) / 1e6, 1),
                    weapon_class=z.weapon_class.value if z.weapon_class else None,
                    site=site_names.get(z.site_id or ""),
                )
                for z in self.zones
            ),
        )


class ZoneRow(Result):
    """One compiled zone, summarised."""

    id: str
    clause: str
    kind: str
    limit_km: float | None
    area_km2: float
    weapon_class: str | None
    site: str | None


class ZonesSummary(Result):
    """An agreement's compiled zones, summarised with the line they were compiled on."""

    agreement: str
    as_of: date | None
    line_km: float
    zones: tuple[ZoneRow, ...]


def compile_zones(
    agreement: Agreement, line_of_contact: LineOfContact, sites: Sequence[Site] | None = None
) -> CompiledZones:
    """Build every clause's zones on the line (projected once) and the protected sites.

    ``sites`` may be left out only when no clause protects sites: a clause
    without its sites would silently guard nothing, so ``InputError`` names it.
    """
    problems = [
        Problem(
            "sites",
            "-",
            "nothing",
            f"a CSV of protected sites for clause {clause.id!r} ({clause.kind})",
        )
        for clause in agreement.clauses
        if clause.needs_sites and sites is None
    ]
    if problems:
        raise InputError(problems)
    given = tuple(sites or ())
    line = line_of_contact.metric
    zones = tuple(zone for clause in agreement.clauses for zone in clause.compile(line, given))
    used = {zone.site_id for zone in zones if zone.site_id is not None}
    return CompiledZones(
        agreement=agreement,
        line=line,
        occupied=polygonal(to_metric(line_of_contact.occupied)),
        as_of=line_of_contact.as_of,
        zones=zones,
        sites=tuple(site for site in given if site.id in used),
    )
