"""Air defence by threat class: radar horizon, radii per class, sourced areas, positions."""

from __future__ import annotations

import math

import pytest

from peaceforce.mandate.analysis import MandateReport, analyse_mandate
from peaceforce.protection.coverage import plan_coverage
from peaceforce.protection.data import (
    AirThreatAltitude,
    AirThreats,
    ProtectionData,
    ThreatMix,
)
from peaceforce.protection.envelope import defended_radii, radar_horizon_km
from peaceforce.protection.geometry import Frontier
from peaceforce.protection.presence import flying_base
from peaceforce.protection.result import (
    AirDefenceUnit,
    AssetKind,
    CandidateSiteInfo,
    PositionKind,
    ProtectedAsset,
    ProtectionResult,
    ThreatRadius,
)
from peaceforce.protection.stage import protect_mission
from peaceforce.scenario.base import Assumption
from peaceforce.scenario.model import AirThreat, Scenario
from peaceforce.scenario.names import Names
from peaceforce.sources.cities import ukrainian_cities
from peaceforce.sourcing.candidates import area_centre
from peaceforce.sourcing.engine import source_mission

WHY = Assumption(reason="hand-made test case")


# --- the radar horizon ---------------------------------------------------------------------


def test_radar_horizon_of_a_4_m_mast_against_a_50_m_cruise_missile() -> None:
    # 4/3 Earth: sqrt(2 * 4/3 * 6,371,000 m * h) = 4,121.8 m * sqrt(h).
    # 4 m mast: 8.24 km; 50 m missile: 29.15 km; together 37.4 km.
    assert radar_horizon_km(4.0, 50.0) == pytest.approx(37.39, abs=0.01)
    assert radar_horizon_km(16.0, 100.0) == pytest.approx(4.1218 * (4 + 10), abs=0.01)
    # Raising the mast from 4 m to 25 m adds 4.12 * (5 - 2) = 12.4 km.
    gain = radar_horizon_km(25.0, 50.0) - radar_horizon_km(4.0, 50.0)
    assert gain == pytest.approx(4.1218 * 3, abs=0.01)


def test_catalogue_patriot_radii_per_class(scenario: Scenario) -> None:
    envelope = scenario.unit_type_by_id["patriot_bty"].air_defence
    assert envelope is not None
    threats = AirThreats(
        altitudes=(AirThreatAltitude(threat=AirThreat.CRUISE_MISSILE, altitude_m=50, source=WHY),),
        mix=ThreatMix(shares={AirThreat.CRUISE_MISSILE: 1.0}, source=WHY),
    )
    radii = {r.threat: r for r in defended_radii(envelope, threats)}
    assert radii[AirThreat.AIRCRAFT].km == 160  # no altitude given: the catalogue's figure
    assert radii[AirThreat.BALLISTIC_MISSILE].km == 30
    assert radii[AirThreat.BALLISTIC_MISSILE].estimate
    cruise = radii[AirThreat.CRUISE_MISSILE]
    assert cruise.km == pytest.approx(4.1218 * (math.sqrt(4) + math.sqrt(50)), abs=0.1)
    assert cruise.horizon_limited and cruise.catalogue_km == 160


def test_every_catalogue_air_defence_type_names_every_class(scenario: Scenario) -> None:
    for unit_type in scenario.catalogue:
        if unit_type.air_defence is not None:
            given = {r.threat for r in unit_type.air_defence.radii}
            assert given == set(AirThreat), unit_type.id
            ballistic = unit_type.air_defence.km(AirThreat.BALLISTIC_MISSILE)
            assert ballistic < unit_type.air_defence.km(AirThreat.AIRCRAFT)


def test_a_mix_that_does_not_add_up_is_refused() -> None:
    with pytest.raises(ValueError, match="add up to 1"):
        ThreatMix(shares={AirThreat.DRONE: 0.5, AirThreat.AIRCRAFT: 0.2}, source=WHY)


# --- a system covers a different set of points per class -----------------------------------

#: Kyiv's latitude; 1 degree of longitude there is about 71.0 km.
LAT = 50.45
KM_PER_DEGREE = 111.32 * math.cos(math.radians(LAT))


def _site(site_id: str, lon: float, areas: tuple[str, ...] = ()) -> CandidateSiteInfo:
    return CandidateSiteInfo(
        id=site_id,
        name=site_id,
        lon=lon,
        lat=LAT,
        host_nation="UKR",
        capacity=1,
        distance_to_line_km=500.0,
        risk=10.0,
        areas=areas,
    )


def _city(city_id: str, km_east: float, people: float = 1e5) -> ProtectedAsset:
    return ProtectedAsset(
        id=city_id,
        name=city_id,
        kind=AssetKind.CITY,
        lon=30.0 + km_east / KM_PER_DEGREE,
        lat=LAT,
        value=people,
        weight=people / 1e5,
    )


def _unit(radii: dict[AirThreat, float], area: str | None = None) -> AirDefenceUnit:
    return AirDefenceUnit(
        pledge_id="p",
        nation="NLD",
        unit_type="patriot_bty",
        units=1,
        radii=tuple(
            ThreatRadius(threat=t, km=km, catalogue_km=km, horizon_km=None, estimate=False)
            for t, km in radii.items()
        ),
        sourced=area is not None,
        line_ids=("line",) if area is not None else (),
        area=area,
        min_distance_km=40,
        may_stand_in_ukraine=True,
    )


PATRIOT_LIKE = {
    AirThreat.AIRCRAFT: 160.0,
    AirThreat.CRUISE_MISSILE: 37.4,
    AirThreat.BALLISTIC_MISSILE: 30.0,
    AirThreat.DRONE: 58.7,
}


def test_ballistic_radius_smaller_than_aircraft_covers_fewer_points() -> None:
    cities = [_city(f"c{km}", km) for km in (10, 25, 35, 50, 100, 150, 200)]
    mix = ThreatMix(shares={AirThreat.BALLISTIC_MISSILE: 0.5, AirThreat.AIRCRAFT: 0.5}, source=WHY)
    result = plan_coverage(
        (_unit(PATRIOT_LIKE),), (_site("s", 30.0),), cities, frozenset(), mix, withdrawals=False
    )
    covered = {a.id: set(a.covered_against) for a in result.assets}
    against = {t: {city for city, classes in covered.items() if t in classes} for t in AirThreat}
    assert against[AirThreat.AIRCRAFT] == {"c10", "c25", "c35", "c50", "c100", "c150"}
    assert against[AirThreat.BALLISTIC_MISSILE] == {"c10", "c25"}
    assert against[AirThreat.CRUISE_MISSILE] == {"c10", "c25", "c35"}
    assert against[AirThreat.DRONE] == {"c10", "c25", "c35", "c50"}
    by_class = {c.threat: c for c in result.by_threat}
    assert by_class[AirThreat.AIRCRAFT].totals.population_covered == 600_000
    assert by_class[AirThreat.BALLISTIC_MISSILE].totals.population_covered == 200_000
    assert by_class[AirThreat.DRONE].share == 0  # reported, not defended against
    # Against the mix: half the attacks ballistic (2 cities), half aircraft (6 cities).
    assert result.totals.population_covered == 400_000
    rings = {r.threat: r.km for r in result.placements[0].radii}
    assert rings[AirThreat.BALLISTIC_MISSILE] < rings[AirThreat.AIRCRAFT]


def test_the_mix_decides_where_the_unit_stands() -> None:
    # West site: 20 km from a city of 300,000 and 100 km from one of 400,000; the
    # east site the other way round. Against aircraft (160 km) either site covers
    # both and the less exposed one wins; against ballistic missiles (30 km) only
    # the near city counts, so the unit moves beside the larger one.
    west, east = _site("west", 30.0), _site("east", 30.0 + 120 / KM_PER_DEGREE)
    east = east.model_copy(update={"risk": 20.0})
    cities = [_city("small", 20, 3e5), _city("large", 100, 4e5)]
    ballistic = ThreatMix(shares={AirThreat.BALLISTIC_MISSILE: 1.0}, source=WHY)
    aircraft = ThreatMix(shares={AirThreat.AIRCRAFT: 1.0}, source=WHY)
    unit = (_unit(PATRIOT_LIKE),)
    against_aircraft = plan_coverage(unit, (west, east), cities, frozenset(), aircraft)
    assert [p.site_id for p in against_aircraft.placements] == ["west"]  # both cities, less risk
    assert against_aircraft.totals.population_covered == 700_000
    against_ballistic = plan_coverage(unit, (west, east), cities, frozenset(), ballistic)
    assert [p.site_id for p in against_ballistic.placements] == ["east"]  # the larger city only
    assert against_ballistic.totals.population_covered == 400_000


# --- a unit stands in the area it was sourced for ------------------------------------------


def test_unit_sourced_for_an_area_stands_in_it() -> None:
    # The site outside the area would defend twice the people; the unit stays in its area.
    inside = _site("inside", 30.0, areas=("plant",))
    outside = _site("outside", 30.0 + 200 / KM_PER_DEGREE)
    cities = [_city("near", 10, 1e5), _city("far", 200, 2e5)]
    mix = ThreatMix(shares={AirThreat.AIRCRAFT: 1.0}, source=WHY)
    bound = plan_coverage(
        (_unit(PATRIOT_LIKE, area="plant"),),
        (inside, outside),
        cities,
        frozenset(),
        mix,
        withdrawals=False,
    )
    assert [p.site_id for p in bound.placements] == ["inside"]
    assert bound.placements[0].area == "plant"
    free = plan_coverage(
        (_unit(PATRIOT_LIKE),), (inside, outside), cities, frozenset(), mix, withdrawals=False
    )
    assert [p.site_id for p in free.placements] == ["outside"]


def test_unit_without_a_site_in_its_area_is_left_unplaced_with_the_reason() -> None:
    mix = ThreatMix(shares={AirThreat.AIRCRAFT: 1.0}, source=WHY)
    result = plan_coverage(
        (_unit(PATRIOT_LIKE, area="elsewhere"),),
        (_site("s", 30.0),),
        [_city("c", 5)],
        frozenset(),
        mix,
        withdrawals=False,
    )
    assert not result.placements
    assert "in area elsewhere" in result.unplaced[0].reason


@pytest.fixture(scope="module")
def mandate(scenario: Scenario) -> MandateReport:
    return analyse_mandate(scenario)


@pytest.fixture(scope="module")
def air_shield(
    scenario: Scenario, protection_data: ProtectionData, mandate: MandateReport
) -> ProtectionResult:
    sourcing = source_mission(scenario, "air_shield", "coalition", mandate=mandate, explain=False)
    return protect_mission(
        scenario,
        sourcing,
        data=protection_data,
        cities=ukrainian_cities(),
        mandate=mandate,
        withdrawals=False,
        time_limit_s=60,
    )


def test_built_in_units_stand_in_their_sourced_areas(air_shield: ProtectionResult) -> None:
    sites = {s.id: s for s in air_shield.coverage.sites}
    assert air_shield.coverage.placements
    for placement in air_shield.coverage.placements:
        assert placement.area in sites[placement.site_id].areas, placement.id
    # Norway's NASAMS, sourced for the Khmelnytskyi and Rivne plants, stand beside them.
    norway = {p.line_ids[0]: p.site_id for p in air_shield.coverage.placements if p.nation == "NOR"}
    assert norway == {"knpp-mr": "netishyn", "rnpp-mr": "varash"}


def test_built_in_mix_is_defended_and_reported_per_class(air_shield: ProtectionResult) -> None:
    by_class = {c.threat: c for c in air_shield.coverage.by_threat}
    assert set(by_class) == set(AirThreat)
    assert sum(c.share for c in by_class.values()) == pytest.approx(1.0, abs=1e-3)
    assert by_class[AirThreat.DRONE].share > 0.9
    share = {t: c.totals.population_covered / c.totals.population for t, c in by_class.items()}
    # A battery defends less against ballistic missiles than against aircraft.
    assert share[AirThreat.BALLISTIC_MISSILE] < share[AirThreat.AIRCRAFT]
    mix = air_shield.coverage.totals
    assert share[AirThreat.BALLISTIC_MISSILE] <= mix.population_share <= share[AirThreat.AIRCRAFT]


# --- threat measured from the position ------------------------------------------------------


def test_cap_squadrons_flying_from_bases_outside_artillery_range(
    scenario: Scenario, air_shield: ProtectionResult, protection_data: ProtectionData
) -> None:
    artillery = next(c for c in protection_data.threat_classes if c.id == "tube_artillery")
    squadron_name = Names.of(scenario).unit_types["fighter_sqn"]  # positions carry display names
    squadrons = [
        p
        for p in air_shield.threat.positions
        if p.kind is PositionKind.UNIT and squadron_name in p.name
    ]
    assert squadrons
    for squadron in squadrons:
        assert "flying from" in squadron.name
        assert squadron.distance_to_threat_km > artillery.reach_km
        assert "tube_artillery" not in squadron.classes
        assert squadron.risk < 50


def test_flying_base_is_the_least_exposed_in_reach(
    scenario: Scenario, protection_data: ProtectionData, mandate: MandateReport
) -> None:
    frontier = Frontier.of(scenario, protection_data)
    assessment = mandate.assessment("coalition")
    # Poland's F-16s may not stand in Ukraine: they fly from a Polish or Romanian base.
    serves = area_centre(scenario.area_by_id["western_central_airspace"])
    base = flying_base(
        scenario, protection_data, assessment, "pol-f16", serves=serves, frontier=frontier
    )
    assert base is not None and base.host_nation in {"POL", "ROU"}
    usable = [b for b in protection_data.air_bases if b.host_nation in {"POL", "ROU"}]
    distances = frontier.threat_km([b.lon for b in usable], [b.lat for b in usable])[0]
    farthest = max(float(d) for d in distances)
    chosen = float(frontier.threat_km([base.lon], [base.lat])[0][0])
    assert chosen <= farthest  # within the radius, the farthest from the threat
    assert chosen > 400


def test_area_threat_is_measured_from_its_point(
    air_shield: ProtectionResult, scenario: Scenario, protection_data: ProtectionData
) -> None:
    frontier = Frontier.of(scenario, protection_data)
    airspace = scenario.area_by_id["western_central_airspace"]
    lon, lat = area_centre(airspace)
    position = air_shield.threat.position("western_central_airspace")
    # Its polygon touches the front, but its point lies hundreds of km behind it.
    assert position.distance_to_line_km == pytest.approx(
        float(frontier.line_km([lon], [lat])[0]), abs=0.1
    )
    assert position.distance_to_line_km > 200
    assert "tube_artillery" not in position.classes
