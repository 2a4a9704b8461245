"""The inputs of resource-constrained scheduling: tasks, resources, precedences.

Time is counted in whole days from day 0. A task that starts on day ``s`` with
duration ``d`` occupies days ``s .. s+d-1`` and *ends* on day ``s+d`` (the first
day it no longer occupies anything); a due day is met when ``end <= due``. This
is the usual PSPLIB convention, so a PSPLIB makespan is our makespan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from peaceforce.errors import InputError, Problem


class Task(BaseModel):
    """One activity to schedule, e.g. a movement line of a sourced unit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    duration: int = Field(ge=0, description="days the task occupies its resources")
    release: int = Field(default=0, ge=0, description="earliest start day (ready-to-load)")
    due: int | None = Field(default=None, ge=0, description="day by which it should end")
    weight: int = Field(default=1, ge=0, description="cost of each day of lateness")
    demands: Mapping[str, int] = Field(
        default_factory=dict, description="units of each resource used on every day it runs"
    )


class Resource(BaseModel):
    """A cumulative resource: airfield slots, berths, rail paths, a lift pool.

    ``capacity`` is one number for every day, or a per-day profile starting at day
    0 whose last value holds for every later day (the steady state after it).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    capacity: int | tuple[int, ...]

    @model_validator(mode="after")
    def _check_capacity(self) -> Self:
        profile = self.capacity if isinstance(self.capacity, tuple) else (self.capacity,)
        if not profile or min(profile) < 0:
            raise InputError(
                [Problem("<problem>", f"resources.{self.id}.capacity", repr(self.capacity),
                         "non-negative integers, at least one")]
            )  # fmt: skip
        return self

    def capacity_on(self, day: int) -> int:
        """Capacity on ``day`` (the last profile value holds after the profile)."""
        if isinstance(self.capacity, int):
            return self.capacity
        return self.capacity[min(day, len(self.capacity) - 1)]

    @property
    def profile_length(self) -> int:
        """Days after which the capacity no longer changes."""
        return len(self.capacity) if isinstance(self.capacity, tuple) else 1

    @property
    def tail_capacity(self) -> int:
        """Capacity from the end of the profile on, for ever."""
        return self.capacity if isinstance(self.capacity, int) else self.capacity[-1]


class Precedence(BaseModel):
    """``after`` may start no earlier than ``lag`` days after ``before`` ends."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    before: str
    after: str
    # Negative lags are refused: with them a feasible schedule need not exist
    # within any horizon we can compute cheaply.
    lag: int = Field(default=0, ge=0)


class SchedulingProblem(BaseModel):
    """A complete scheduling instance; validated on construction.

    Faults are raised as one ``InputError`` listing every problem found (the
    ``file`` of each is the problem name), so a caller can report them all.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "problem"
    tasks: tuple[Task, ...]
    resources: tuple[Resource, ...] = ()
    precedences: tuple[Precedence, ...] = ()

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        problems: list[Problem] = []

        def fault(location: str, value: object, expected: str) -> None:
            problems.append(Problem(self.name, location, repr(value), expected))

        task_ids = _first_duplicate([t.id for t in self.tasks])
        if task_ids is not None:
            fault("tasks", task_ids, "unique task ids")
        resource_ids = _first_duplicate([r.id for r in self.resources])
        if resource_ids is not None:
            fault("resources", resource_ids, "unique resource ids")
        resources = {r.id for r in self.resources}
        for i, task in enumerate(self.tasks):
            for rid, units in task.demands.items():
                if rid not in resources:
                    fault(f"tasks[{i}].demands", rid, "a declared resource id")
                if units < 0:
                    fault(f"tasks[{i}].demands.{rid}", units, "a non-negative demand")
        tasks = {t.id for t in self.tasks}
        for i, prec in enumerate(self.precedences):
            for end in (prec.before, prec.after):
                if end not in tasks:
                    fault(f"precedences[{i}]", end, "a declared task id")
            if prec.before == prec.after:
                fault(f"precedences[{i}]", prec.before, "two different tasks")
        if not problems:
            cycle = _find_cycle(self)
            if cycle:
                fault("precedences", " -> ".join(cycle), "no cycle of precedences")
        if problems:
            raise InputError(problems)
        return self

    def task_index(self) -> dict[str, int]:
        """Position of each task id in ``tasks``."""
        return {t.id: i for i, t in enumerate(self.tasks)}

    def with_one_more(self, resource_id: str) -> SchedulingProblem:
        """The same problem with one more unit of ``resource_id`` on every day."""
        if all(r.id != resource_id for r in self.resources):
            raise InputError(
                [Problem(self.name, "resources", repr(resource_id), "a resource of the problem")]
            )

        def grow(res: Resource) -> Resource:
            if res.id != resource_id:
                return res
            cap = res.capacity
            more = cap + 1 if isinstance(cap, int) else tuple(c + 1 for c in cap)
            return Resource(id=res.id, capacity=more)

        return self.model_copy(update={"resources": tuple(grow(r) for r in self.resources)})


def _first_duplicate(ids: list[str]) -> str | None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            return i
        seen.add(i)
    return None


def _find_cycle(problem: SchedulingProblem) -> list[str]:
    """A cycle of task ids (first repeated at the end), or an empty list."""
    succ: dict[str, list[str]] = {t.id: [] for t in problem.tasks}
    for prec in problem.precedences:
        succ[prec.before].append(prec.after)
    colour: dict[str, int] = dict.fromkeys(succ, 0)  # 0 new, 1 on stack, 2 done
    for root in succ:
        if colour[root]:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        colour[root] = 1
        while stack:
            node, k = stack[-1]
            if k < len(succ[node]):
                stack[-1] = (node, k + 1)
                nxt = succ[node][k]
                if colour[nxt] == 1:
                    path = [n for n, _ in stack]
                    return [*path[path.index(nxt) :], nxt]
                if colour[nxt] == 0:
                    colour[nxt] = 1
                    stack.append((nxt, 0))
            else:
                colour[node] = 2
                stack.pop()
    return []
