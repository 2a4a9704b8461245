"""Incident reports as GeoJSON Point features: properties carry the other fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from peaceforce.geo import geojson
from peaceforce.labels import Label
from peaceforce.monitoring.intake.common import LABEL_FIELDS, RECORD_FIELDS, Collector, IntakeResult


def parse_geojson(
    text: str, *, file: str, label: Label, defaults: Mapping[str, Any] | None = None
) -> IntakeResult:
    """Read incidents from GeoJSON text; ``file`` names the source in every problem.

    The id is the feature's ``id`` or ``properties.id``; a feature with a null
    geometry may give its place as ``properties.mgrs``. A feature's label is
    ``label`` with its ``classification``, ``releasable_to`` and ``caveats``
    properties (a list, or a string separated by spaces or ``;``) where given.
    """
    features, problems = geojson.parse_geojson(text, file, allow_null_geometry=True)
    collector = Collector(file)
    collector.rejected.extend(problems)
    where = {f: f"properties.{f}" for f in RECORD_FIELDS + LABEL_FIELDS}
    for feature in features:
        properties = dict(feature.properties)
        cells = {f: properties.pop(f) for f in LABEL_FIELDS if f in properties}
        data: dict[str, Any] = {**(defaults or {}), **properties}
        if feature.id is not None:
            data.setdefault("id", feature.id)
        geometry = feature.geometry
        if geometry is not None:
            if geometry.geom_type != "Point":
                collector.reject(f"{feature.location}.geometry", geometry.geom_type, "Point")
                continue
            data["lon"], data["lat"] = geometry.x, geometry.y
        own = collector.label(label, cells, feature.location, where)
        data["label"] = own or label
        collector.validate(data, feature.location, where, label_rejected=own is None)
    return collector.result()
