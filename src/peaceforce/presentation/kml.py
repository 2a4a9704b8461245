"""Map layers as KML 2.2 for Google Earth and TAK (ATAK, WinTAK and iTAK import KML).

One document per map, one folder per layer, one placemark per feature with its
properties as ``ExtendedData``. Written with the standard library's
ElementTree, which escapes every name and value, so text from a scenario file
cannot break the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from xml.etree import ElementTree

import shapely
from shapely.geometry.base import BaseGeometry

KML_NAMESPACE = "http://www.opengis.net/kml/2.2"
#: Areas are drawn with a see-through fill (KML colours are aabbggrr), so the map shows under them.
_AREA_STYLE = {"id": "area", "line": "ff1f4fb0", "fill": "401f4fb0"}
_DIGITS = 6
#: Characters XML 1.0 cannot carry at all, escaped or not (C0 controls but tab, LF, CR).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: object) -> str:
    """An element's text: lists and mappings as JSON, none as empty, no characters XML forbids."""
    if isinstance(value, list | dict):
        text = json.dumps(value)
    else:
        text = "" if value is None else str(value)
    return _NOT_XML.sub("\ufffd", text)


def _coordinates(parent: ElementTree.Element, points: Iterable[tuple[float, ...]]) -> None:
    text = " ".join(f"{round(x, _DIGITS)},{round(y, _DIGITS)}" for x, y, *_ in points)
    ElementTree.SubElement(parent, "coordinates").text = text


def _ring(parent: ElementTree.Element, boundary: str, ring: Any) -> None:
    outer = ElementTree.SubElement(parent, boundary)
    _coordinates(ElementTree.SubElement(outer, "LinearRing"), ring.coords)


def _geometry(parent: ElementTree.Element, geometry: BaseGeometry) -> None:
    """Append the KML form of a shapely geometry (multi-part ones as a MultiGeometry)."""
    if geometry.is_empty:
        return
    if isinstance(geometry, shapely.Point):
        _coordinates(ElementTree.SubElement(parent, "Point"), geometry.coords)
    elif isinstance(geometry, shapely.LineString):  # a LinearRing is one too
        _coordinates(ElementTree.SubElement(parent, "LineString"), geometry.coords)
    elif isinstance(geometry, shapely.Polygon):
        polygon = ElementTree.SubElement(parent, "Polygon")
        _ring(polygon, "outerBoundaryIs", geometry.exterior)
        for interior in geometry.interiors:
            _ring(polygon, "innerBoundaryIs", interior)
    else:  # MultiPoint, MultiLineString, MultiPolygon, GeometryCollection
        multi = ElementTree.SubElement(parent, "MultiGeometry")
        for part in shapely.get_parts(geometry):
            _geometry(multi, part)


def _placemark(folder: ElementTree.Element, feature: Mapping[str, Any], fallback: str) -> None:
    """A placemark in KML 2.2's element order: name, styleUrl, ExtendedData, geometry."""
    properties: Mapping[str, Any] = feature.get("properties") or {}
    placemark = ElementTree.SubElement(folder, "Placemark")
    name = properties.get("name") or properties.get("id") or fallback
    ElementTree.SubElement(placemark, "name").text = _text(name)
    geometry = shapely.geometry.shape(feature["geometry"]) if feature.get("geometry") else None
    if geometry is not None and geometry.geom_type in {"Polygon", "MultiPolygon"}:
        ElementTree.SubElement(placemark, "styleUrl").text = f"#{_AREA_STYLE['id']}"
    data = ElementTree.SubElement(placemark, "ExtendedData")
    for key, value in properties.items():
        item = ElementTree.SubElement(data, "Data", name=_text(key))
        ElementTree.SubElement(item, "value").text = _text(value)
    if geometry is not None:
        _geometry(placemark, geometry)


def kml_document(title: str, layers: Mapping[str, Mapping[str, Any]]) -> bytes:
    """A KML document: a folder per GeoJSON FeatureCollection, a placemark per feature."""
    root = ElementTree.Element("kml", xmlns=KML_NAMESPACE)
    document = ElementTree.SubElement(root, "Document")
    ElementTree.SubElement(document, "name").text = _text(title)
    style = ElementTree.SubElement(document, "Style", id=_AREA_STYLE["id"])
    line = ElementTree.SubElement(style, "LineStyle")
    ElementTree.SubElement(line, "color").text = _AREA_STYLE["line"]
    ElementTree.SubElement(line, "width").text = "1.5"
    ElementTree.SubElement(ElementTree.SubElement(style, "PolyStyle"), "color").text = _AREA_STYLE[
        "fill"
    ]
    for name, collection in layers.items():
        folder = ElementTree.SubElement(document, "Folder")
        ElementTree.SubElement(folder, "name").text = _text(name)
        for index, feature in enumerate(collection["features"], start=1):
            _placemark(folder, feature, f"{name} {index}")
    text: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return text
