"""The protection stage on the built-in scenario and on hand-made data."""

from __future__ import annotations

from pathlib import Path

import pytest

from peaceforce.errors import ScenarioError
from peaceforce.mandate.analysis import MandateReport, analyse_mandate
from peaceforce.protection.coverage import candidate_sites, plan_coverage
from peaceforce.protection.data import (
    PROTECTION_FILE,
    CandidateSite,
    ProtectionData,
    ThreatMix,
    load_protection_data,
)
from peaceforce.protection.geometry import Frontier
from peaceforce.protection.presence import assess_presence
from peaceforce.protection.result import (
    AirDefenceUnit,
    AssetKind,
    PositionKind,
    ProtectedAsset,
    ProtectionResult,
    ThreatRadius,
)
from peaceforce.protection.stage import protect_mission
from peaceforce.scenario.base import Assumption
from peaceforce.scenario.loader import builtin_scenario_dir
from peaceforce.scenario.model import AirThreat, Scenario
from peaceforce.solvers import SolveStatus
from peaceforce.sources.cities import City, ukrainian_cities
from peaceforce.sources.power_plants import read_power_plants
from peaceforce.sourcing.engine import source_mission
from peaceforce.sourcing.result import SourcingResult

#: A mission that defends against aircraft alone (for the hand-made cases).
AIRCRAFT_ONLY = ThreatMix(
    shares={AirThreat.AIRCRAFT: 1.0}, source=Assumption(reason="hand-made test case")
)


def same_radius(km: float) -> tuple[ThreatRadius, ...]:
    """One radius against every class, as a catalogue without horizon cuts would give."""
    return tuple(
        ThreatRadius(threat=t, km=km, catalogue_km=km, horizon_km=None, estimate=False)
        for t in AirThreat
    )


@pytest.fixture(scope="module")
def cities() -> tuple[City, ...]:
    return ukrainian_cities()


@pytest.fixture(scope="module")
def mandate(scenario: Scenario) -> MandateReport:
    return analyse_mandate(scenario)


@pytest.fixture(scope="module")
def air_shield(scenario: Scenario, mandate: MandateReport) -> SourcingResult:
    return source_mission(scenario, "air_shield", "coalition", mandate=mandate, explain=False)


@pytest.fixture(scope="module")
def protected(
    scenario: Scenario,
    protection_data: ProtectionData,
    cities: tuple[City, ...],
    mandate: MandateReport,
    air_shield: SourcingResult,
) -> ProtectionResult:
    return protect_mission(
        scenario, air_shield, data=protection_data, cities=cities, mandate=mandate
    )


# --- the built-in scenario ---------------------------------------------------------------


def test_air_shield_covers_people_and_megawatts(protected: ProtectionResult) -> None:
    totals = protected.coverage.totals
    assert protected.coverage.status is SolveStatus.OPTIMAL
    # batteries at Kyiv (2.95 M) and Lviv (0.72 M), each city counted once, not per district
    assert totals.population_covered > 3_500_000
    assert totals.population < 25_000_000  # the free cities of 15,000 or more, districts merged
    assert totals.mw_covered > 5_000
    assert 0 < totals.population_share <= 1 and 0 < totals.mw_share <= 1
    assert all(u.sourced for u in protected.coverage.units)


def test_units_are_the_sourced_air_defence(
    protected: ProtectionResult, scenario: Scenario, air_shield: SourcingResult
) -> None:
    sourced = [
        a
        for a in air_shield.assignments
        if scenario.unit_type_by_id[a.unit_type].domain.value == "air_defence"
    ]
    assert sum(u.units for u in protected.coverage.units) == sum(a.units for a in sourced)
    assert {u.pledge_id for u in protected.coverage.units} == {a.pledge_id for a in sourced}
    against_aircraft = {
        u.unit_type: u.radius_km(AirThreat.AIRCRAFT) for u in protected.coverage.units
    }
    assert against_aircraft.get("samp_t_bty", 120) == 120
    assert against_aircraft.get("nasams_bty", 40) == 40


def test_result_round_trips_through_json(protected: ProtectionResult) -> None:
    again = ProtectionResult.model_validate_json(protected.model_dump_json())
    assert again == protected


def test_placements_respect_distance_soil_and_capacity(
    protected: ProtectionResult, protection_data: ProtectionData
) -> None:
    sites = {s.id: s for s in protected.coverage.sites}
    units = {u.pledge_id: u for u in protected.coverage.units}
    per_site: dict[str, int] = {}
    for placement in protected.coverage.placements:
        site, unit = sites[placement.site_id], units[placement.pledge_id]
        assert (
            site.distance_to_line_km
            >= unit.min_distance_km
            >= protection_data.min_distance_from_line_km
        )
        assert unit.may_stand_in_ukraine or site.host_nation != "UKR"
        per_site[site.id] = per_site.get(site.id, 0) + placement.units
    assert all(n <= sites[s].capacity for s, n in per_site.items())


def test_which_system_covers_what(protected: ProtectionResult) -> None:
    assets = {a.id: a for a in protected.coverage.assets}
    for placement in protected.coverage.placements:
        covered = [assets[a] for a in placement.covered_assets]
        assert placement.covered_population <= round(
            sum(a.value for a in covered if a.kind is AssetKind.CITY)
        )
        assert all(placement.id in a.covered_by for a in covered)
    # Against the mix: each class's people weighted by its share of the attacks.
    by_class = {c.threat: c for c in protected.coverage.by_threat}
    for threat, share in by_class.items():
        people = sum(
            a.value
            for a in assets.values()
            if a.kind is AssetKind.CITY and threat in a.covered_against
        )
        assert share.totals.population_covered == round(people)
    mix = sum(c.share * c.totals.population_covered for c in by_class.values())
    assert protected.coverage.totals.population_covered == pytest.approx(mix, abs=1)


def test_no_asset_in_occupied_territory(protected: ProtectionResult) -> None:
    names = {a.name for a in protected.coverage.assets}
    assert "Kyiv" in names
    assert not names & {"Donetsk", "Luhansk", "Sevastopol", "Simferopol", "Mariupol"}
    assert "Zaporizhzhia NPP" not in names
    assert protected.coverage.excluded_assets > 50


def test_withdrawal_losses(protected: ProtectionResult) -> None:
    withdrawals = {w.nation: w for w in protected.coverage.withdrawals}
    assert set(withdrawals) == {u.nation for u in protected.coverage.units}
    for withdrawal in withdrawals.values():
        assert withdrawal.immediate.weight >= 0
        # The others may move to fill the gap, so the loss can only shrink.
        assert withdrawal.after_replacement.weight <= withdrawal.immediate.weight + 1e-6


def test_threat_scores_every_base_area_and_unit(
    protected: ProtectionResult, scenario: Scenario, protection_data: ProtectionData
) -> None:
    kinds = {p.kind for p in protected.threat.positions}
    assert kinds == set(PositionKind)
    # Measured from the sector's centre, a few km behind the line: every class reaches it.
    sector = protected.threat.position("sector_donetsk")
    assert sector.distance_to_line_km < 10 and sector.risk > 85
    assert "tube_artillery" in sector.classes
    lviv = protected.threat.position("lviv")
    assert "tube_artillery" not in lviv.classes and "attack_drones" in lviv.classes
    assert lviv.risk < sector.risk
    # Every air-defence site chosen is out of tube-artillery reach.
    for position in protected.threat.positions:
        if position.kind is PositionKind.AD_SITE:
            assert "tube_artillery" not in position.classes


def test_presence_air_policing_and_corridor(
    protected: ProtectionResult,
    scenario: Scenario,
    protection_data: ProtectionData,
    mandate: MandateReport,
) -> None:
    stations = {c.id: c for c in protected.presence.cap_stations}
    assert set(stations) == {s.id for s in protection_data.cap_stations}
    assert all(c.sustained for c in stations.values())
    for station in stations.values():
        assert all(b.distance_km <= station.radius_km for b in station.bases)
    corridor = protected.presence.corridor
    assert corridor is not None and corridor.mcm_vessels == 0  # air_shield has no ships
    reassurance = source_mission(
        scenario, "reassurance", "coalition", mandate=mandate, explain=False
    )
    sea = assess_presence(
        scenario, protection_data, reassurance, mandate.assessment("coalition")
    ).corridor
    assert sea is not None
    assert sea.mcm_vessels == 4
    assert sea.swept_km == pytest.approx(min(sea.route_km, 4 * 80.0))
    assert 500 < sea.route_km < 650


def test_unsourced_pledges_are_flagged(
    scenario: Scenario,
    protection_data: ProtectionData,
    cities: tuple[City, ...],
    mandate: MandateReport,
    air_shield: SourcingResult,
) -> None:
    result = protect_mission(
        scenario,
        air_shield,
        data=protection_data,
        cities=cities,
        mandate=mandate,
        include_unsourced=True,
        withdrawals=False,
    )
    spare = [u for u in result.coverage.units if not u.sourced]
    assert {u.pledge_id for u in spare} == {"deu-patriot", "deu-iris"}
    assert any("pledged but not sourced" in note for note in result.notes)


# --- the minimum distance from the line ----------------------------------------------------


def test_site_inside_the_minimum_distance_is_never_chosen(
    scenario: Scenario, protection_data: ProtectionData
) -> None:
    # Two sites: one at Zaporizhzhia, 20-50 km from the line and beside 700,000 people,
    # one at Lviv, far away. The unit must stay 60 km from the line: only Lviv is allowed,
    # although Zaporizhzhia would cover far more.
    sites_data = protection_data.model_copy(
        update={
            "site_grid": None,
            "candidate_sites": (
                CandidateSite(
                    id="zap", name="Zaporizhzhia", host_nation="UKR", lon=35.14, lat=47.84
                ),
                CandidateSite(id="lviv", name="Lviv", host_nation="UKR", lon=24.03, lat=49.84),
            ),
        }
    )
    sites = candidate_sites(sites_data, Frontier.of(scenario, sites_data), ())
    assert sites[0].distance_to_line_km < 60 < sites[1].distance_to_line_km
    assets = (
        ProtectedAsset(
            id="z",
            name="Zaporizhzhia",
            kind=AssetKind.CITY,
            lon=35.18,
            lat=47.85,
            value=7e5,
            weight=7.0,
        ),
        ProtectedAsset(
            id="l", name="Lviv", kind=AssetKind.CITY, lon=24.02, lat=49.84, value=7e5, weight=1.0
        ),
    )
    unit = AirDefenceUnit(
        pledge_id="p",
        nation="ESP",
        unit_type="nasams_bty",
        units=1,
        radii=same_radius(40),
        sourced=True,
        line_ids=("l",),
        area=None,
        min_distance_km=60,
        may_stand_in_ukraine=True,
    )
    result = plan_coverage((unit,), sites, assets, frozenset(), AIRCRAFT_ONLY, withdrawals=False)
    assert [p.site_id for p in result.placements] == ["lviv"]
    assert result.totals.weight_covered == 1.0
    closer = unit.model_copy(update={"min_distance_km": 10})
    placed = plan_coverage((closer,), sites, assets, frozenset(), AIRCRAFT_ONLY).placements
    assert [p.site_id for p in placed] == ["zap"]


def test_no_presence_unit_only_at_host_nation_sites(
    scenario: Scenario, protection_data: ProtectionData, cities: tuple[City, ...]
) -> None:
    sites = candidate_sites(protection_data, Frontier.of(scenario, protection_data), cities)
    assets = (
        ProtectedAsset(
            id="k", name="Kyiv", kind=AssetKind.CITY, lon=30.52, lat=50.45, value=3e6, weight=30.0
        ),
        ProtectedAsset(
            id="r",
            name="Rzeszów",
            kind=AssetKind.FORCE_BASE,
            lon=22.0,
            lat=50.04,
            value=10,
            weight=10.0,
        ),
    )
    unit = AirDefenceUnit(
        pledge_id="ita-sampt",
        nation="ITA",
        unit_type="samp_t_bty",
        units=1,
        radii=same_radius(120),
        sourced=False,
        line_ids=(),
        area=None,
        min_distance_km=40,
        may_stand_in_ukraine=False,
    )
    result = plan_coverage(
        (unit,), sites, assets, frozenset({"POL"}), AIRCRAFT_ONLY, withdrawals=False
    )
    hosts = {s.id: s.host_nation for s in sites}
    assert [hosts[p.site_id] for p in result.placements] == ["POL"]
    assert result.totals.force_bases_covered == 1


# --- inputs --------------------------------------------------------------------------------


def test_power_plants_from_the_shared_csv(
    shared_data: Path,
    scenario: Scenario,
    *,
    protection_data: ProtectionData,
    cities: tuple[City, ...],
    mandate: MandateReport,
    air_shield: SourcingResult,
) -> None:
    plants = read_power_plants(shared_data / "infrastructure" / "power_plants_ukraine.csv")
    assert len(plants) == 64  # the data README says 63; the file holds 64 rows
    assert {p.name for p in plants if p.nuclear} >= {"South Ukraine", "Khmelnytska"}
    result = protect_mission(
        scenario,
        air_shield,
        data=protection_data,
        cities=cities,
        mandate=mandate,
        energy_sites=plants,
        withdrawals=False,
    )
    energy = [a for a in result.coverage.assets if a.kind is AssetKind.ENERGY]
    assert 0 < len(energy) < 64  # the plants in occupied territory drop out
    assert result.coverage.totals.mw_covered > 5_000


def test_builtin_protection_file_loads(protection_data: ProtectionData) -> None:
    assert {c.id for c in protection_data.threat_classes} >= {
        "tube_artillery",
        "mlrs",
        "ballistic_missiles",
    }
    assert protection_data.hosts == {"POL", "ROU"}
    assert protection_data.occupied_territory is not None


def test_scenario_without_protection_file(tmp_path: Path, scenario: Scenario) -> None:
    assert load_protection_data(scenario, tmp_path) is None


def test_protection_file_problems_are_line_numbered(tmp_path: Path, scenario: Scenario) -> None:
    text = (builtin_scenario_dir() / PROTECTION_FILE).read_text(encoding="utf-8")
    text = text.replace(
        "{id: rzeszow, name: Rzeszów-Jasionka, host_nation: POL, lon: 22.02",
        "{id: rzeszow, name: Rzeszów-Jasionka, host_nation: HUN, lon: 22.02",
    ).replace("    range_km: 40\n    standoff_km: 5\n", "    range_km: 40\n    standoff_km: 45\n")
    text = text.replace("  area: black_sea_corridor\n", "  area: kyiv\n")
    (tmp_path / PROTECTION_FILE).write_text(text, encoding="utf-8")
    lines = text.splitlines()
    with pytest.raises(ScenarioError) as caught:
        load_protection_data(scenario, tmp_path)
    problems = caught.value.problems
    assert all(p.file == PROTECTION_FILE and p.location.startswith("line ") for p in problems)
    # The standoff fault stops validation, so fix it and look for the cross-checks.
    assert any("standoff 45.0 km not below range 40.0 km" in p.expected for p in problems)
    (tmp_path / PROTECTION_FILE).write_text(
        text.replace("    standoff_km: 45\n", "    standoff_km: 5\n"), encoding="utf-8"
    )
    with pytest.raises(ScenarioError) as caught:
        load_protection_data(scenario, tmp_path)
    found = {p.value: p for p in caught.value.problems}
    hun = found["'HUN'"]
    line = int(hun.location.removeprefix("line ").split(",")[0])
    assert "host_nation: HUN" in lines[line - 1]
    assert "UKR or a nation that agreed to host (POL, ROU)" in hun.expected
    assert "a sea area (black_sea_corridor)" in found["'kyiv'"].expected
