"""GeoJSON in and out: a pydantic geometry type and one reader that reports every fault.

Users hand us GeoJSON files (occupied territory, boundaries, incident reports,
maritime zones, scenario areas) or bytes (an upload, a socket); a bad one must
produce ``InputError`` problems that name the file, the JSON path, the value
and what was expected, never a traceback. :func:`parse_geojson` reads bytes or
text, :func:`parse_features` and :func:`read_features` a file; callers that need
only some geometry types, or valid non-empty geometries, say so (``kinds``,
``valid``) and get the faults as problems too.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import shapely
from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from peaceforce.errors import InputError, Problem
from peaceforce.parsing import parse_json, read_file
from peaceforce.parsing.limits import MAX_JSON_BYTES

#: CRS names that mean plain lon/lat WGS84 in a GeoJSON ``crs`` member.
_LONLAT_CRS_NAMES = frozenset(
    {
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "EPSG:4326",
        "urn:ogc:def:crs:EPSG::4326",
    }
)
_POLYGONS = frozenset({"Polygon", "MultiPolygon"})
_GEOMETRY_TYPES = frozenset(
    {
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }
)


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class GeometryError(ValueError):
    """A GeoJSON geometry object that cannot be used, and which part of it is at fault.

    ``str()`` is a message for pydantic; ``part`` (``""``, ``".type"``,
    ``".coordinates"``), ``value`` and ``expected`` fill a :class:`Problem`.
    """

    def __init__(self, expected: str, *, part: str = "", value: str) -> None:
        super().__init__(f"{expected}, got {value}")
        self.expected = expected
        self.part = part
        self.value = value


def geometry_from_geojson(obj: Any, *, lonlat: bool = True) -> BaseGeometry:
    """Build a shapely geometry from a GeoJSON geometry object; :class:`GeometryError` says why not.

    With ``lonlat`` the coordinates must be plausible longitudes and latitudes.
    """
    if isinstance(obj, BaseGeometry):
        return obj
    if not isinstance(obj, Mapping):
        raise GeometryError("a GeoJSON geometry object", value=_short(obj))
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in _GEOMETRY_TYPES:
        expected = f"a geometry type among {sorted(_GEOMETRY_TYPES)}"
        raise GeometryError(expected, part=".type", value=_short(kind))
    if kind == "GeometryCollection":
        return _collection(obj, lonlat=lonlat)
    try:
        geometry = shape(obj)
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        shapely.errors.ShapelyError,
    ) as exc:
        expected = f"well-formed {kind} coordinates ({exc})"
        coordinates = _short(obj.get("coordinates"))
        raise GeometryError(expected, part=".coordinates", value=coordinates) from None
    if kind == "Point" and geometry.is_empty:  # RFC 7946: a Point is one position
        raise GeometryError("a position [lon, lat]", part=".coordinates", value="[]")
    coords = shapely.get_coordinates(geometry)
    finite = np.isfinite(coords).all(axis=1)
    if not finite.all():
        x, y = coords[np.argmin(finite)]
        raise GeometryError("finite coordinates", part=".coordinates", value=f"({x}, {y})")
    if lonlat and len(coords):
        outside = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
        if outside.any():
            x, y = coords[np.argmax(outside)]
            raise GeometryError(
                "lon in [-180, 180] and lat in [-90, 90]",
                part=".coordinates",
                value=f"({float(x)}, {float(y)})",
            )
    return geometry


def _collection(obj: Mapping[str, Any], *, lonlat: bool) -> BaseGeometry:
    """A GeometryCollection, each member checked like a geometry of its own and named by index."""
    members = obj.get("geometries")
    if not isinstance(members, list):
        raise GeometryError("a list of geometries", part=".geometries", value=_short(members))
    parts = []
    for index, member in enumerate(members):
        try:
            parts.append(geometry_from_geojson(member, lonlat=lonlat))
        except GeometryError as exc:
            part = f".geometries[{index}]{exc.part}"
            raise GeometryError(exc.expected, part=part, value=exc.value) from None
    return shapely.GeometryCollection(parts)


def _validate(value: Any) -> BaseGeometry:
    return geometry_from_geojson(value)


def _validate_metric(value: Any) -> BaseGeometry:
    return geometry_from_geojson(value, lonlat=False)


def _serialize(geometry: BaseGeometry) -> dict[str, Any]:
    return dict(mapping(geometry))


#: A shapely geometry in a pydantic model, serialised as a GeoJSON geometry object.
Geometry = Annotated[
    BaseGeometry,
    PlainValidator(_validate),
    PlainSerializer(_serialize, return_type=dict),
    WithJsonSchema({"type": "object", "description": "GeoJSON geometry object"}),
]

#: A shapely geometry in ``METRIC_CRS`` metres, serialised with GeoJSON's structure
#: (not valid GeoJSON, whose coordinates are lon/lat: export with ``to_lonlat``).
MetricGeometry = Annotated[
    BaseGeometry,
    PlainValidator(_validate_metric),
    PlainSerializer(_serialize, return_type=dict),
    WithJsonSchema({"type": "object", "description": "geometry in METRIC_CRS metres"}),
]


@dataclass(frozen=True)
class Feature:
    """One feature read from a GeoJSON file; ``location`` is its JSON path, for messages."""

    geometry: BaseGeometry | None
    properties: Mapping[str, Any] = field(default_factory=dict)
    location: str = "$"
    id: str | None = None


def _feature_id(item: Mapping[str, Any]) -> str | None:
    value = item.get("id")
    return None if value is None else str(value)


def _check_crs(data: Mapping[str, Any], file: str) -> list[Problem]:
    crs = data.get("crs")
    if crs is None:
        return []
    expected = "lon/lat WGS84 (CRS84 / EPSG:4326) as GeoJSON requires"
    if not isinstance(crs, Mapping):
        return [Problem(file, "$.crs", _short(crs), f"an object naming {expected}")]
    properties = crs.get("properties")
    if not isinstance(properties, Mapping):
        return [Problem(file, "$.crs.properties", _short(properties), "an object with a name")]
    name = properties.get("name")
    if isinstance(name, str) and name in _LONLAT_CRS_NAMES:
        return []
    return [Problem(file, "$.crs", _short(crs), expected)]


def read_features(
    path: Path | str, *, kinds: Collection[str] | None = None, valid: bool = False
) -> list[Feature]:
    """Read a FeatureCollection, a Feature or a bare geometry, reporting every bad feature.

    Raises ``InputError`` listing all problems (file, JSON path, value, expected).
    """
    features, problems = parse_features(path, kinds=kinds, valid=valid)
    if problems:
        raise InputError(problems)
    return features


def parse_features(
    path: Path | str,
    *,
    allow_null_geometry: bool = False,
    kinds: Collection[str] | None = None,
    valid: bool = False,
) -> tuple[list[Feature], list[Problem]]:
    """Like ``read_features`` but returns the good features beside the problems of the bad ones.

    Intake keeps every valid report of a file with some broken ones; only a file
    that is not GeoJSON at all raises ``InputError``.
    """
    path = Path(path)
    return parse_geojson(
        read_file(path, "a GeoJSON file", MAX_JSON_BYTES),
        str(path),
        allow_null_geometry=allow_null_geometry,
        kinds=kinds,
        valid=valid,
    )


def _checked_geometry(
    raw: Any, location: str, file: str, kinds: Collection[str] | None, valid: bool
) -> tuple[BaseGeometry | None, Problem | None]:
    """A feature's geometry, or what is wrong with it."""
    try:
        geometry = geometry_from_geojson(raw)
    except GeometryError as exc:
        return None, Problem(file, f"{location}.geometry{exc.part}", exc.value, exc.expected)
    fault = _geometry_fault(geometry, location, file, kinds, valid)
    return (geometry, None) if fault is None else (None, fault)


def _geometry_fault(
    geometry: BaseGeometry, location: str, file: str, kinds: Collection[str] | None, valid: bool
) -> Problem | None:
    if kinds is not None and geometry.geom_type not in kinds:
        expected = " or ".join(sorted(kinds))
        return Problem(file, f"{location}.geometry", geometry.geom_type, expected)
    if valid and geometry.is_empty:
        return Problem(file, f"{location}.geometry.coordinates", "[]", "a non-empty geometry")
    if valid and not geometry.is_valid:
        return Problem(
            file,
            f"{location}.geometry.coordinates",
            explain_validity(geometry),
            "a valid geometry (no self-intersection)",
        )
    return None


def parse_geojson(
    source: bytes | str,
    file: str,
    *,
    allow_null_geometry: bool = False,
    kinds: Collection[str] | None = None,
    valid: bool = False,
    keep_broken: bool = False,
) -> tuple[list[Feature], list[Problem]]:
    """Parse GeoJSON handed over as bytes or text; ``file`` names it in problems.

    ``kinds`` limits the geometry types a feature may have; ``valid`` refuses
    empty and invalid (self-intersecting) geometries. A feature that fails is a
    problem, the others are kept; with ``keep_broken`` a feature whose geometry
    fails is kept too, with no geometry, so its properties can still be checked.
    Input that is not GeoJSON at all raises ``InputError``.
    """
    data = parse_json(source, file)
    if not isinstance(data, Mapping):
        raise InputError([Problem(file, "$", _short(data), "a GeoJSON object")])
    problems = _check_crs(data, file)
    if problems:  # every coordinate would be misread: refuse the whole file
        raise InputError(problems)
    kind = data.get("type")
    if kind == "FeatureCollection":
        raw = data.get("features")
        if not isinstance(raw, list):
            raise InputError([Problem(file, "$.features", _short(raw), "a list of features")])
        items = [(f"$.features[{i}]", item) for i, item in enumerate(raw)]
    elif kind == "Feature":
        items = [("$", data)]
    elif isinstance(kind, str) and kind in _GEOMETRY_TYPES:
        items = [("$", {"type": "Feature", "geometry": data, "properties": {}})]
    else:
        raise InputError(
            [
                Problem(file, "$.type", _short(kind), "FeatureCollection, Feature or a geometry"),
            ]
        )
    features: list[Feature] = []
    for location, item in items:
        if not isinstance(item, Mapping) or item.get("type") != "Feature":
            problems.append(Problem(file, location, _short(item), "a GeoJSON Feature"))
            continue
        properties = item.get("properties") or {}
        if not isinstance(properties, Mapping):
            problems.append(
                Problem(file, f"{location}.properties", _short(properties), "an object or null")
            )
            continue
        raw_geometry = item.get("geometry")
        if raw_geometry is None:
            if not allow_null_geometry:
                problems.append(Problem(file, f"{location}.geometry", "null", "a geometry"))
                continue
            features.append(Feature(None, properties, location, _feature_id(item)))
            continue
        geometry, fault = _checked_geometry(raw_geometry, location, file, kinds, valid)
        if fault is not None:
            problems.append(fault)
            if not keep_broken:
                continue
        features.append(Feature(geometry, properties, location, _feature_id(item)))
    return features, problems


def read_area(path: Path | str) -> BaseGeometry:
    """Read a file of polygons as one valid (Multi)Polygon in lon/lat, e.g. an occupied area."""
    features = read_features(path, kinds=_POLYGONS)
    if not features:
        raise InputError([Problem(str(path), "$.features", "[]", "at least one polygon")])
    return polygonal(shapely.union_all([polygonal(f.geometry) for f in features if f.geometry]))


def polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The valid polygonal part of a geometry: self-intersections repaired, stray lines dropped."""
    parts = shapely.get_parts(shapely.make_valid(geometry))
    polygons = [p for p in parts if p.geom_type in {"Polygon", "MultiPolygon"}]
    return shapely.union_all(polygons) if polygons else shapely.Polygon()
