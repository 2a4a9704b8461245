"""``peaceforce protect``: air-defence coverage, threat and presence for one sourced mission.

A thin wrapper: it loads the scenario, its ``protection.yaml`` and the cities,
sources the mission, calls :func:`peaceforce.protection.stage.protect_mission`,
prints :func:`peaceforce.presentation.protection_tables.protection_report` (or
JSON) and writes the result and its maps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peaceforce.cli.common import (
    JsonOption,
    OutOption,
    ScenarioOption,
    TimeLimitOption,
    console,
    print_json,
    run_written,
)
from peaceforce.errors import InputError, Problem
from peaceforce.mandate.analysis import analyse_mandate
from peaceforce.outputs import write_atomic
from peaceforce.presentation.protection_maps import write_maps
from peaceforce.presentation.protection_tables import protection_report
from peaceforce.protection.data import PROTECTION_FILE, load_protection_data
from peaceforce.protection.stage import protect_mission
from peaceforce.runs import RunCommand, write_run
from peaceforce.runs.folders import Setting, content_digest
from peaceforce.scenario.loader import builtin_scenario_dir, load_scenario
from peaceforce.scenario.names import Names
from peaceforce.sources.cities import ukrainian_cities
from peaceforce.sources.power_plants import PowerPlant, read_power_plants
from peaceforce.sourcing.engine import source_mission


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
    out: OutOption = Path("out"),
    maps: Annotated[bool, typer.Option(help="Draw the coverage and threat maps.")] = True,
    time_limit: TimeLimitOption = None,
    as_json: JsonOption = False,
) -> None:
    """Place the mission's air defence to cover cities, energy and bases; threat; presence.

    The result and maps go to OUT/<scenario id>/<key>/, a key over the run key and these options.
    """
    folder = scenario or builtin_scenario_dir()
    loaded = load_scenario(folder)
    loaded.mission(mission)
    loaded.framework(framework)
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
            time_limit_s=time_limit,
        )
        status.update("writing the result and drawing the maps")

        def write_files(run_folder: Path) -> list[Path]:
            written = [run_folder / f"protection-{mission}-{framework}.json"]
            write_atomic(written[0], result.model_dump_json(indent=2))
            if maps:
                written += write_maps((result,), loaded, data, run_folder)
            return written

        settings: dict[str, Setting] = {
            "mission": mission,
            "framework": framework,
            "protection_data": content_digest(data.model_dump(mode="json")),
            "power_plants": None if plants is None else content_digest(_dumped(plants)),
            "all_pledged": all_pledged,
            "maps": maps,
            "time_limit_s": time_limit,
        }
        run = write_run(out, loaded, RunCommand.PROTECT, write_files, settings, inputs=(data,))
    if as_json:
        print_json(result)
        return
    for part in protection_report(result, Names.of(loaded, data)):
        console.print(part)
    console.print(run_written(run, "JSON, maps"))


def _dumped(plants: tuple[PowerPlant, ...]) -> list[dict[str, object]]:
    return [plant.model_dump(mode="json") for plant in plants]
