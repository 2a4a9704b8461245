"""Map layers as files: every GeoJSON layer opens in GDAL (through pyogrio) with its features,
and the KML parses with a hardened parser and holds a placemark per feature.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyogrio
import pytest
import shapely
from defusedxml import ElementTree as SafeElementTree
from pyogrio.raw import read as read_raw

from peaceforce.deployment.planner import DeploymentResult, RecordKind, deploy_mission
from peaceforce.mandate.analysis import analyse_mandate
from peaceforce.presentation.geojson_layers import (
    deployment_layers,
    write_deployment_layers,
    write_layers,
    write_protection_layers,
)
from peaceforce.presentation.kml import KML_NAMESPACE, kml_document
from peaceforce.presentation.tpfdd import Calendar
from peaceforce.protection.data import ProtectionData
from peaceforce.protection.result import ProtectionResult
from peaceforce.protection.stage import protect_mission
from peaceforce.scenario.model import Scenario
from peaceforce.sources.cities import ukrainian_cities
from peaceforce.sourcing.engine import source_mission

KML = f"{{{KML_NAMESPACE}}}"


@pytest.fixture(scope="module")
def air_shield(scenario: Scenario) -> DeploymentResult:
    sourced = source_mission(scenario, "air_shield", "coalition", explain=False)
    return deploy_mission(scenario, sourced, time_limit_s=5.0, bottlenecks=False)


@pytest.fixture(scope="module")
def shield_protection(scenario: Scenario, protection_data: ProtectionData) -> ProtectionResult:
    mandate = analyse_mandate(scenario)
    return protect_mission(
        scenario,
        source_mission(scenario, "air_shield", "coalition", mandate=mandate, explain=False),
        data=protection_data,
        cities=ukrainian_cities(),
        mandate=mandate,
        withdrawals=False,
    )


def _kml_folders(path: Path) -> dict[str, int]:
    """Placemarks per folder, read with a parser that refuses entities and DTDs."""
    root = SafeElementTree.fromstring(path.read_bytes())
    assert root.tag == f"{KML}kml"
    return {
        folder.findtext(f"{KML}name"): len(folder.findall(f"{KML}Placemark"))
        for folder in root.iter(f"{KML}Folder")
    }


def _gdal_counts(paths: list[Path]) -> dict[str, int]:
    """Features per GeoJSON file, as GDAL reads them."""
    return {p.name: pyogrio.read_info(p)["features"] for p in paths if p.suffix == ".geojson"}


def test_deployment_layers_open_in_gdal_and_kml(
    air_shield: DeploymentResult, scenario: Scenario, tmp_path: Path
) -> None:
    written = write_deployment_layers(air_shield, scenario, tmp_path, Calendar.of(scenario))
    legs = [r for r in air_shield.records if r.kind is RecordKind.DEPLOYMENT]
    nodes = [u for u in air_shield.node_use if u.resource.startswith("node:")]
    assert legs and nodes
    stem = "deploy-air_shield-coalition"
    assert _gdal_counts(written) == {
        f"{stem}-nodes.geojson": len(nodes),
        f"{stem}-movements.geojson": len(legs),  # every leg placed; reliefs are not drawn
    }
    assert _kml_folders(tmp_path / f"{stem}.kml") == {"nodes": len(nodes), "movements": len(legs)}
    meta, _, _, fields = read_raw(tmp_path / f"{stem}-movements.geojson", read_geometry=False)
    column = dict(zip(meta["fields"], fields, strict=True))
    assert all(len(uln) == 7 for uln in column["uln"])
    assert all(column["ead_day"] <= column["lad_day"])


def test_a_leg_is_drawn_from_its_port_of_embarkation_to_its_port_of_debarkation(
    air_shield: DeploymentResult, scenario: Scenario
) -> None:
    layers = deployment_layers(air_shield, scenario, Calendar.of(scenario))
    assert scenario.transport is not None
    nodes = {n.name: (n.lon, n.lat) for n in scenario.transport.nodes}
    for feature in layers["movements"]["features"]:
        shape = shapely.geometry.shape(feature["geometry"])
        end = nodes.get(feature["properties"]["port_of_debarkation"])
        if end is not None:
            assert shape.coords[-1] == pytest.approx(end)
        assert feature["properties"]["ead_c"].startswith("C")


def test_protection_layers_open_in_gdal_with_their_features(
    shield_protection: ProtectionResult,
    scenario: Scenario,
    protection_data: ProtectionData,
    tmp_path: Path,
) -> None:
    written = write_protection_layers((shield_protection,), scenario, protection_data, tmp_path)
    stem = "protection-air_shield-coalition"
    counts = _gdal_counts(written)
    placements = shield_protection.coverage.placements
    rings = [  # one ring per placement and threat of the mix it defends against
        (p.id, c.threat)
        for p in placements
        for c in shield_protection.coverage.by_threat
        if c.share > 0 and p.radius_km(c.threat) > 0
    ]
    assert len(rings) > len(placements)
    assert counts[f"{stem}-ad_coverage.geojson"] == len(rings)
    assert counts[f"{stem}-ad_sites.geojson"] == len(placements)
    assert counts[f"{stem}-assets.geojson"] == len(shield_protection.coverage.assets)
    assert counts[f"{stem}-positions.geojson"] == len(shield_protection.threat.positions)
    assert counts[f"{stem}-line_of_contact.geojson"] == 1
    for name, count in counts.items():  # each file is the FeatureCollection it says it is
        collection = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        assert collection["type"] == "FeatureCollection" and len(collection["features"]) == count
    folders = _kml_folders(tmp_path / f"{stem}.kml")
    assert folders == {
        name.removeprefix(f"{stem}-").removesuffix(".geojson"): n for name, n in counts.items()
    }
    # GDAL's own KML driver reads the same folders and placemarks.
    kml = tmp_path / f"{stem}.kml"
    assert {
        name: pyogrio.read_info(kml, layer=name)["features"] for name, _ in pyogrio.list_layers(kml)
    } == folders


def _point(properties: dict[str, Any], lon: float = 30.5, lat: float = 50.4) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def test_kml_carries_every_geometry_kind_and_escapes_text(tmp_path: Path) -> None:
    ring = shapely.Point(30, 50).buffer(1.0).difference(shapely.Point(30, 50).buffer(0.3))
    layers = {
        "mixed": {
            "type": "FeatureCollection",
            "features": [
                _point({"name": "<b>Kyiv</b> & \x1b[31m", "tags": ["a", "b"], "note": None}),
                {
                    "type": "Feature",
                    "geometry": shapely.geometry.mapping(shapely.LineString([(24, 50), (30, 50)])),
                    "properties": {"id": "leg"},
                },
                {"type": "Feature", "geometry": shapely.geometry.mapping(ring), "properties": {}},
                {
                    "type": "Feature",
                    "geometry": shapely.geometry.mapping(
                        shapely.MultiPolygon([ring, shapely.box(20, 40, 21, 41)])
                    ),
                    "properties": {"name": "two areas"},
                },
            ],
        },
        "empty": {"type": "FeatureCollection", "features": []},
    }
    root = SafeElementTree.fromstring(kml_document("Test & <map>", layers))
    placemarks = root.findall(f".//{KML}Placemark")
    assert [p.findtext(f"{KML}name") for p in placemarks] == [
        "<b>Kyiv</b> & \ufffd[31m",
        "leg",
        "mixed 3",
        "two areas",
    ]
    data = {d.get("name"): d.findtext(f"{KML}value") for d in placemarks[0].iter(f"{KML}Data")}
    assert data == {"name": "<b>Kyiv</b> & \ufffd[31m", "tags": '["a", "b"]', "note": ""}
    assert placemarks[1].find(f"{KML}LineString") is not None
    polygon = placemarks[2].find(f"{KML}Polygon")
    assert polygon is not None and len(polygon.findall(f"{KML}innerBoundaryIs")) == 1
    assert placemarks[2].findtext(f"{KML}styleUrl") == "#area"
    assert len(placemarks[3].findall(f"{KML}MultiGeometry/{KML}Polygon")) == 2
    written = write_layers(layers, tmp_path / "test", "Test")
    assert _gdal_counts(written) == {"test-mixed.geojson": 4, "test-empty.geojson": 0}
    assert _kml_folders(tmp_path / "test.kml") == {"mixed": 4, "empty": 0}
