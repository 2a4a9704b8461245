"""Resource-constrained project scheduling (RCPSP) on CP-SAT, with bounds and SGS heuristics.

Generic: tasks with durations, releases, due days and weights; cumulative
resources with daily capacity profiles; precedences with lags. The deployment
stage builds its movement legs into a :class:`SchedulingProblem` and reads the
:class:`ScheduleResult` back; ``benchmarks/rcpsp.py`` runs the same core on
PSPLIB instances.

::

    rcpsp/
      problem.py     Task, Resource, Precedence, SchedulingProblem: validated inputs
      network.py     the problem as index arrays, with resource-free heads and tails
      bounds.py      makespan and lateness lower bounds (critical path, energy)
      heuristics.py  serial and parallel schedule generation, justification
      schedule.py    ScheduleResult, violations of a schedule, why a task is late
      solve.py       solve_schedule: bounds → heuristics → CP-SAT → result
"""

from peaceforce.solvers.rcpsp.problem import Precedence, Resource, SchedulingProblem, Task
from peaceforce.solvers.rcpsp.schedule import (
    LatenessReason,
    LateTask,
    Objective,
    ScheduleResult,
    schedule_violations,
)
from peaceforce.solvers.rcpsp.solve import solve_schedule

__all__ = [
    "LateTask",
    "LatenessReason",
    "Objective",
    "Precedence",
    "Resource",
    "ScheduleResult",
    "SchedulingProblem",
    "Task",
    "schedule_violations",
    "solve_schedule",
]
