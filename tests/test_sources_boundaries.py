"""geoBoundaries ADM1: the 27 divisions of Ukraine, and a file without their names refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

from peaceforce.errors import InputError
from peaceforce.sources.boundaries import load_regions


def test_the_shared_adm1_file(shared_data: Path) -> None:
    regions = load_regions(shared_data / "boundaries" / "ukraine_adm1_geoboundaries.geojson")
    assert len(regions) == 27  # 24 oblasts, Crimea, Kyiv, Sevastopol
    by_iso = {r.iso: r for r in regions}
    assert len(by_iso) == 27
    assert by_iso["UA-65"].name.startswith("Kherson")
    assert by_iso["UA-65"].geometry.contains(shapely.Point(32.6, 46.6))  # Kherson city


def test_features_without_names_are_named_by_json_path(tmp_path: Path) -> None:
    path = tmp_path / "adm1.geojson"
    square = {"type": "Polygon", "coordinates": [[[30, 50], [31, 50], [31, 51], [30, 50]]]}
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "geometry": square, "properties": {"shapeISO": "UA-30"}},
                    {
                        "type": "Feature",
                        "geometry": square,
                        "properties": {"shapeISO": "UA-32", "shapeName": "Kyiv Oblast"},
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_regions(path)
    assert [p.location for p in caught.value.problems] == ["$.features[0].properties"]
