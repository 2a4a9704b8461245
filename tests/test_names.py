"""Display names: every id a result carries resolves to what a staff officer reads."""

from __future__ import annotations

from rich.console import Console

from constructed_results import deployment_result
from peaceforce.deployment.planner import LateLine
from peaceforce.presentation.tables import late_table
from peaceforce.scenario.loader import load_scenario
from peaceforce.scenario.names import IDS, Names, short_name


def test_ids_resolve_to_the_scenarios_names() -> None:
    names = Names.of(load_scenario())
    assert names.nation("NOR") == "Norway"
    assert names.area("kyiv") == "Kyiv and approaches"
    assert names.unit_type("samp_t_bty") == "SAMP/T battery"
    assert names.line("air_shield", "kyiv-mr") == "NASAMS battery at Kyiv and approaches"
    assert names.pledge("fra-inf") == "France: Mechanised infantry battalion"
    assert names.unit("fra-inf#2@kyiv-inf") == "France: Mechanised infantry battalion 2"
    assert (
        names.unit("fra-inf#2@kyiv-inf", "reassurance")
        == "France: Mechanised infantry battalion 2, Kyiv and approaches"
    )
    assert names.mission("monitoring").startswith("(b) Ceasefire monitoring")


def test_an_unknown_id_is_shown_as_it_is() -> None:
    names = Names.of(load_scenario())
    assert names.nation("XXX") == "XXX"
    assert names.line("air_shield", "no-such-line") == "no-such-line"
    assert names.unit("nobody#1@x") == "nobody#1@x"
    assert IDS.unit_type("samp_t_bty") == "samp_t_bty"


def test_short_names_drop_only_a_closing_parenthesis() -> None:
    assert short_name("SAMP/T battery (Aster 30 B1)") == "SAMP/T battery"
    assert short_name("Armoured (tank) battalion") == "Armoured (tank) battalion"


def test_the_late_table_names_units_lines_and_awaited_lines() -> None:
    late = LateLine(
        unit="fra-inf#1@odesa-inf",
        requirement_line="odesa-inf",
        required_delivery_day=60,
        arrival_day=70,
        days_late=10,
        unavoidable_days=0,
        not_proven_days=10,
        held_by=("line odesa-hq in place",),
    )
    result = deployment_result(mission_id="reassurance", late=(late,))
    console = Console(record=True, width=300, color_system=None)
    console.print(late_table(result, names=Names.of(load_scenario())))
    printed = console.export_text()
    assert "France: Mechanised infantry battalion 1" in printed
    assert "at Odesa and approaches" in printed
    assert "odesa-inf" not in printed and "odesa-hq" not in printed
