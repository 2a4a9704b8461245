"""The movements of a sourced force as steps with route options, for the scheduler to choose.

Every sourced unit moves in steps; each step may pass through any node of the
network its mode allows, and the scheduler picks one option per step together
with the day (see :mod:`peaceforce.deployment.routing`):

- warships sail from their home port along the shipping lanes (``sail``);
- combat aircraft fly to any airfield of debarkation, their support following
  by airlift (``fly``);
- other units: cargo by chartered Ro-Ro ship to any usable seaport first if
  their home base is not on their area's landmass (``sea``: the ship is held
  for its voyage out and back; :mod:`peaceforce.deployment.land`), then by
  rail through any border gateway (``rail``); people by strategic airlift into
  any airfield (``pax``); both meet at any staging area for reception, staging
  and onward movement (``rsoi``) and drive on to their area;
- units for areas outside Ukraine (the Polish and Romanian hubs) go straight there.

Travel days come from distance and mode speed, node use from daily
capacities. A unit waits for nothing but the requirement lines its own line
declares (``after:`` in ``missions.yaml``). Planned reliefs are movements too:
the relieving unit's people fly in (ships sail) within the relief window, on
the same airfields and aircraft.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from peaceforce.deployment.land import reaches_by_land
from peaceforce.deployment.travel import (
    RAIL_ROUTE_FACTOR,
    ROAD_ROUTE_FACTOR,
    Point,
    days,
    great_circle_km,
    sea_km,
)
from peaceforce.scenario.model import DAYS_PER_MONTH, Area, Domain, Pledge, Scenario, UnitType
from peaceforce.scenario.transport import LiftPool, Mode, Node, NodeKind, TransportNetwork
from peaceforce.sourcing.candidates import area_centre
from peaceforce.sourcing.optimise import priority_weight
from peaceforce.sourcing.result import SourcingResult

AIRCRAFT_PER_SQUADRON = 12


@dataclass(frozen=True)
class UnitMove:
    """One sourced unit, the requirement line it fills and the lines it waits for."""

    key: str
    pledge: Pledge
    unit_type: UnitType
    line_id: str
    area: Area
    priority: int
    latest_arrival_day: int
    ready_day: int
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hold:
    """A resource an option holds: ``units`` a day for ``days`` days, ``offset`` days after
    the step starts.
    """

    resource: str
    offset: int
    days: int
    units: int


@dataclass(frozen=True)
class Option:
    """One way to take a step: through which node, when at the earliest, for how long."""

    node: Node | None
    release: int
    duration: int
    holds: tuple[Hold, ...] = ()
    #: days from the end of the step to arrival in the area (final steps)
    onward: int = 0
    #: kilometres of the detour through the node: home → node → area
    km: int = 0


@dataclass(frozen=True)
class Step:
    """One leg of a unit's movement, with the options the network allows."""

    name: str
    mode: Mode
    options: tuple[Option, ...]
    final: bool
    cargo: bool
    passengers: int
    short_tons: float
    vehicles: int


@dataclass(frozen=True)
class Link:
    """Step ``after`` starts no earlier than ``lags[o][p]`` days after step ``before`` ends,
    when ``before`` takes option ``o`` and ``after`` option ``p``.
    """

    before: int
    after: int
    lags: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Movement:
    """Everything one unit (or one relief) must do, and by when."""

    key: str
    move: UnitMove
    steps: tuple[Step, ...]
    links: tuple[Link, ...]
    due: int
    weight: int
    #: keys of the movements that must be in place before this one's final step starts
    waits_for: tuple[str, ...] = ()
    #: for a relief: which tour it starts (1 = the first relief); 0 = the deployment
    relief: int = 0


@dataclass
class MovementPlan:
    """The movements of a sourced force and the resources they share."""

    units: list[UnitMove]
    movements: list[Movement] = field(default_factory=list)
    capacity: dict[str, int] = field(default_factory=dict)
    resource_names: dict[str, str] = field(default_factory=dict)
    resource_nodes: dict[str, Node] = field(default_factory=dict)


def unit_moves(scenario: Scenario, sourcing: SourcingResult) -> list[UnitMove]:
    """One entry per sourced unit, with the day it is ready to load and the lines it waits for."""
    pledges = {p.id: p for p in scenario.pledges}
    lines = {r.id: r for r in scenario.mission(sourcing.mission_id).requirements}
    moves = []
    for assignment in sourcing.assignments:
        pledge = pledges[assignment.pledge_id]
        line = lines[assignment.line_id]
        for index in range(assignment.units):
            moves.append(
                UnitMove(
                    key=f"{assignment.pledge_id}#{index + 1}@{assignment.line_id}",
                    pledge=pledge,
                    unit_type=scenario.unit_type_by_id[pledge.unit_type],
                    line_id=line.id,
                    area=scenario.area_by_id[line.area],
                    priority=line.priority,
                    latest_arrival_day=line.latest_arrival_day,
                    ready_day=pledge.ready_day(),
                    after=line.after,
                )
            )
    return moves


def _point(x: Node | Pledge | Point) -> Point:
    if isinstance(x, Node):
        return x.lon, x.lat
    if isinstance(x, Pledge):
        return x.home_base.lon, x.home_base.lat
    return x


def _km(a: Node | Pledge | Point, b: Node | Point) -> float:
    return great_circle_km(_point(a), _point(b))


class _Builder:
    """Turns unit moves into movements with every route option the network allows."""

    def __init__(self, network: TransportNetwork, units: list[UnitMove]) -> None:
        self.net = network
        self.plan = MovementPlan(units=units)

    # --- resources ---------------------------------------------------------------

    def resource(self, rid: str, name: str, capacity: int) -> str:
        if rid not in self.plan.capacity:
            self.plan.capacity[rid] = capacity
            self.plan.resource_names[rid] = name
        return rid

    def node(self, node: Node) -> str:
        rid = self.resource(f"node:{node.id}", node.name, node.daily_capacity)
        self.plan.resource_nodes[rid] = node
        return rid

    def lift(self, pool: LiftPool) -> str:
        if pool.mode is Mode.SEA:
            return self.resource(f"lift:{pool.id}", pool.name, pool.count)
        return self.resource(
            f"lift:{pool.id}", pool.name, max(1, pool.count // pool.round_trip_days)
        )

    def airlift(self, nation: str, airfield: Node) -> LiftPool | None:
        """The largest aircraft the nation may use that the runway takes."""
        fits = [
            p
            for p in self.net.lift_pools
            if p.mode is Mode.AIR and (p.min_runway_ft or 0) <= (airfield.runway_length_ft or 0)
        ]
        own = [p for p in fits if not p.nations or nation in p.nations]
        usable = own or [p for p in fits if not p.nations]
        return max(usable, key=lambda p: p.payload_short_tons) if usable else None

    def sealift(self) -> LiftPool | None:
        ships = [p for p in self.net.lift_pools if p.mode is Mode.SEA]
        return max(ships, key=lambda p: p.count) if ships else None

    # --- options -------------------------------------------------------------------

    def air_option(
        self,
        move: UnitMove,
        airfield: Node,
        passengers: int,
        short_tons: float,
        self_deploying: int = 0,
    ) -> Option | None:
        """Landings at one airfield: the airlift's sorties plus ``self_deploying`` aircraft
        (a squadron flying itself in), which need landing slots but no transport aircraft.

        A leg takes at most half the airfield's or the fleet's daily rate, so
        that two units can come in side by side.
        """
        pool = self.airlift(move.pledge.nation, airfield)
        if pool is None:
            return None
        by_people = math.ceil(passengers / pool.passengers) if pool.passengers else 0
        sorties = max(1, by_people, math.ceil(short_tons / pool.payload_short_tons))
        landings = self_deploying + sorties
        node_rid, lift_rid = self.node(airfield), self.lift(pool)
        rate = max(1, min(landings, self.plan.capacity[node_rid] // 2))
        duration = math.ceil(landings / rate)
        lift_rate = math.ceil(sorties / duration)
        lift_most = max(1, self.plan.capacity[lift_rid] // 2)
        if lift_rate > lift_most:  # the fleet, not the runway, sets the pace
            lift_rate = lift_most
            duration = math.ceil(sorties / lift_rate)
            rate = math.ceil(landings / duration)
        home = move.pledge
        centre = area_centre(move.area)
        return Option(
            node=airfield,
            # gathering at the aerial port of embarkation and the flight: a day within 8,000 km
            release=move.ready_day + days(_km(home, airfield), self.net.air_km_per_day),
            duration=duration,
            holds=(Hold(node_rid, 0, duration, rate), Hold(lift_rid, 0, duration, lift_rate)),
            km=round(_km(home, airfield) + _km(airfield, centre)),
        )

    def airfields(self) -> tuple[Node, ...]:
        return self.net.usable_nodes(NodeKind.AIRFIELD)

    def drive(self, a: Node | Point, b: Node | Point) -> int:
        return days(_km(a, b) * ROAD_ROUTE_FACTOR, self.net.road_km_per_day)

    def rail(self, a: Node | Pledge | Point, b: Node | Point) -> int:
        return days(_km(a, b) * RAIL_ROUTE_FACTOR, self.net.rail_km_per_day)

    # --- movements -----------------------------------------------------------------

    def build(self) -> MovementPlan:
        for move in self.plan.units:
            steps: list[Step]
            links: list[Link] = []
            if move.unit_type.domain is Domain.MARITIME:
                steps = [self.sail(move, move.ready_day)]
            elif move.unit_type.domain is Domain.AIR:
                steps = [self.fly(move, move.ready_day)]
            else:
                steps, links = self.ground(move)
            self.plan.movements.append(
                Movement(
                    key=move.key,
                    move=move,
                    steps=tuple(steps),
                    links=tuple(links),
                    due=move.latest_arrival_day,
                    weight=int(priority_weight(move.priority)),
                )
            )
        self.wait_for_declared_lines()
        return self.plan

    def sail(self, move: UnitMove, release: int) -> Step:
        """A warship sails from home to its area along the shipping lanes; no node limits it."""
        km = sea_km(_point(move.pledge), area_centre(move.area))
        option = Option(
            node=None, release=release, duration=days(km, self.net.sea_km_per_day), km=round(km)
        )
        return Step("sail", Mode.SEA, (option,), True, False, move.unit_type.personnel, 0.0, 0)

    def fly(self, move: UnitMove, release: int) -> Step:
        """Combat aircraft self-deploy to an airfield; their support follows by airlift."""
        unit = move.unit_type
        options = []
        for airfield in self.airfields():
            option = self.air_option(
                move,
                airfield,
                unit.personnel,
                unit.short_tons,
                self_deploying=AIRCRAFT_PER_SQUADRON,
            )
            if option is not None:
                # the squadron flies itself: it is ready the day after its notice
                options.append(
                    Option(
                        node=option.node,
                        release=release + 1,
                        duration=option.duration,
                        holds=option.holds,
                        km=option.km,
                    )
                )
        return Step(
            "fly", Mode.AIR, tuple(options), True, True, unit.personnel, unit.short_tons,
            unit.vehicles,
        )  # fmt: skip

    def ground(self, move: UnitMove) -> tuple[list[Step], list[Link]]:
        """Cargo by rail (after sealift from a home base off the area's landmass), people by
        air, meeting at staging.
        """
        net, unit = self.net, move.unit_type
        centre = area_centre(move.area)
        in_ukraine = move.area.host_nation == "UKR"
        overseas = not reaches_by_land(_point(move.pledge), centre)
        steps: list[Step] = []
        links: list[Link] = []

        ports = net.usable_nodes(NodeKind.SEAPORT) if overseas else ()
        sea = self.sea(move, ports) if ports else None
        if sea is not None:
            steps.append(sea)
        gateways = net.usable_nodes(NodeKind.RAIL_GATEWAY) if in_ukraine else ()
        rail = self.rail_step(move, gateways, centre, sea)
        if sea is not None:
            targets: list[Node | Point] = list(gateways) if gateways else [centre]
            links.append(
                Link(
                    0,
                    1,
                    tuple(
                        tuple(self.rail(o.node, t) if o.node else 0 for t in targets)
                        for o in sea.options
                    ),
                )
            )
        steps.append(rail)
        rail_index = len(steps) - 1
        pax_options = tuple(
            o
            for a in self.airfields()
            if (o := self.air_option(move, a, unit.personnel, 0.0)) is not None
        )
        stagings = net.usable_nodes(NodeKind.STAGING_AREA) if in_ukraine else ()
        if not stagings:
            # straight to the area: people drive on from the airfield
            pax_options = tuple(
                Option(o.node, o.release, o.duration, o.holds, self.drive(o.node, centre), o.km)
                for o in pax_options
                if o.node is not None
            )
        steps.append(
            Step("pax", Mode.AIR, pax_options, not stagings, False, unit.personnel, 0.0, 0)
        )
        pax_index = len(steps) - 1
        if not stagings:
            return steps, links
        rsoi = Step(
            "rsoi",
            Mode.ROAD,
            tuple(
                Option(
                    node=s,
                    release=0,
                    duration=1,
                    holds=(Hold(self.node(s), 0, 1, 1),),
                    onward=self.drive(s, centre),
                    km=round(_km(move.pledge, s) + _km(s, centre)),
                )
                for s in stagings
            ),
            True,
            True,
            unit.personnel,
            unit.short_tons,
            unit.vehicles,
        )
        steps.append(rsoi)
        links += [
            Link(
                rail_index,
                len(steps) - 1,
                tuple(
                    tuple(self.drive(g.node, s) if g.node else 0 for s in stagings)
                    for g in rail.options
                ),
            ),
            Link(
                pax_index,
                len(steps) - 1,
                tuple(
                    tuple(self.drive(a.node, s) if a.node else 0 for s in stagings)
                    for a in pax_options
                ),
            ),
        ]
        return steps, links

    def sea(self, move: UnitMove, ports: tuple[Node, ...]) -> Step | None:
        """Ro-Ro sealift of the cargo to a seaport: the ships are held out and back."""
        pool = self.sealift()
        if pool is None:
            return None
        unit = move.unit_type
        ship_rid = self.lift(pool)
        ships = max(1, math.ceil(unit.short_tons / pool.payload_short_tons))
        centre = area_centre(move.area)
        options = []
        for port in ports:
            km = sea_km(_point(move.pledge), _point(port))
            voyage = days(km, self.net.sea_km_per_day)
            options.append(
                Option(
                    node=port,
                    release=move.ready_day,
                    duration=voyage + 1,
                    holds=(
                        # out, a day unloading, and back to load again
                        Hold(ship_rid, 0, 2 * voyage + 1, ships),
                        Hold(self.node(port), voyage, 1, 1),
                    ),
                    km=round(km + _km(port, centre)),
                )
            )
        return Step("sea", Mode.SEA, tuple(options), False, True, 0, unit.short_tons, unit.vehicles)

    def rail_step(
        self, move: UnitMove, gateways: tuple[Node, ...], centre: Point, sea: Step | None
    ) -> Step:
        """Trains through a border gateway (gauge change), or straight to an area abroad."""
        unit = move.unit_type
        trains = max(1, math.ceil(unit.short_tons / self.net.train_short_tons))
        # After sealift the rail journey starts at the port: its days are the link's lag.
        start = move.ready_day
        options = []
        for gateway in gateways:
            rid = self.node(gateway)
            rate = max(1, min(trains, self.plan.capacity[rid] // 2))
            duration = math.ceil(trains / rate)
            lead = 0 if sea else self.rail(move.pledge, gateway)
            options.append(
                Option(
                    node=gateway,
                    release=start + lead,
                    duration=duration,
                    holds=(Hold(rid, 0, duration, rate),),
                    km=round(_km(move.pledge, gateway) + _km(gateway, centre)),
                )
            )
        if not gateways:
            lead = 0 if sea else self.rail(move.pledge, centre)
            options.append(
                Option(
                    node=None, release=start + lead, duration=0, km=round(_km(move.pledge, centre))
                )
            )
        return Step(
            "rail", Mode.RAIL, tuple(options), not gateways, True, 0, unit.short_tons,
            unit.vehicles,
        )  # fmt: skip

    def relief_step(self, move: UnitMove, window_start: int) -> Step:
        """How a relief moves, arriving no earlier than ``window_start``: a warship
        sails, a squadron flies in, other people fly in and drive on.
        """
        unit = move.unit_type
        if unit.domain is Domain.MARITIME:
            step = self.sail(move, 0)
            [option] = step.options
            start = max(0, window_start - option.duration)
            return Step(
                "sail", Mode.SEA, (Option(None, start, option.duration, km=option.km),), True,
                False, unit.personnel, 0.0, 0,
            )  # fmt: skip
        if unit.domain is Domain.AIR:
            step = self.fly(move, 0)
            options = tuple(
                Option(o.node, window_start, o.duration, o.holds, 0, o.km) for o in step.options
            )
            return Step(
                "fly", Mode.AIR, options, True, True, unit.personnel, unit.short_tons,
                unit.vehicles,
            )  # fmt: skip
        centre = area_centre(move.area)
        options = tuple(
            Option(a, window_start, o.duration, o.holds, self.drive(a, centre), o.km)
            for a in self.airfields()
            if (o := self.air_option(move, a, unit.personnel, 0.0)) is not None
        )
        return Step("pax", Mode.AIR, options, True, False, unit.personnel, 0.0, 0)

    def wait_for_declared_lines(self) -> None:
        """A unit's final step waits for the units of the lines its own line declares."""
        by_line: dict[str, list[str]] = {}
        for movement in self.plan.movements:
            by_line.setdefault(movement.move.line_id, []).append(movement.key)
        self.plan.movements = [
            replace(m, waits_for=tuple(k for line in m.move.after for k in by_line.get(line, ())))
            for m in self.plan.movements
        ]


def movement_plan(
    scenario: Scenario, sourcing: SourcingResult, network: TransportNetwork
) -> MovementPlan:
    """Movements with their route options, and the resources they share, for a sourcing result."""
    return _Builder(network, unit_moves(scenario, sourcing)).build()


#: What a planned relief moves, said wherever reliefs are shown (tables, TPFDD, charts).
RELIEFS_MOVE = (
    "planned reliefs move people only: a relieving ground unit takes over the vehicles and "
    "equipment in place; a warship sails out and a squadron flies its own aircraft in"
)


def relief_movements(
    plan: MovementPlan, network: TransportNetwork, arrivals: dict[str, int], months: int
) -> list[Movement]:
    """The planned reliefs of every unit in place, due at the end of each tour.

    The relieving unit takes over the equipment in place: its people fly in
    (a warship sails out, a squadron flies its aircraft in) from the start of
    the relief window; the aircraft that bring them take the relieved unit
    home, so the return costs no extra landing.
    """
    builder = _Builder(network, plan.units)
    builder.plan.capacity, builder.plan.resource_names = plan.capacity, plan.resource_names
    builder.plan.resource_nodes = plan.resource_nodes
    reliefs = []
    for movement in plan.movements:
        move = movement.move
        arrived = arrivals.get(movement.key)
        if arrived is None:
            continue
        tour = move.pledge.tour_months()
        for k in range(1, math.ceil(months / tour)):
            due = arrived + round(k * tour * DAYS_PER_MONTH)
            reliefs.append(
                Movement(
                    key=f"{movement.key}:relief-{k}",
                    move=move,
                    steps=(builder.relief_step(move, due - network.relief_window_days),),
                    links=(),
                    due=due,
                    weight=movement.weight,
                    relief=k,
                )
            )
    return reliefs
