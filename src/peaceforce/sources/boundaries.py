"""First-level administrative divisions from geoBoundaries (ADM1 GeoJSON, ODbL 1.0).

Each feature names its division (``shapeName``) and its ISO 3166-2 code
(``shapeISO``, e.g. ``UA-65``). The daily monitoring report counts violations
by these regions.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from peaceforce.errors import InputError, Problem
from peaceforce.geo.geojson import Geometry, read_features


class Region(BaseModel):
    """An oblast (or Crimea, Kyiv, Sevastopol) in lon/lat."""

    model_config = ConfigDict(frozen=True)

    iso: str
    name: str
    geometry: Geometry


def load_regions(path: Path | str) -> tuple[Region, ...]:
    """Read first-level divisions from geoBoundaries-style GeoJSON (``shapeISO``, ``shapeName``)."""
    features = read_features(path, kinds=("Polygon", "MultiPolygon"))
    problems = [
        Problem(str(path), f"{f.location}.properties", "no shapeISO/shapeName", "ADM1 properties")
        for f in features
        if not f.properties.get("shapeISO") or not f.properties.get("shapeName")
    ]
    if problems:
        raise InputError(problems)
    return tuple(
        Region(
            iso=str(f.properties["shapeISO"]),
            name=str(f.properties["shapeName"]),
            geometry=f.geometry,
        )
        for f in features
    )
