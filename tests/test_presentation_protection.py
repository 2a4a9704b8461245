"""Protection renderers: tables that show user text as text, maps for several results at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from peaceforce.mandate.analysis import analyse_mandate
from peaceforce.presentation.protection_maps import MapLayers, write_maps
from peaceforce.presentation.protection_tables import placements_table, protection_report
from peaceforce.protection.data import ProtectionData
from peaceforce.protection.result import ProtectionResult
from peaceforce.protection.stage import protect_mission
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.names import Names
from peaceforce.sources.cities import ukrainian_cities
from peaceforce.sourcing.engine import source_mission


@pytest.fixture(scope="module")
def results(scenario: Scenario, protection_data: ProtectionData) -> tuple[ProtectionResult, ...]:
    mandate = analyse_mandate(scenario)
    cities = ukrainian_cities()
    return tuple(
        protect_mission(
            scenario,
            source_mission(scenario, mission, "coalition", mandate=mandate, explain=False),
            data=protection_data,
            cities=cities,
            mandate=mandate,
            withdrawals=False,
        )
        for mission in ("air_shield", "reassurance")
    )


def _printed(*renderables: object) -> str:
    console = Console(record=True, width=250, color_system=None)
    for renderable in renderables:
        console.print(renderable)
    return console.export_text()


def test_user_text_is_printed_as_text(results: tuple[ProtectionResult, ...]) -> None:
    shield = results[0]
    placed = shield.coverage.placements[0].site_id
    evil = "[/x] [bold]Site\x1b[31m"
    sites = tuple(
        s.model_copy(update={"name": evil}) if s.id == placed else s for s in shield.coverage.sites
    )
    doctored = shield.model_copy(
        update={"coverage": shield.coverage.model_copy(update={"sites": sites})}
    )
    printed = _printed(placements_table(doctored))
    assert "[/x] [bold]Site\\x1b[31m" in printed  # markup shown, escape sequence escaped
    assert "\x1b" not in printed


def test_the_report_has_every_part(results: tuple[ProtectionResult, ...]) -> None:
    printed = _printed(*protection_report(results[0]))
    for title in (
        "Air-defence coverage",
        "Air-defence units",
        "Placements: which system covers what",
        "Threat to every position",
        "Air policing: combat air patrol stations",
        "Black Sea corridor",
    ):
        assert title in printed
    assert "If a nation withdrew" not in printed  # the results were solved without withdrawals


def test_maps_for_several_results(
    results: tuple[ProtectionResult, ...],
    scenario: Scenario,
    protection_data: ProtectionData,
    tmp_path: Path,
) -> None:
    written = write_maps(results, scenario, protection_data, tmp_path)
    assert len(written) == 5 * len(results)  # 2 maps × (PNG, SVG) and the layers, per result
    for result in results:
        stem = tmp_path / f"protection-{result.mission_id}-{result.framework_id}"
        layers = json.loads(stem.with_name(stem.name + "-layers.json").read_text())
        # One ring per placement and class of the mix it can engage.
        rings = {
            (p.id, c.threat)
            for p in result.coverage.placements
            for c in result.coverage.by_threat
            if c.share > 0 and p.radius_km(c.threat) > 0
        }
        assert len(layers["ad_coverage"]["features"]) == len(rings)
        assert len(layers["assets"]["features"]) == len(result.coverage.assets)
        assert stem.with_name(stem.name + "-threat.png").read_bytes().startswith(b"\x89PNG")


def test_tables_and_map_labels_use_names_not_ids(
    results: tuple[ProtectionResult, ...],
    scenario: Scenario,
    protection_data: ProtectionData,
) -> None:
    shield = results[0]
    names = Names.of(scenario, protection_data)
    printed = _printed(*protection_report(shield, names))
    norway = [p for p in shield.coverage.placements if p.nation == "NOR"]
    assert norway, "the built-in air shield places Norway's NASAMS"
    assert "Norway" in printed and "NASAMS battery" in printed
    assert "nasams_bty" not in printed and "nor-nasams" not in printed
    layers = MapLayers(scenario, protection_data)(shield)
    labels = {f["properties"]["unit_name"] for f in layers["ad_sites"]["features"]}
    assert "Norway NASAMS battery" in labels
    assert not any("_bty" in label for label in labels)
    # the threat map labels every area by the name its position carries
    areas = [
        f["properties"]
        for f in layers["positions"]["features"]
        if f["properties"]["kind"] == "area"
    ]
    assert all(a["name"] != a["id"] for a in areas)
