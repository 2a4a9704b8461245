"""``peaceforce protect``: air-defence coverage, threat and presence for one sourced mission.

A thin wrapper: it loads the scenario and its ``protection.yaml``, sources the
mission, calls :func:`peaceforce.protection.stage.protect_mission`, prints the
tables below (or JSON) and writes the result and its maps. The tables are also
what ``peaceforce plan`` prints for its protection stage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from peaceforce.cli.common import JsonOption, ScenarioOption, console, print_json
from peaceforce.errors import InputError, Problem
from peaceforce.mandate.analysis import analyse_mandate
from peaceforce.outputs import write_atomic
from peaceforce.protection.data import PROTECTION_FILE, load_protection_data
from peaceforce.protection.maps import write_maps
from peaceforce.protection.result import PositionKind, ProtectionResult
from peaceforce.protection.stage import protect_mission
from peaceforce.scenario.loader import builtin_scenario_dir, load_scenario
from peaceforce.sources.cities import ukrainian_cities
from peaceforce.sources.power_plants import read_power_plants
from peaceforce.sourcing.engine import source_mission


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def protection_summary_table(results: tuple[ProtectionResult, ...]) -> Table:
    """One row per framework × mission: what the air defence covers and who matters most."""
    table = Table(title="Air-defence coverage (maximal covering on HiGHS)")
    for column in ("framework", "mission", "units placed", "people covered", "MW covered"):
        table.add_column(column, justify="right" if column != "mission" else "left")
    table.add_column("ports · bases")
    table.add_column("largest loss if a nation withdraws")
    for result in results:
        c = result.coverage
        t = c.totals
        placed = sum(p.units for p in c.placements)
        worst = max(c.withdrawals, key=lambda w: w.after_replacement.weight, default=None)
        table.add_row(
            result.framework_id,
            result.mission_id,
            f"{placed}/{sum(u.units for u in c.units)}",
            f"{t.population_covered / 1e6:.1f} M of {t.population / 1e6:.1f} M "
            f"({_pct(t.population_covered, t.population)})",
            f"{t.mw_covered:,.0f} of {t.mw:,.0f} ({_pct(t.mw_covered, t.mw)})",
            f"{t.ports_covered}/{t.ports} · {t.force_bases_covered}/{t.force_bases}",
            (
                f"{worst.nation}: −{worst.after_replacement.population / 1e6:.1f} M people, "
                f"−{worst.after_replacement.mw:,.0f} MW"
                if worst is not None
                else "-"
            ),
        )
    return table


def units_table(result: ProtectionResult) -> Table:
    """The air-defence units to place, with where they may stand."""
    table = Table(title="Air-defence units")
    for column in (
        "pledge",
        "nation",
        "type",
        "units",
        "range km",
        "sourced for",
        "min km",
        "soil",
    ):
        table.add_column(column)
    for u in result.coverage.units:
        table.add_row(
            u.pledge_id,
            u.nation,
            u.unit_type,
            str(u.units),
            f"{u.range_km:g}",
            ", ".join(u.line_ids) if u.sourced else "[yellow]pledged, not sourced[/yellow]",
            f"{u.min_distance_km:g}",
            "Ukraine or hosts" if u.may_stand_in_ukraine else "host nations only",
        )
    return table


def placements_table(result: ProtectionResult, limit: int = 4) -> Table:
    """Which system stands where and what it covers."""
    sites = {s.id: s for s in result.coverage.sites}
    names = {a.id: a.name for a in result.coverage.assets}
    weights = {a.id: a.weight for a in result.coverage.assets}
    table = Table(title="Placements: which system covers what")
    for column in ("site", "host", "km to line", "risk", "system", "people", "MW", "covers"):
        table.add_column(column, overflow="fold")
    for p in result.coverage.placements:
        site = sites[p.site_id]
        top = sorted(p.covered_assets, key=lambda a: -weights[a])[:limit]
        more = len(p.covered_assets) - len(top)
        table.add_row(
            site.name,
            site.host_nation,
            f"{site.distance_to_line_km:.0f}",
            f"{site.risk:.0f}",
            f"{p.units} × {p.unit_type} ({p.nation})",
            f"{p.covered_population:,}",
            f"{p.covered_mw:,.0f}",
            ", ".join(names[a] for a in top) + (f" +{more}" if more > 0 else ""),
        )
    return table


def withdrawal_table(result: ProtectionResult) -> Table:
    """Coverage lost if each nation withdrew its air defence."""
    table = Table(title="If a nation withdrew its air defence")
    for column in ("nation", "units", "people lost", "MW lost", "after the others move"):
        table.add_column(column, justify="right")
    for w in result.coverage.withdrawals:
        table.add_row(
            w.nation,
            str(w.units),
            f"{w.immediate.population:,}",
            f"{w.immediate.mw:,.0f}",
            f"{w.after_replacement.population:,} people, {w.after_replacement.mw:,.0f} MW",
        )
    return table


def threat_table(result: ProtectionResult) -> Table:
    """Every base, area and unit position: the classes that reach it and its risk."""
    table = Table(title="Threat to every position (risk 0-100)")
    for column in ("position", "kind", "km to line", "km to threat", "from", "reached by", "risk"):
        table.add_column(column, overflow="fold")
    order = list(PositionKind)
    for p in sorted(result.threat.positions, key=lambda p: (order.index(p.kind), -p.risk, p.id)):
        table.add_row(
            p.name,
            p.kind.value,
            f"{p.distance_to_line_km:.0f}",
            f"{p.distance_to_threat_km:.0f}",
            p.nearest_origin,
            ", ".join(p.classes),
            f"{p.risk:.0f}",
        )
    return table


def presence_table(result: ProtectionResult) -> Table:
    """Air-policing stations: bases within the radius and squadrons that can hold them."""
    table = Table(title="Air policing: combat air patrol stations")
    for column in ("station", "radius km", "bases in reach", "squadrons that can hold it"):
        table.add_column(column, overflow="fold")
    for c in result.presence.cap_stations:
        table.add_row(
            c.name,
            f"{c.radius_km:g}",
            ", ".join(f"{b.name} ({b.host_nation}, {b.distance_km:.0f} km)" for b in c.bases[:4])
            + (f" +{len(c.bases) - 4}" if len(c.bases) > 4 else ""),
            ", ".join(c.squadrons) or "[red]none[/red]",
        )
    return table


def corridor_line(result: ProtectionResult) -> str:
    """One sentence on the Black Sea corridor."""
    c = result.presence.corridor
    if c is None:
        return "Black Sea corridor: not in the protection data"
    return (
        f"Black Sea corridor ({c.route_km:.0f} km route): {c.mcm_vessels} MCM vessels keep "
        f"{c.swept_km:.0f} km swept ({100 * c.swept_share:.0f}%); {c.mpa_units} maritime patrol "
        f"units patrol {100 * c.patrolled_share:.0f}% of its area"
    )


def protect(
    mission: Annotated[str, typer.Option("--mission", "-m", help="Mission option id.")],
    framework: Annotated[str, typer.Option("--framework", "-f", help="Framework id.")],
    scenario: ScenarioOption = None,
    power_plants: Annotated[
        Path | None,
        typer.Option(
            "--power-plants", help="CSV of power plants (WRI columns) instead of the built-in list."
        ),
    ] = None,
    all_pledged: Annotated[
        bool,
        typer.Option(
            "--all-pledged", help="Also place air-defence pledges not sourced for this mission."
        ),
    ] = False,
    out: Annotated[Path, typer.Option(help="Folder for the JSON result and the maps.")] = Path(
        "out"
    ),
    maps: Annotated[bool, typer.Option(help="Draw the coverage and threat maps.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Place the mission's air defence to cover cities, energy and bases; threat; presence."""
    folder = scenario or builtin_scenario_dir()
    loaded = load_scenario(folder)
    try:
        loaded.mission(mission)
        loaded.framework(framework)
    except KeyError as exc:
        raise typer.BadParameter(f"unknown id {exc.args[0]}") from None
    data = load_protection_data(loaded, folder)
    if data is None:
        raise InputError(
            [Problem(PROTECTION_FILE, "-", "(missing file)", f"{PROTECTION_FILE} in {folder}")]
        )
    plants = read_power_plants(power_plants) if power_plants is not None else None
    with console.status(f"sourcing {mission} under {framework}") as status:
        mandate = analyse_mandate(loaded)
        sourced = source_mission(loaded, mission, framework, mandate=mandate, explain=False)
        status.update("placing the air defence (maximal covering on HiGHS)")
        result = protect_mission(
            loaded,
            sourced,
            data=data,
            cities=ukrainian_cities(),
            mandate=mandate,
            energy_sites=plants,
            include_unsourced=all_pledged,
        )
        stem = out / f"protection-{mission}-{framework}"
        written = [stem.with_suffix(".json")]
        write_atomic(written[0], result.model_dump_json(indent=2))
        if maps:
            status.update("drawing the maps")
            written += write_maps(result, loaded, data, out)
    if as_json:
        print_json(result)
        return
    console.print(protection_summary_table((result,)))
    console.print(units_table(result))
    console.print(placements_table(result))
    for unplaced in result.coverage.unplaced:
        what = f"{unplaced.units} × {unplaced.pledge_id}"
        console.print(f"[yellow]not placed[/yellow]: {what}: {unplaced.reason}")
    if result.coverage.withdrawals:
        console.print(withdrawal_table(result))
    console.print(threat_table(result))
    console.print(presence_table(result))
    console.print(corridor_line(result))
    for note in result.notes:
        console.print(f"[dim]note: {note}[/dim]")
    console.print("written: " + ", ".join(str(p) for p in written))
