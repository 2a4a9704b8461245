"""Deployment stage: routes and days for every sourced unit, IOC/FOC, and what holds it back.

::

    travel.py     distances and days by mode (sea along the shipping lanes)
    movements.py  the movements of a sourced force: steps with every route option
                  the network allows, waits for declared lines, reliefs
    routing.py    choose routes and days together on CP-SAT (greedy hint,
                  lexicographic: lateness, cost, arrivals)
    readiness.py  IOC and FOC against the statement of requirements
    planner.py    deploy_mission: records, node use, late units, bottlenecks;
                  DeploymentResult

The TPFDD files and charts are drawn in :mod:`peaceforce.presentation`.
"""

from peaceforce.deployment.movements import MovementPlan, movement_plan
from peaceforce.deployment.planner import (
    Bottleneck,
    DeploymentResult,
    LateLine,
    MovementRecord,
    NodeUse,
    RecordKind,
    deploy_mission,
)
from peaceforce.deployment.readiness import MissingLine, Readiness

__all__ = [
    "Bottleneck",
    "DeploymentResult",
    "LateLine",
    "MissingLine",
    "MovementPlan",
    "MovementRecord",
    "NodeUse",
    "Readiness",
    "RecordKind",
    "deploy_mission",
    "movement_plan",
]
