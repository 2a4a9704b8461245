"""Every file a plan run writes, put in place as a whole in the run's own folder.

The files go to ``out/<scenario id>/<run key>/`` (:func:`peaceforce.runs.write_run`):
written to a fresh folder that takes the run folder's place only once every file is
there, so a run that fails half-way (a full disk, a bad path, SIGTERM) leaves nothing,
runs of other inputs are never touched, and running the same inputs again replaces
that run's folder alone.
"""

from __future__ import annotations

from pathlib import Path

from peaceforce.outputs import write_atomic
from peaceforce.plan import PlanResult
from peaceforce.presentation.geojson_layers import (
    write_deployment_layers,
    write_protection_layers,
)
from peaceforce.presentation.protection_maps import write_maps
from peaceforce.presentation.tpfdd import Calendar, write_deployment_files
from peaceforce.protection.data import ProtectionData
from peaceforce.runs import RunCommand, WrittenRun, write_run
from peaceforce.runs.folders import PLAN_FILE
from peaceforce.scenario.model import Scenario


def write_plan_files(
    plan: PlanResult, scenario: Scenario, protection: ProtectionData | None, out: Path
) -> WrittenRun:
    """Write the plan's JSON, TPFDD, charts, maps and layers into its run folder under ``out``.

    Raises
    ------
    InputError
        When ``out`` is not a folder, the run's folder holds other files than an earlier
        run's (replacing it would delete a user's files), or it cannot be written.
    """

    def write_all(folder: Path) -> list[Path]:
        written = [folder / "scenario.json", folder / PLAN_FILE]
        write_atomic(written[0], scenario.model_dump_json(indent=2))
        write_atomic(written[1], plan.model_dump_json(indent=2))
        calendar = Calendar.of(scenario)
        for deployment in plan.deployments:
            written.extend(write_deployment_files(deployment, folder, calendar))
            written.extend(write_deployment_layers(deployment, scenario, folder, calendar))
        if plan.protection and protection is not None:
            written.extend(write_maps(plan.protection, scenario, protection, folder))
            written.extend(write_protection_layers(plan.protection, scenario, protection, folder))
        return written

    return write_run(out, scenario, RunCommand.PLAN, write_all, inputs=(protection,))
