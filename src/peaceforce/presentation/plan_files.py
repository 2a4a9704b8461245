"""Every file a plan run writes, put in place as a whole.

The files are written to a fresh hidden folder beside the output folder, then that
folder takes the output folder's place; a run that fails half-way (a full disk, a
bad path, SIGTERM) leaves the earlier run's folder as it was, never a mix of both.
"""

from __future__ import annotations

from pathlib import Path

from peaceforce.errors import InputError, Problem
from peaceforce.outputs import replacing_folder, write_atomic
from peaceforce.plan import PlanResult
from peaceforce.presentation.geojson_layers import (
    write_deployment_layers,
    write_protection_layers,
)
from peaceforce.presentation.protection_maps import write_maps
from peaceforce.presentation.tpfdd import Calendar, write_deployment_files
from peaceforce.protection.data import ProtectionData
from peaceforce.scenario.model import Scenario

#: The file that marks a folder as written by a plan run (and so safe to replace).
PLAN_FILE = "plan.json"


def write_plan_files(
    plan: PlanResult, scenario: Scenario, protection: ProtectionData | None, out: Path
) -> tuple[Path, ...]:
    """Write the plan's JSON, TPFDD files, charts, maps and layers into ``out``, replacing it whole.

    Returns the paths written, inside ``out``.

    Raises
    ------
    InputError
        When ``out`` is a file, or a folder with other content than an earlier plan's
        (replacing it would delete a user's files), or cannot be written.
    """
    _check_replaceable(out)
    try:
        with replacing_folder(out) as staging:
            names = _write_all(plan, scenario, protection, staging)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError([Problem(str(out), "-", reason, "a writable folder")]) from None
    return tuple(out / name for name in names)


def _write_all(
    plan: PlanResult, scenario: Scenario, protection: ProtectionData | None, folder: Path
) -> list[str]:
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
    return [path.relative_to(folder).as_posix() for path in written]


def _check_replaceable(out: Path) -> None:
    if not out.exists():
        return
    if not out.is_dir() or out.is_symlink():
        raise InputError([Problem(str(out), "-", "not a folder", "a folder for the results")])
    if any(out.iterdir()) and not (out / PLAN_FILE).is_file():
        raise InputError(
            [
                Problem(
                    str(out),
                    "-",
                    "a folder with other files",
                    f"a new or empty folder, or one an earlier plan wrote (it holds {PLAN_FILE})",
                )
            ]
        )
