"""Deployment stage: scheduling movement lines on constrained lift and nodes.

The public surface of the resource-constrained scheduling core::

    Task, Resource, Precedence, SchedulingProblem     inputs (problem.py)
    solve_schedule, Objective                         CP-SAT solve (scheduling.py)
    ScheduleResult, SolveStatus, LateTask, ...        results (schedule.py)
    analyse_binding, BindingAnalysis                  what capacity decides (binding.py)
    read_sm, read_optima                              PSPLIB files (psplib.py)
    run_rcpsp_bench, render_rcpsp_bench               benchmark report (rcpsp_bench.py)
"""

from peaceforce.deployment.binding import BindingAnalysis, ResourceGain, analyse_binding
from peaceforce.deployment.problem import Precedence, Resource, SchedulingProblem, Task
from peaceforce.deployment.psplib import read_optima, read_sm
from peaceforce.deployment.rcpsp_bench import (
    RcpspBenchReport,
    RcpspBenchRow,
    RcpspBenchSummary,
    render_rcpsp_bench,
    run_rcpsp_bench,
)
from peaceforce.deployment.schedule import (
    LatenessReason,
    LateTask,
    Objective,
    ScheduleResult,
    SolveStatus,
    schedule_violations,
)
from peaceforce.deployment.scheduling import solve_schedule

__all__ = [
    "BindingAnalysis",
    "LateTask",
    "LatenessReason",
    "Objective",
    "Precedence",
    "RcpspBenchReport",
    "RcpspBenchRow",
    "RcpspBenchSummary",
    "Resource",
    "ResourceGain",
    "ScheduleResult",
    "SchedulingProblem",
    "SolveStatus",
    "Task",
    "analyse_binding",
    "read_optima",
    "read_sm",
    "render_rcpsp_bench",
    "run_rcpsp_bench",
    "schedule_violations",
    "solve_schedule",
]
