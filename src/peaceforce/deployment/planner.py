"""The deployment stage: when each sourced unit arrives, IOC/FOC, and what holds it back.

:func:`deploy_mission` builds the movement legs of a sourcing result, schedules
them on the resource-constrained scheduling core (CP-SAT: minimise
priority-weighted lateness against required delivery days, then the
makespan), and reads off the TPFDD records, the initial and full operating
capability days, per-node daily use, late lines with their binding reason, and
what one more aircraft, ship, berth, train or staging slot a day at each node
that was full would gain in days.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum

from pydantic import Field

from peaceforce.deployment.movements import Leg, MovementPlan, movement_plan
from peaceforce.errors import InputError, Problem
from peaceforce.results import Result, StageResult
from peaceforce.scenario.model import DAYS_PER_MONTH, Scenario
from peaceforce.scenario.transport import Mode
from peaceforce.solvers.rcpsp import (
    LatenessReason,
    Objective,
    ScheduleResult,
    SchedulingProblem,
    solve_schedule,
)
from peaceforce.solvers.status import SolveStatus
from peaceforce.sourcing.result import SourcingResult

_GAIN_TIME_LIMIT_S = 2.0
_MAX_BOTTLENECKS = 6


class RecordKind(StrEnum):
    """A scheduled deployment leg, or a planned relief of a unit already in place."""

    DEPLOYMENT = "deployment"
    ROTATION = "rotation"


class MovementRecord(Result):
    """One TPFDD-style record: a leg of a unit's movement and its timing."""

    id: str
    kind: RecordKind
    unit: str
    nation: str
    unit_type: str
    requirement_line: str
    mode: Mode
    port_of_embarkation: str
    port_of_debarkation: str
    destination: str
    ready_to_load_day: int
    earliest_arrival_day: int
    latest_arrival_day: int
    required_delivery_day: int | None
    passengers: int
    short_tons: float
    vehicles: int
    start_day: int | None
    arrival_day: int | None
    days_late: int


class NodeUse(Result):
    """Daily use of one node or lift pool against its capacity."""

    resource: str
    name: str
    capacity: int
    daily_use: tuple[int, ...]
    days_full: int

    @property
    def peak(self) -> int:
        """Highest use on any day."""
        return max(self.daily_use, default=0)


class Bottleneck(Result):
    """A node or lift pool that was full, and what one more unit a day of it would gain."""

    resource: str
    name: str
    days_full: int
    foc_day_with_one_more: int | None
    foc_gain_days: int | None
    days_late_with_one_more: int | None
    days_late_gain: int | None


class LateLine(Result):
    """A unit that misses its required delivery day, and why."""

    unit: str
    requirement_line: str
    required_delivery_day: int
    arrival_day: int
    days_late: int
    unavoidable_days: int
    reason: LatenessReason
    blocked_by: tuple[str, ...]


class DeploymentResult(StageResult):
    """The deployment of one sourced mission."""

    mission_id: str
    framework_id: str
    status: SolveStatus
    objective: str
    ioc_share: float = Field(ge=0, le=1)
    ioc_day: int | None
    foc_day: int | None
    personnel: int
    weighted_lateness: int | None
    lower_bound: int
    records: tuple[MovementRecord, ...]
    node_use: tuple[NodeUse, ...]
    bottlenecks: tuple[Bottleneck, ...]
    late: tuple[LateLine, ...]
    solve_seconds: float

    def arrivals_by_day(self) -> list[tuple[int, int]]:
        """(day, personnel arriving that day) for every day with an arrival."""
        per_day: dict[int, int] = {}
        for r in self.records:
            if (
                r.kind is RecordKind.DEPLOYMENT
                and r.required_delivery_day is not None
                and r.arrival_day is not None
            ):
                per_day[r.arrival_day] = per_day.get(r.arrival_day, 0) + r.passengers
        return sorted(per_day.items())


OBJECTIVE_STATEMENT = (
    "minimise priority-weighted days late against each line's required delivery day "
    "(weight 2^(5−priority)), then the makespan"
)


def _arrival(leg: Leg, starts: dict[str, int]) -> int | None:
    start = starts.get(leg.task.id)
    return None if start is None else start + leg.task.duration + leg.onward_days


def _records(plan: MovementPlan, schedule: ScheduleResult, months: int) -> list[MovementRecord]:
    units = {u.key: u for u in plan.units}
    records = []
    for leg in plan.legs:
        move = units.get(leg.unit)
        if move is None:  # a milestone, not a movement
            continue
        arrival = _arrival(leg, schedule.starts)
        # The line's latest arrival day is the RDD of each leg that puts the unit in place.
        rdd = move.latest_arrival_day if leg.final else None
        records.append(
            MovementRecord(
                id=leg.task.id,
                kind=RecordKind.DEPLOYMENT,
                unit=leg.unit,
                nation=move.pledge.nation,
                unit_type=move.unit_type.id,
                requirement_line=move.line_id,
                mode=leg.mode,
                port_of_embarkation=leg.origin,
                port_of_debarkation=leg.destination,
                destination=move.area.name,
                ready_to_load_day=leg.task.release,
                earliest_arrival_day=leg.task.release + leg.task.duration + leg.onward_days,
                latest_arrival_day=move.latest_arrival_day,
                required_delivery_day=rdd,
                passengers=leg.passengers,
                short_tons=leg.short_tons,
                vehicles=leg.vehicles,
                start_day=schedule.starts.get(leg.task.id),
                arrival_day=arrival,
                days_late=max(0, arrival - rdd) if (arrival is not None and rdd is not None) else 0,
            )
        )
    records.extend(_rotations(plan, records, months))
    return records


def _rotations(
    plan: MovementPlan, records: list[MovementRecord], months: int
) -> list[MovementRecord]:
    """Planned reliefs in place at the end of each tour (not capacity-checked), one record each."""
    finals: dict[str, MovementRecord] = {}
    for record in records:  # the last of a unit's final legs is the one the relief repeats
        if record.required_delivery_day is None or record.arrival_day is None:
            continue
        known = finals.get(record.unit)
        if known is None or (known.arrival_day or 0) < record.arrival_day:
            finals[record.unit] = record
    reliefs = []
    for move in plan.units:
        final = finals.get(move.key)
        if final is None or final.arrival_day is None:
            continue
        tour = move.pledge.tour_months()
        for k in range(1, math.ceil(months / tour)):
            day = final.arrival_day + round(k * tour * DAYS_PER_MONTH)
            reliefs.append(
                final.model_copy(
                    update={
                        "id": f"{move.key}:relief-{k}",
                        "kind": RecordKind.ROTATION,
                        "ready_to_load_day": day - (final.arrival_day - final.ready_to_load_day),
                        "earliest_arrival_day": day,
                        "required_delivery_day": day,
                        "start_day": None,
                        "arrival_day": None,
                        "days_late": 0,
                    }
                )
            )
    return reliefs


def _blocker_name(plan: MovementPlan, unit: str, blocker: str) -> str:
    """A resource's name, 'own rail leg' for a leg of the same unit, or the other task's id."""
    if blocker in plan.resource_names:
        return plan.resource_names[blocker]
    owner, _, leg = blocker.rpartition(":")
    if owner == unit:
        return f"own {leg} leg"
    if blocker.startswith("enablers-in@"):
        return f"headquarters and enablers of {blocker.removeprefix('enablers-in@')} first"
    return blocker


def _node_use(plan: MovementPlan, schedule: ScheduleResult) -> list[NodeUse]:
    uses = []
    for rid, resource in plan.resources.items():
        daily = schedule.usage.get(rid, ())
        uses.append(
            NodeUse(
                resource=rid,
                name=plan.resource_names[rid],
                capacity=resource.tail_capacity,
                daily_use=tuple(daily),
                days_full=sum(
                    1 for day, used in enumerate(daily) if used >= resource.capacity_on(day) > 0
                ),
            )
        )
    return uses


def _foc(plan: MovementPlan, starts: dict[str, int]) -> int | None:
    arrivals = [_arrival(leg, starts) for leg in plan.legs if leg.final]
    return None if not arrivals or None in arrivals else max(a for a in arrivals if a is not None)


def _days_late(plan: MovementPlan, starts: dict[str, int]) -> int:
    total = 0
    for leg in plan.legs:
        if leg.final and leg.task.due is not None and leg.task.id in starts:
            total += max(0, starts[leg.task.id] + leg.task.duration - leg.task.due)
    return total


def _ioc(plan: MovementPlan, starts: dict[str, int], share: float) -> int | None:
    arrivals = sorted(
        (a, leg.passengers)
        for leg in plan.legs
        if leg.final and (a := _arrival(leg, starts)) is not None
    )
    total = sum(p for _, p in arrivals)
    reached = 0
    for day, people in arrivals:
        reached += people
        if total and reached >= share * total:
            return day
    return None


def _bottlenecks(
    plan: MovementPlan,
    problem: SchedulingProblem,
    schedule: ScheduleResult,
    uses: Sequence[NodeUse],
    threads: int,
) -> list[Bottleneck]:
    base_foc = _foc(plan, schedule.starts)
    base_late = _days_late(plan, schedule.starts)
    full = sorted((u for u in uses if u.days_full), key=lambda u: -u.days_full)[:_MAX_BOTTLENECKS]
    found = []
    for use in full:
        again = solve_schedule(
            problem.with_one_more(use.resource), _GAIN_TIME_LIMIT_S, threads, Objective.LATENESS,
            hint=schedule.starts,
        )  # fmt: skip
        foc = _foc(plan, again.starts) if again.starts else None
        late = _days_late(plan, again.starts) if again.starts else None
        found.append(
            Bottleneck(
                resource=use.resource,
                name=use.name,
                days_full=use.days_full,
                foc_day_with_one_more=foc,
                foc_gain_days=None if foc is None or base_foc is None else base_foc - foc,
                days_late_with_one_more=late,
                days_late_gain=None if late is None else base_late - late,
            )
        )
    return sorted(
        found, key=lambda b: (-(b.days_late_gain or 0), -(b.foc_gain_days or 0), -b.days_full)
    )


def deploy_mission(
    scenario: Scenario,
    sourcing: SourcingResult,
    *,
    ioc_share: float = 0.5,
    time_limit_s: float = 10.0,
    threads: int = 2,
    bottlenecks: bool = True,
) -> DeploymentResult:
    """Schedule the movement of a sourced mission and report IOC, FOC and bottlenecks."""
    if scenario.transport is None:
        raise InputError(
            [
                Problem(
                    "transport.yaml",
                    "-",
                    "(missing file)",
                    "a transport network in the scenario folder",
                )
            ]
        )
    plan = movement_plan(scenario, sourcing, scenario.transport)
    problem = plan.problem(f"{sourcing.mission_id}@{sourcing.framework_id}")
    schedule = solve_schedule(problem, time_limit_s, threads, Objective.LATENESS)
    uses = _node_use(plan, schedule)
    months = scenario.mission(sourcing.mission_id).duration_months
    records = _records(plan, schedule, months) if schedule.starts else []
    finals = {leg.task.id: leg for leg in plan.legs if leg.final}
    units = {u.key: u for u in plan.units}
    late = []
    for t in schedule.late_tasks:
        leg = finals.get(t.task)
        if leg is None:
            continue
        move = units[leg.unit]
        arrival = t.end + leg.onward_days
        days_late = arrival - move.latest_arrival_day
        if days_late <= 0:
            continue
        late.append(
            LateLine(
                unit=leg.unit,
                requirement_line=move.line_id,
                required_delivery_day=move.latest_arrival_day,
                arrival_day=arrival,
                days_late=days_late,
                unavoidable_days=min(t.unavoidable_days, days_late),
                reason=t.reason,
                blocked_by=tuple(_blocker_name(plan, leg.unit, b) for b in t.blocked_by),
            )
        )
    return DeploymentResult(
        mission_id=sourcing.mission_id,
        framework_id=sourcing.framework_id,
        status=schedule.status,
        objective=OBJECTIVE_STATEMENT,
        ioc_share=ioc_share,
        ioc_day=_ioc(plan, schedule.starts, ioc_share) if schedule.starts else None,
        foc_day=_foc(plan, schedule.starts) if schedule.starts else None,
        personnel=sum(u.unit_type.personnel for u in plan.units),
        weighted_lateness=schedule.weighted_lateness,
        lower_bound=schedule.lower_bound,
        records=tuple(records),
        node_use=tuple(uses),
        bottlenecks=tuple(
            _bottlenecks(plan, problem, schedule, uses, threads)
            if bottlenecks and schedule.starts
            else ()
        ),
        late=tuple(sorted(late, key=lambda x: -x.days_late)),
        solve_seconds=round(schedule.time_s, 3),
        **scenario.stamp(),
    )
