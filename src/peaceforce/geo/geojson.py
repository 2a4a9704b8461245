"""GeoJSON in and out: a pydantic geometry type and a reader that reports every fault.

Users hand us GeoJSON files (occupied territory, boundaries, incident reports,
maritime zones); a bad file must produce ``InputError`` problems that name the
file, the JSON path, the value and what was expected, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import shapely
from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from peaceforce.errors import InputError, Problem

#: CRS names that mean plain lon/lat WGS84 in a GeoJSON ``crs`` member.
_LONLAT_CRS_NAMES = frozenset(
    {
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "EPSG:4326",
        "urn:ogc:def:crs:EPSG::4326",
    }
)
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


def geometry_from_geojson(obj: Any, *, lonlat: bool = True) -> BaseGeometry:
    """Build a shapely geometry from a GeoJSON geometry object; ``ValueError`` says why not.

    With ``lonlat`` the coordinates must be plausible longitudes and latitudes.
    """
    if isinstance(obj, BaseGeometry):
        return obj
    if not isinstance(obj, Mapping):
        raise ValueError(f"a GeoJSON geometry object, got {_short(obj)}")
    kind = obj.get("type")
    if kind not in _GEOMETRY_TYPES:
        raise ValueError(f"a geometry type among {sorted(_GEOMETRY_TYPES)}, got {_short(kind)}")
    try:
        geometry = shape(obj)
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        shapely.errors.GEOSException,
    ) as exc:
        raise ValueError(f"well-formed {kind} coordinates ({exc})") from None
    coords = shapely.get_coordinates(geometry)
    if not np.isfinite(coords).all():
        raise ValueError("finite coordinates")
    if (
        lonlat
        and len(coords)
        and (np.abs(coords[:, 0]).max() > 180 or np.abs(coords[:, 1]).max() > 90)
    ):
        raise ValueError("lon/lat coordinates (|lon| <= 180, |lat| <= 90)")
    return geometry


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


def _read_text(path: Path) -> str:
    file = str(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(file, "-", "no such file", "an existing GeoJSON file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            [Problem(file, "-", type(exc).__name__, "a readable UTF-8 file")]
        ) from None


def _load_json(text: str, file: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            [Problem(file, f"line {exc.lineno} column {exc.colno}", exc.msg, "valid JSON")]
        ) from None


def _check_crs(data: Mapping[str, Any], file: str) -> list[Problem]:
    crs = data.get("crs")
    if crs is None:
        return []
    name = crs.get("properties", {}).get("name") if isinstance(crs, Mapping) else None
    if name in _LONLAT_CRS_NAMES:
        return []
    return [
        Problem(file, "$.crs", _short(crs), "lon/lat WGS84 (CRS84 / EPSG:4326) as GeoJSON requires")
    ]


def read_features(path: Path | str) -> list[Feature]:
    """Read a FeatureCollection, a Feature or a bare geometry, reporting every bad feature.

    Raises ``InputError`` listing all problems (file, JSON path, value, expected).
    """
    features, problems = parse_features(path)
    if problems:
        raise InputError(problems)
    return features


def parse_features(
    path: Path | str, *, allow_null_geometry: bool = False
) -> tuple[list[Feature], list[Problem]]:
    """Like ``read_features`` but returns the good features beside the problems of the bad ones.

    Intake keeps every valid report of a file with some broken ones; only a file
    that is not GeoJSON at all raises ``InputError``.
    """
    path = Path(path)
    return parse_feature_text(
        _read_text(path), file=str(path), allow_null_geometry=allow_null_geometry
    )


def parse_feature_text(
    text: str, *, file: str, allow_null_geometry: bool = False
) -> tuple[list[Feature], list[Problem]]:
    """``parse_features`` of GeoJSON text handed over by an API or a socket; ``file`` names it."""
    data = _load_json(text, file)
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
    elif kind in _GEOMETRY_TYPES:
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
        try:
            geometry = geometry_from_geojson(raw_geometry)
        except ValueError as exc:
            problems.append(Problem(file, f"{location}.geometry", _short(raw_geometry), str(exc)))
            continue
        features.append(Feature(geometry, properties, location, _feature_id(item)))
    return features, problems


def read_area(path: Path | str) -> BaseGeometry:
    """Read a file of polygons as one valid (Multi)Polygon in lon/lat, e.g. an occupied area."""
    file = str(path)
    features = read_features(path)
    problems = [
        Problem(
            file,
            f"{f.location}.geometry",
            f.geometry.geom_type if f.geometry else "null",
            "Polygon or MultiPolygon",
        )
        for f in features
        if f.geometry is None or f.geometry.geom_type not in {"Polygon", "MultiPolygon"}
    ]
    if problems:
        raise InputError(problems)
    if not features:
        raise InputError([Problem(file, "$.features", "[]", "at least one polygon")])
    return polygonal(shapely.union_all([polygonal(f.geometry) for f in features if f.geometry]))


def polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The valid polygonal part of a geometry: self-intersections repaired, stray lines dropped."""
    parts = shapely.get_parts(shapely.make_valid(geometry))
    polygons = [p for p in parts if p.geom_type in {"Polygon", "MultiPolygon"}]
    return shapely.union_all(polygons) if polygons else shapely.Polygon()
