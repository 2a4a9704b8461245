"""Every file a plan run writes, put in place as a whole in the run's own folder.

The files go to ``out/<scenario id>/<run key>/`` (:func:`peaceforce.runs.write_run`):
written to a fresh folder that takes the run folder's place only once every file is
there, so a run that fails half-way (a full disk, a bad path, SIGTERM) leaves nothing,
runs of other inputs are never touched, and running the same inputs again replaces
that run's folder alone.

Figures take most of the writing time, so :class:`PlanFiles` starts drawing each
stage's figures in worker processes as soon as that stage's result exists (pass
its :meth:`PlanFiles.stage_done` to :func:`peaceforce.plan.run_plan`), and
:meth:`PlanFiles.write` collects them with the other files.
"""

from __future__ import annotations

from pathlib import Path

from peaceforce.briefing import submit_briefing_charts, write_briefing
from peaceforce.deployment.planner import DeploymentResult
from peaceforce.outputs import write_atomic
from peaceforce.plan import PlanResult
from peaceforce.presentation.deployment_charts import deployment_drawings
from peaceforce.presentation.figures import HERE, FigurePool
from peaceforce.presentation.geojson_layers import (
    write_deployment_layers,
    write_protection_layers,
)
from peaceforce.presentation.protection_maps import MapLayers, protection_drawings, write_maps
from peaceforce.presentation.tpfdd import Calendar, write_deployment_files
from peaceforce.protection.data import ProtectionData
from peaceforce.protection.result import ProtectionResult
from peaceforce.results import StageResult
from peaceforce.runs import RunCommand, WrittenRun, write_run
from peaceforce.runs.folders import PLAN_FILE, SCENARIO_FILE
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.names import Names


class PlanFiles:
    """The files of one plan run: figures begun while the plan runs, the rest at the end."""

    def __init__(
        self, scenario: Scenario, protection: ProtectionData | None, figures: FigurePool = HERE
    ) -> None:
        self.scenario = scenario
        self.protection = protection
        self.figures = figures
        self.layers = MapLayers(scenario, protection) if protection is not None else None
        self.names = Names.of(scenario, protection)

    def stage_done(self, result: StageResult) -> None:
        """Start drawing a deployment's charts or a protection result's maps."""
        if isinstance(result, DeploymentResult):
            drawings = deployment_drawings(result, self.names)
        elif isinstance(result, ProtectionResult) and self.layers is not None:
            drawings = protection_drawings(result, self.layers(result), self.names)
        else:
            return
        for drawing in drawings:
            self.figures.submit(drawing)

    def write(self, plan: PlanResult, out: Path) -> WrittenRun:
        """Write the plan's JSON, TPFDD, charts, maps, layers and briefing pack into its run
        folder under ``out``.

        Raises
        ------
        InputError
            When ``out`` is not a folder, the run's folder holds other files than an
            earlier run's (replacing it would delete a user's files), or it cannot be
            written.
        """
        scenario, protection = self.scenario, self.protection

        def write_all(folder: Path) -> list[Path]:
            submit_briefing_charts(plan, scenario, self.figures)
            written = [folder / SCENARIO_FILE, folder / PLAN_FILE]
            write_atomic(written[0], scenario.model_dump_json(indent=2))
            write_atomic(written[1], plan.model_dump_json(indent=2))
            calendar = Calendar.of(scenario)
            for deployment in plan.deployments:
                written += write_deployment_files(
                    deployment, folder, calendar, self.figures, self.names
                )
                written += write_deployment_layers(deployment, scenario, folder, calendar)
            if plan.protection and protection is not None:
                written += write_maps(
                    plan.protection,
                    scenario,
                    protection,
                    folder,
                    figures=self.figures,
                    layers=self.layers,
                )
                written += write_protection_layers(
                    plan.protection, scenario, protection, folder, self.layers
                )
            # Further outputs of the plan (each returning the paths it wrote) go here.
            written += write_briefing(plan, scenario, folder, figures=self.figures)
            return written

        return write_run(out, scenario, RunCommand.PLAN, write_all, inputs=(protection,))


def write_plan_files(
    plan: PlanResult, scenario: Scenario, protection: ProtectionData | None, out: Path
) -> WrittenRun:
    """Write every file of a finished plan, drawing its figures now (:meth:`PlanFiles.write`)."""
    return PlanFiles(scenario, protection).write(plan, out)
