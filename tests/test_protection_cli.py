"""``peaceforce protect``: JSON, tables, the result file, the maps and their layers."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from peaceforce.cli import app
from peaceforce.protection.result import ProtectionResult
from peaceforce.runs import RunCommand
from peaceforce.runs.folders import read_manifest

runner = CliRunner()


def test_protect_writes_result_maps_and_layers(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["protect", "-m", "air_shield", "-f", "coalition", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    printed = ProtectionResult.model_validate_json(result.stdout)
    assert printed.coverage.totals.population_covered > 0
    stem = "protection-air_shield-coalition"
    manifest = read_manifest(out / "coalition-2025" / "latest-protect.json")
    assert (manifest.command, manifest.run_key) == (RunCommand.PROTECT, printed.run_key)
    assert manifest.settings["mission"] == "air_shield" and manifest.settings["maps"] is True
    out = out / "coalition-2025" / manifest.folder  # the run's own folder
    assert sorted(manifest.files) == sorted(p.name for p in out.iterdir())
    assert ProtectionResult.model_validate_json((out / f"{stem}.json").read_text()) == printed
    for name in ("coverage", "threat"):
        assert (out / f"{stem}-{name}.png").read_bytes().startswith(b"\x89PNG")
        assert b"<svg" in (out / f"{stem}-{name}.svg").read_bytes()[:500]
    layers = json.loads((out / f"{stem}-layers.json").read_text())
    assert {
        "ad_sites",
        "ad_coverage",
        "assets",
        "threat_bands",
        "positions",
        "cap_stations",
    } <= set(layers)
    rings = layers["ad_coverage"]["features"]
    mix = {c.threat.value for c in printed.coverage.by_threat if c.share > 0}
    assert {f["properties"]["placement"] for f in rings} == {
        p.id for p in printed.coverage.placements
    }
    assert {f["properties"]["threat"] for f in rings} <= mix
    assert all(f["geometry"]["type"] == "Polygon" for f in rings)
    assert not list(out.glob(".*.tmp"))


def test_protect_tables_without_maps(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["protect", "-m", "reassurance", "-f", "coalition", "--out", str(tmp_path), "--no-maps"],
    )
    assert result.exit_code == 0, result.output
    for title in (
        "Air-defence coverage",
        "Placements: which system covers what",
        "Threat to every",
    ):
        assert title in result.stdout
    assert "Black Sea corridor" in result.stdout
    assert "written to" in result.stdout
    assert not list(tmp_path.rglob("*.png"))


def test_protect_reports_a_bad_power_plant_file(tmp_path: Path) -> None:
    bad = tmp_path / "plants.csv"
    bad.write_text("name,mw\nX,1\n", encoding="utf-8")
    args = ["protect", "-m", "air_shield", "-f", "coalition", "--power-plants", str(bad)]
    result = runner.invoke(app, [*args, "--no-maps", "--json"])
    assert result.exit_code == 2
    assert "columns name,capacity_mw" in json.loads(result.stdout)["problems"][0]["expected"]
