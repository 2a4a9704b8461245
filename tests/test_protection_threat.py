"""The threat layer: distances in km on the metric projection, classes that reach, risk scores."""

from __future__ import annotations

import numpy as np
import pytest
from shapely import wkt
from shapely.geometry import LineString

from peaceforce.geo.crs import geodesic_km, to_metric
from peaceforce.protection.data import ThreatClass, load_protection_data
from peaceforce.protection.geometry import LINE_OF_CONTACT, Frontier
from peaceforce.protection.threat import classes_reaching, risk_scores
from peaceforce.scenario.base import Assumption
from peaceforce.scenario.loader import load_scenario
from peaceforce.scenario.model import Scenario
from peaceforce.sourcing.candidates import distance_to_line_km

_WHY = Assumption(reason="a test class with round numbers")
ARTILLERY = ThreatClass(
    id="art", name="artillery", range_km=40, standoff_km=5, severity=1.0, source=_WHY
)
MLRS = ThreatClass(
    id="mlrs", name="rockets", range_km=90, standoff_km=10, severity=0.5, source=_WHY
)


def _meridian_frontier() -> Frontier:
    """A straight 'line of contact' along 36°E from 47°N to 50°N, with a border at 51°N."""
    # Vertices every 0.05° so that the projected line follows the meridian and the
    # parallel (real lines of contact have a vertex every kilometre or two).
    line = LineString([(36.0, lat) for lat in np.arange(47.0, 50.001, 0.05)])
    border = LineString([(lon, 51.0) for lon in np.arange(33.0, 36.001, 0.05)])
    return Frontier(
        line=to_metric(line),
        origins=(("border", to_metric(border)),),
        occupied=None,
    )


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(35.0, 48.5), (34.0, 49.0), (35.6, 47.5), (33.0, 48.0), (30.5, 49.0)],
)
def test_distance_to_a_meridian_line_matches_the_geodesic_by_hand(lon: float, lat: float) -> None:
    # The nearest point of a meridian segment to a point beside it is (very nearly) at the
    # same latitude, so the geodesic along that parallel is the hand-computed distance,
    # e.g. 1 degree of longitude at 48.5°N ≈ 111.32 km × cos(48.5°) ≈ 73.9 km.
    frontier = _meridian_frontier()
    by_hand = geodesic_km(lon, lat, 36.0, lat)
    measured = float(frontier.line_km([lon], [lat])[0])
    assert measured == pytest.approx(by_hand, rel=0.005)


def test_one_degree_of_longitude_at_48_5_north() -> None:
    assert float(_meridian_frontier().line_km([35.0], [48.5])[0]) == pytest.approx(73.9, abs=0.5)


def test_nearest_origin_may_be_the_border() -> None:
    frontier = _meridian_frontier()
    # 34°E 50.8°N: ~22 km south of the border at 51°N, ~140 km west of the line.
    distance, origins = frontier.threat_km([34.0], [50.8])
    assert origins == ["border"]
    assert float(distance[0]) == pytest.approx(geodesic_km(34.0, 50.8, 34.0, 51.0), rel=0.005)
    assert frontier.threat_km([35.5], [48.0])[1] == [LINE_OF_CONTACT]


def test_classes_reach_range_minus_standoff() -> None:
    classes = (ARTILLERY, MLRS)
    assert classes_reaching(35.0, classes) == ("art", "mlrs")
    assert classes_reaching(35.1, classes) == ("mlrs",)
    assert classes_reaching(80.0, classes) == ("mlrs",)
    assert classes_reaching(80.1, classes) == ()


def test_risk_score_by_hand() -> None:
    classes = (ARTILLERY, MLRS)
    # At 20 km: artillery 1.0 × (1 − 20/35) = 0.4286, rockets 0.5 × (1 − 20/80) = 0.375;
    # (0.4286 + 0.375) / 1.5 × 100 = 53.57.
    scores = risk_scores(np.array([0.0, 20.0, 100.0]), classes)
    assert scores.tolist() == pytest.approx([100.0, 53.57, 0.0], abs=0.01)


def test_a_point_beyond_the_line_of_a_real_scenario_is_measured_like_sourcing() -> None:
    scenario: Scenario = load_scenario()
    data = load_protection_data(scenario)
    assert data is not None
    frontier = Frontier.of(scenario, data)
    for area in scenario.areas:
        shape = wkt.loads(area.geometry_wkt)
        if shape.geom_type == "Point":
            from_sourcing = distance_to_line_km(scenario, area)
            assert float(frontier.line_km([shape.x], [shape.y])[0]) == pytest.approx(from_sourcing)


def test_real_line_distance_of_zaporizhzhia_city() -> None:
    # Zaporizhzhia (35.14 E, 47.84 N) lies some 25-45 km from the front south of it:
    # inside tube-artillery reach, as reported throughout 2024-2025.
    scenario = load_scenario()
    data = load_protection_data(scenario)
    assert data is not None
    distance = float(Frontier.of(scenario, data).line_km([35.14], [47.84])[0])
    assert 20.0 < distance < 50.0
