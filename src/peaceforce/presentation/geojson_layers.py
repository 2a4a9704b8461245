"""Map layers as files GIS tools load: one GeoJSON FeatureCollection per layer, and KML.

GDAL, QGIS and the web page open a ``.geojson`` file as one layer, so each layer
of a map gets its own file (``<stem>-<layer>.geojson``); Google Earth and TAK
take the same layers as one KML document with a folder per layer
(:mod:`peaceforce.presentation.kml`). The deployment's layers are its nodes
(with their use) and its movement legs, carrying the TPFDD row of each leg, so
the ULN, window and lateness read the same on the map as in the table.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping

from peaceforce.deployment.planner import DeploymentResult, RecordKind
from peaceforce.outputs import write_atomic
from peaceforce.presentation.kml import kml_document
from peaceforce.presentation.protection_maps import Layers, MapLayers, map_stem
from peaceforce.presentation.tpfdd import Calendar, movement_of, tpfdd_rows
from peaceforce.protection.data import ProtectionData
from peaceforce.protection.result import ProtectionResult
from peaceforce.scenario.model import Scenario
from peaceforce.sourcing.candidates import area_centre

Point = tuple[float, float]

#: Prefix of a node's resource id in the deployment's node use.
_NODE_RESOURCE = "node:"


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: shapely.Geometry, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": mapping(geometry), "properties": properties}


def _json_value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def places_of(scenario: Scenario) -> dict[str, Point]:
    """Where each node and area named in a movement record lies (areas at their centre)."""
    places = {area.name: area_centre(area) for area in scenario.areas}
    if scenario.transport is not None:
        places.update({n.name: (n.lon, n.lat) for n in scenario.transport.nodes})
    return places


def deployment_layers(result: DeploymentResult, scenario: Scenario, calendar: Calendar) -> Layers:
    """The deployment's nodes (points, with use) and movement legs (lines, with their TPFDD row).

    Planned reliefs are left out of the map: they repeat a unit's last leg.
    A leg from a home base starts at the pledge's home base.
    """
    places = places_of(scenario)
    homes = {p.id: (p.home_base.lon, p.home_base.lat) for p in scenario.pledges}
    legs = []
    for record, row in zip(result.records, tpfdd_rows(result, calendar), strict=True):
        movement = movement_of(record)
        if movement.kind is RecordKind.ROTATION:
            continue
        start = places.get(movement.port_of_embarkation, homes.get(movement.pledge_id))
        end = places.get(movement.port_of_debarkation)
        if start is None or end is None:
            continue
        shape = shapely.Point(end) if start == end else shapely.LineString([start, end])
        properties = {k: _json_value(v) for k, v in row.items()}
        legs.append(_feature(shape, {"name": f"{row['uln']} {row['leg']}", **properties}))
    nodes = {n.id: n for n in scenario.transport.nodes} if scenario.transport else {}
    points = []
    for use in result.node_use:
        node = nodes.get(use.resource.removeprefix(_NODE_RESOURCE))
        if not use.resource.startswith(_NODE_RESOURCE) or node is None:
            continue
        properties = {
            "id": node.id,
            "name": node.name,
            "kind": node.kind.value,
            "country": node.country,
            "daily_capacity": use.capacity,
            "peak_use": use.peak,
            "days_full": use.days_full,
        }
        points.append(_feature(shapely.Point(node.lon, node.lat), properties))
    return {"nodes": _collection(points), "movements": _collection(legs)}


def write_layers(layers: Layers, stem: Path, title: str) -> list[Path]:
    """Each layer as ``<stem>-<layer>.geojson`` and all of them as ``<stem>.kml``."""
    written = []
    for name, collection in layers.items():
        path = stem.with_name(f"{stem.name}-{name}.geojson")
        write_atomic(path, json.dumps({**collection, "name": name}))
        written.append(path)
    kml = stem.with_name(f"{stem.name}.kml")
    write_atomic(kml, kml_document(title, layers))
    written.append(kml)
    return written


def write_deployment_layers(
    result: DeploymentResult, scenario: Scenario, folder: Path, calendar: Calendar
) -> list[Path]:
    """The deployment's map layers, named ``deploy-<mission>-<framework>-<layer>.geojson``."""
    stem = folder / f"deploy-{result.mission_id}-{result.framework_id}"
    title = f"Deployment of {result.mission_id} under {result.framework_id}"
    return write_layers(deployment_layers(result, scenario, calendar), stem, title)


def write_protection_layers(
    results: Sequence[ProtectionResult],
    scenario: Scenario,
    data: ProtectionData,
    folder: Path,
    layers: MapLayers | None = None,
) -> list[Path]:
    """The coverage and threat map layers, named ``protection-<mission>-<framework>-<layer>``.

    ``layers`` shares layers already made for the same results (the maps').
    """
    layers_of = layers or MapLayers(scenario, data)
    written = []
    for result in results:
        stem = folder / map_stem(result)
        title = f"Air defence and threat, {result.mission_id} under {result.framework_id}"
        written += write_layers(layers_of(result), stem, title)
    return written
