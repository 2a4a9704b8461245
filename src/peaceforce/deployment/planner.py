"""The deployment stage: routes and days for every sourced unit, IOC/FOC, and what holds it back.

:func:`deploy_mission` builds the movements of a sourcing result with every
route the network allows (:mod:`~peaceforce.deployment.movements`), chooses
routes and days together on CP-SAT (:mod:`~peaceforce.deployment.routing`),
schedules the planned reliefs on what capacity is left, and reads off the
TPFDD records (each with its route and its EAD–LAD window), IOC and FOC
against the requirement (:mod:`~peaceforce.deployment.readiness`), per-node
daily use, late units with the days a lower bound proves unavoidable, and
what one more unit a day of each node or lift pool gains, from a re-solve.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from pydantic import Field

from peaceforce.deployment.movements import (
    Movement,
    MovementPlan,
    movement_plan,
    relief_movements,
)
from peaceforce.deployment.readiness import Readiness, readiness
from peaceforce.deployment.routing import (
    Choice,
    IntArray,
    Routing,
    Schedule,
    arrival,
    earliest_arrivals,
    schedule_length,
    solve_routes,
    step_end,
    usage,
)
from peaceforce.errors import InputError, Problem
from peaceforce.results import Result, StageResult
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.transport import Mode, Node
from peaceforce.solvers.budget import DEPLOYMENT, limit
from peaceforce.solvers.status import SolveStatus
from peaceforce.sourcing.result import SourcingResult

#: Seconds for each +1-capacity re-solve and for the reliefs.
RESOLVE_TIME_LIMIT_S = 0.25
RELIEF_TIME_LIMIT_S = 0.5


class RecordKind(StrEnum):
    """A deployment leg, or the movement of a relieving unit at the end of a tour."""

    DEPLOYMENT = "deployment"
    ROTATION = "rotation"


#: Separates the nodes of a route in a record's route fields.
ROUTE_SEPARATOR = " > "


class MovementRecord(Result):
    """One TPFDD-style record: a leg of a unit's movement, its route, window and timing.

    ``earliest_arrival_day`` (EAD) is the leg's arrival on its chosen route with
    every node free; ``latest_arrival_day`` (LAD) the last arrival that still
    lets the unit be in place by its required delivery day. EAD ≤ LAD always:
    where even an empty network cannot meet the RDD, the window closes at the
    EAD and the unit is late by that much (see the late lines).
    """

    id: str
    kind: RecordKind
    unit: str
    nation: str
    unit_type: str
    requirement_line: str
    leg: str = Field(description="sail, fly, sea, rail, pax or rsoi")
    mode: Mode
    port_of_embarkation: str
    port_of_debarkation: str
    destination: str
    route_node_ids: str = Field(
        description="ids of the nodes this leg's flow (cargo or people) passes through, "
        "in order, joined by ' > '"
    )
    route_node_names: str = Field(description="names of the same nodes, joined by ' > '")
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
    """Daily use of one node or lift pool against its capacity during the deployment."""

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
    """What one more unit a day at a node or lift pool gains, from a re-solve."""

    resource: str
    name: str
    days_full: int
    binding: bool = Field(description="whether one more a day saves days late or moves FOC")
    days_late_saved: int = Field(description="unweighted days late saved over all units")
    last_arrival_gain_days: int = Field(description="days earlier the last unit is in place")
    foc_day_with_one_more: int | None = Field(description="null when FOC is not reached")
    foc_gain_days: int | None = Field(description="null when FOC is not reached")
    note: str = ""


class LateLine(Result):
    """A unit that misses its required delivery day, and how much of it is proven unavoidable."""

    unit: str
    requirement_line: str
    required_delivery_day: int
    arrival_day: int
    days_late: int
    unavoidable_days: int = Field(
        description="days late on every route with every node free: proven by that lower bound"
    )
    not_proven_days: int = Field(description="the rest: the schedule's, not proven necessary")
    held_by: tuple[str, ...] = Field(
        description="nodes full, or declared lines awaited, on days the unit could have moved"
    )


class DeploymentResult(StageResult):
    """The deployment of one sourced mission."""

    mission_id: str
    mission_name: str
    framework_id: str
    status: SolveStatus
    objective: str
    ioc_share: float = Field(ge=0, le=1)
    ioc: Readiness
    foc: Readiness
    personnel: int = Field(description="personnel of the sourced units")
    weighted_lateness: int | None
    lateness_lower_bound: int
    days_late: int = Field(description="unweighted days late over all units")
    last_arrival_day: int | None
    movement_km: int
    records: tuple[MovementRecord, ...]
    node_use: tuple[NodeUse, ...]
    landings: dict[str, int] = Field(description="air legs flown into each airfield")
    bottlenecks: tuple[Bottleneck, ...] = Field(description="binding nodes, most days saved first")
    not_binding: tuple[Bottleneck, ...]
    late: tuple[LateLine, ...]
    reliefs_days_late: int = Field(description="days late of the planned reliefs")
    solve_seconds: float

    @property
    def ioc_day(self) -> int | None:
        """Day of initial operating capability, None when it is not reached."""
        return self.ioc.day

    @property
    def foc_day(self) -> int | None:
        """Day of full operating capability, None when it is not reached."""
        return self.foc.day

    def arrivals_by_day(self) -> list[tuple[int, int]]:
        """(day, personnel in place from that day) for every day a unit arrives."""
        per_day: dict[int, int] = {}
        for r in self.records:
            if (
                r.kind is RecordKind.DEPLOYMENT
                and r.required_delivery_day is not None
                and r.arrival_day is not None
                and r.leg in _UNIT_IN_PLACE_LEGS
            ):
                per_day[r.arrival_day] = per_day.get(r.arrival_day, 0) + r.passengers
        return sorted(per_day.items())


#: The leg whose arrival puts a unit's people in place (one per unit).
_UNIT_IN_PLACE_LEGS = frozenset({"sail", "fly", "rsoi", "pax"})

OBJECTIVE_STATEMENT = (
    "choose every unit's route and days together: minimise priority-weighted days late "
    "against each line's required delivery day (weight 2^(5−priority)), then the kilometres "
    "of the detours through the chosen nodes, then the sum of arrival days"
)


def _no_network() -> InputError:
    return InputError(
        [Problem("transport.yaml", "-", "(missing file)", "a transport network in the folder")]
    )  # fmt: skip


def _route(movement: Movement, choices: Sequence[Choice], step_index: int) -> list[Node]:
    """Nodes of the flow a step belongs to: the steps before it and after it, in order.

    The staging area's reception is where cargo and people meet: its own flow is itself.
    """
    before, after = {step_index}, {step_index}
    if movement.steps[step_index].name != "rsoi":
        for link in reversed(movement.links):
            if link.after in before:
                before.add(link.before)
    for link in movement.links:
        if link.before in after:
            after.add(link.after)
    nodes = []
    for k in sorted(before | after):
        node = movement.steps[k].options[choices[k].option].node
        if node is not None:
            nodes.append(node)
    return nodes


def _windows(
    movement: Movement, choices: Sequence[Choice], waits: int
) -> list[tuple[int, int, int]]:
    """(ready-to-load day, EAD, LAD) of each step on its chosen route."""
    steps = movement.steps
    earliest_start: list[int] = []
    for k, (step, c) in enumerate(zip(steps, choices, strict=True)):
        option = step.options[c.option]
        start = option.release
        for link in (lk for lk in movement.links if lk.after == k):
            b = choices[link.before]
            before = steps[link.before].options[b.option]
            start = max(
                start, earliest_start[link.before] + before.duration + link.lags[b.option][c.option]
            )
        if step.final:
            start = max(start, waits)
        earliest_start.append(start)
    latest_end = [0] * len(steps)
    for k in reversed(range(len(steps))):
        option = steps[k].options[choices[k].option]
        bounds = [movement.due - option.onward] if steps[k].final else []
        for link in (lk for lk in movement.links if lk.before == k):
            a = choices[link.after]
            after = steps[link.after].options[a.option]
            bounds.append(
                latest_end[link.after] - after.duration - link.lags[choices[k].option][a.option]
            )
        latest_end[k] = min(bounds) if bounds else movement.due
    windows = []
    for k, (step, c) in enumerate(zip(steps, choices, strict=True)):
        option = step.options[c.option]
        onward = option.onward if step.final else 0
        ead = earliest_start[k] + option.duration + onward
        windows.append((earliest_start[k], ead, max(ead, latest_end[k] + onward)))
    return windows


def _records(
    movements: Sequence[Movement],
    schedule: Schedule,
    kind: RecordKind,
    bound: dict[str, int],
) -> list[MovementRecord]:
    records = []
    for m in movements:
        choices = schedule[m.key]
        move = m.move
        waits = max((bound.get(w, 0) for w in m.waits_for), default=0)
        home = f"{move.pledge.home_base.name or 'home base'} ({move.pledge.nation})"
        windows = _windows(m, choices, waits)
        for k, (step, c) in enumerate(zip(m.steps, choices, strict=True)):
            option = step.options[c.option]
            node = option.node
            ready, ead, lad = windows[k]
            previous = [
                m.steps[lk.before].options[choices[lk.before].option].node
                for lk in m.links
                if lk.after == k and step.name != "rsoi"
            ]
            origin = previous[0].name if previous and previous[0] else home
            if step.name == "rsoi" and node is not None:
                origin = node.name
            destination = move.area.name if node is None or step.name == "rsoi" else node.name
            end = step_end(step, c) + (option.onward if step.final else 0)
            rdd = m.due if step.final else None
            route = _route(m, choices, k)
            records.append(
                MovementRecord(
                    id=f"{m.key}:{step.name}",
                    kind=kind,
                    unit=move.key,
                    nation=move.pledge.nation,
                    unit_type=move.unit_type.id,
                    requirement_line=move.line_id,
                    leg=step.name,
                    mode=step.mode,
                    port_of_embarkation=origin,
                    port_of_debarkation=destination,
                    destination=move.area.name,
                    route_node_ids=ROUTE_SEPARATOR.join(n.id for n in route),
                    route_node_names=ROUTE_SEPARATOR.join(n.name for n in route),
                    ready_to_load_day=ready,
                    earliest_arrival_day=ead,
                    latest_arrival_day=lad,
                    required_delivery_day=rdd,
                    passengers=step.passengers,
                    short_tons=step.short_tons,
                    vehicles=step.vehicles,
                    start_day=c.start,
                    arrival_day=end,
                    days_late=max(0, end - rdd) if rdd is not None else 0,
                )
            )
    return records


def _days_full(daily: IntArray, capacity: int) -> int:
    return int((daily >= capacity).sum()) if capacity > 0 else 0


def _node_use(
    plan: MovementPlan, movements: Sequence[Movement], schedule: Schedule
) -> list[NodeUse]:
    use = usage(movements, schedule, list(plan.capacity), schedule_length(movements, schedule))
    return [
        NodeUse(
            resource=rid,
            name=plan.resource_names[rid],
            capacity=cap,
            daily_use=tuple(int(u) for u in use[rid]),
            days_full=_days_full(use[rid], cap),
        )
        for rid, cap in plan.capacity.items()
        if use[rid].any()
    ]


def _late(
    movements: Sequence[Movement],
    schedule: Schedule,
    bound: dict[str, int],
    plan: MovementPlan,
) -> list[LateLine]:
    arrivals = {m.key: arrival(m, schedule[m.key]) for m in movements}
    found = []
    for m in movements:
        a = arrivals[m.key]
        if a <= m.due:
            continue
        unavoidable = min(a - m.due, max(0, bound[m.key] - m.due))
        found.append(
            LateLine(
                unit=m.key,
                requirement_line=m.move.line_id,
                required_delivery_day=m.due,
                arrival_day=a,
                days_late=a - m.due,
                unavoidable_days=unavoidable,
                not_proven_days=a - m.due - unavoidable,
                held_by=_held_by(m, schedule, movements, plan, arrivals),
            )
        )
    return sorted(found, key=lambda x: (-x.days_late, x.unit))


def _held_by(
    m: Movement,
    schedule: Schedule,
    movements: Sequence[Movement],
    plan: MovementPlan,
    arrivals: dict[str, int],
) -> tuple[str, ...]:
    """Declared lines the unit waited for, and nodes full on days a step could have started."""
    choices = schedule[m.key]
    by_key = {other.key: other for other in movements}
    waited = {
        f"line {by_key[w].move.line_id} in place"
        for k, step in enumerate(m.steps)
        if step.final
        for w in m.waits_for
        if w in by_key and arrivals.get(w) == choices[k].start
    }
    use = usage(movements, schedule, list(plan.capacity), schedule_length(movements, schedule))
    full: set[str] = set()
    for k, (step, c) in enumerate(zip(m.steps, choices, strict=True)):
        option = step.options[c.option]
        ready = option.release
        for link in (lk for lk in m.links if lk.after == k):
            b = choices[link.before]
            ready = max(ready, step_end(m.steps[link.before], b) + link.lags[b.option][c.option])
        for hold in option.holds:
            first = ready + hold.offset
            last = c.start + hold.offset
            if (
                last > first
                and (use[hold.resource][first:last] >= plan.capacity[hold.resource]).any()
            ):
                full.add(plan.resource_names[hold.resource])
    return tuple(sorted(waited)) + tuple(sorted(full))


def _arrivals_by_line(
    movements: Sequence[Movement], schedule: Schedule
) -> dict[str, list[tuple[int, int]]]:
    by_line: dict[str, list[tuple[int, int]]] = {}
    for m in movements:
        by_line.setdefault(m.move.line_id, []).append(
            (arrival(m, schedule[m.key]), m.move.unit_type.personnel)
        )
    return by_line


def _days_late(movements: Sequence[Movement], schedule: Schedule) -> int:
    return sum(max(0, arrival(m, schedule[m.key]) - m.due) for m in movements)


def _last(movements: Sequence[Movement], schedule: Schedule) -> int | None:
    return max((arrival(m, schedule[m.key]) for m in movements), default=None)


def _bottlenecks(
    plan: MovementPlan,
    routing: Routing,
    uses: Sequence[NodeUse],
    sourcing: SourcingResult,
    *,
    ioc_share: float,
    threads: int,
) -> tuple[Routing, list[Bottleneck], list[Bottleneck]]:
    """Re-solve with one more unit a day at every node or lift pool that was ever full.

    A re-solve starts from the plan, so it is never worse; if it finds a
    better plan that keeps the original capacities, that plan replaces the
    base. Nodes never full, and nodes whose extra unit saves nothing, are not
    binding.
    """
    movements = plan.movements
    base = routing
    results: list[tuple[NodeUse, Schedule]] = []
    bound = earliest_arrivals(movements)
    at_bound = _days_late(movements, routing.schedule) == sum(
        max(0, bound[m.key] - m.due) for m in movements
    ) and _last(movements, routing.schedule) == max(bound.values())
    for use in uses:
        if not use.days_full or at_bound:
            continue
        capacity = {**plan.capacity, use.resource: plan.capacity[use.resource] + 1}
        again = solve_routes(
            movements, capacity, time_limit_s=RESOLVE_TIME_LIMIT_S, threads=threads,
            hint=base.schedule, objectives=("lateness", "arrivals"),
        )  # fmt: skip
        length = schedule_length(movements, again.schedule)
        daily = usage(movements, again.schedule, [use.resource], length)[use.resource]
        if (daily <= plan.capacity[use.resource]).all() and again.weighted_lateness < (
            base.weighted_lateness
        ):
            base = Routing(again.schedule, base.status, again.weighted_lateness,
                           base.lateness_bound, again.cost_km, base.seconds)  # fmt: skip
        results.append((use, again.schedule))
    base_late = _days_late(movements, base.schedule)
    base_last = _last(movements, base.schedule)
    base_foc = _foc(sourcing, movements, base.schedule, ioc_share)
    binding: list[Bottleneck] = []
    idle: list[Bottleneck] = []
    for use, schedule in results:
        saved = max(0, base_late - _days_late(movements, schedule))
        last = _last(movements, schedule)
        gain = max(0, (base_last or 0) - (last or 0))
        foc = _foc(sourcing, movements, schedule, ioc_share)
        entry = Bottleneck(
            resource=use.resource,
            name=use.name,
            days_full=use.days_full,
            binding=bool(saved or gain),
            days_late_saved=saved,
            last_arrival_gain_days=gain,
            foc_day_with_one_more=foc,
            foc_gain_days=None if foc is None or base_foc is None else max(0, base_foc - foc),
            note="" if saved or gain else "+1 a day changes nothing",
        )
        (binding if entry.binding else idle).append(entry)
    for use in uses:
        if not use.days_full or at_bound:
            note = (
                "never full"
                if not use.days_full
                else ("no unit could be less late nor the last earlier with every node free")
            )
            idle.append(
                Bottleneck(
                    resource=use.resource, name=use.name, days_full=use.days_full, binding=False,
                    days_late_saved=0, last_arrival_gain_days=0, foc_day_with_one_more=base_foc,
                    foc_gain_days=None if base_foc is None else 0, note=note,
                )
            )  # fmt: skip
    binding.sort(key=lambda b: (-b.days_late_saved, -b.last_arrival_gain_days, -b.days_full))
    return base, binding, idle


def _foc(
    sourcing: SourcingResult, movements: Sequence[Movement], schedule: Schedule, share: float
) -> int | None:
    return readiness(sourcing.lines, _arrivals_by_line(movements, schedule), share)[1].day


def _reliefs(
    plan: MovementPlan,
    scenario: Scenario,
    sourcing: SourcingResult,
    schedule: Schedule,
    threads: int,
) -> tuple[list[Movement], Routing]:
    """Schedule the reliefs on the capacity the deployment leaves."""
    assert scenario.transport is not None
    arrivals = {m.key: arrival(m, schedule[m.key]) for m in plan.movements}
    months = scenario.mission(sourcing.mission_id).duration_months
    reliefs = relief_movements(plan, scenario.transport, arrivals, months)
    used = usage(
        plan.movements, schedule, list(plan.capacity), schedule_length(plan.movements, schedule)
    )
    routed = solve_routes(
        reliefs, plan.capacity, time_limit_s=RELIEF_TIME_LIMIT_S, threads=threads, used=used
    )
    return reliefs, routed


def deploy_mission(
    scenario: Scenario,
    sourcing: SourcingResult,
    *,
    ioc_share: float | None = None,
    time_limit_s: float | None = None,
    threads: int = 2,
    bottlenecks: bool = True,
) -> DeploymentResult:
    """Route and schedule the movement of a sourced mission; report IOC, FOC and bottlenecks.

    ``ioc_share`` defaults to the scenario's (``assumptions.ioc_share``); the
    time limit to the deployment budget for the number of unit movements.
    """
    if scenario.transport is None:
        raise _no_network()
    share = scenario.assumptions.ioc_share if ioc_share is None else ioc_share
    mission = scenario.mission(sourcing.mission_id)
    plan = movement_plan(scenario, sourcing, scenario.transport)
    movements = plan.movements
    seconds = limit(DEPLOYMENT, len(movements), time_limit_s)
    routing = solve_routes(movements, plan.capacity, time_limit_s=seconds, threads=threads)
    uses = _node_use(plan, movements, routing.schedule)
    binding: list[Bottleneck] = []
    idle: list[Bottleneck] = []
    if bottlenecks and movements:
        routing, binding, idle = _bottlenecks(
            plan, routing, uses, sourcing, ioc_share=share, threads=threads
        )
        uses = _node_use(plan, movements, routing.schedule)
    schedule = routing.schedule
    bound = earliest_arrivals(movements)
    ioc, foc = readiness(sourcing.lines, _arrivals_by_line(movements, schedule), share)
    reliefs, relieved = _reliefs(plan, scenario, sourcing, schedule, threads)
    records = _records(movements, schedule, RecordKind.DEPLOYMENT, bound)
    records += _records(reliefs, relieved.schedule, RecordKind.ROTATION, {})
    landings: dict[str, int] = {}
    for m in movements:
        for step, c in zip(m.steps, schedule[m.key], strict=True):
            node = step.options[c.option].node
            if step.mode is Mode.AIR and node is not None:
                landings[node.name] = landings.get(node.name, 0) + 1
    return DeploymentResult(
        mission_id=sourcing.mission_id,
        mission_name=mission.name,
        framework_id=sourcing.framework_id,
        status=routing.status,
        objective=OBJECTIVE_STATEMENT,
        ioc_share=share,
        ioc=ioc,
        foc=foc,
        personnel=sum(m.move.unit_type.personnel for m in movements),
        weighted_lateness=routing.weighted_lateness,
        lateness_lower_bound=routing.lateness_bound,
        days_late=_days_late(movements, schedule),
        last_arrival_day=_last(movements, schedule),
        movement_km=routing.cost_km,
        records=tuple(records),
        node_use=tuple(uses),
        landings=dict(sorted(landings.items(), key=lambda kv: -kv[1])),
        bottlenecks=tuple(binding),
        not_binding=tuple(idle),
        late=tuple(_late(movements, schedule, bound, plan)),
        reliefs_days_late=_days_late(reliefs, relieved.schedule),
        solve_seconds=round(routing.seconds, 3),
        **scenario.stamp(),
    )
