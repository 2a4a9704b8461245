"""Deployment stage: when each sourced unit arrives, IOC/FOC, and what holds it back.

::

    movements.py  the movement legs (TPFDD-style records) of a sourced force,
                  and the scheduling problem they make
    planner.py    deploy_mission: schedule the legs, read off IOC, FOC, node use,
                  late lines and bottlenecks; DeploymentResult

The scheduling itself is the generic core in :mod:`peaceforce.solvers.rcpsp`;
the TPFDD files and charts are drawn in :mod:`peaceforce.presentation`.
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

__all__ = [
    "Bottleneck",
    "DeploymentResult",
    "LateLine",
    "MovementPlan",
    "MovementRecord",
    "NodeUse",
    "RecordKind",
    "deploy_mission",
    "movement_plan",
]
