"""Stage results built by hand for tests of what reads them (TPFDD files, run diffs)."""

from __future__ import annotations

from typing import Any

from peaceforce.deployment.planner import DeploymentResult
from peaceforce.deployment.readiness import Readiness
from peaceforce.solvers import SolveStatus

_NOT_REACHED = Readiness(day=None, personnel_required=0, personnel_in_place=0)


def deployment_result(**fields: Any) -> DeploymentResult:
    """A deployment of mission ``m`` under the coalition, nothing moved, unless ``fields`` say."""
    base: dict[str, Any] = {
        "mission_id": "m",
        "mission_name": "Mission m",
        "framework_id": "coalition",
        "status": SolveStatus.OPTIMAL,
        "objective": "constructed",
        "ioc_share": 0.5,
        "ioc": _NOT_REACHED,
        "foc": _NOT_REACHED,
        "personnel": 0,
        "weighted_lateness": 0,
        "lateness_lower_bound": 0,
        "days_late": 0,
        "last_arrival_day": None,
        "movement_km": 0,
        "records": (),
        "node_use": (),
        "landings": {},
        "bottlenecks": (),
        "not_binding": (),
        "late": (),
        "reliefs_days_late": 0,
        "solve_seconds": 0.0,
        "label": {"classification": "UNCLASSIFIED", "releasable_to": ["COALITION"]},
        "run_key": "0123456789abcdef",
    }
    return DeploymentResult.model_validate(base | fields)
