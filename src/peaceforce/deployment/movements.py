"""Movement lines (TPFDD-style records) of a sourced force, and the scheduling problem they make.

Every sourced unit gets one record per leg type, as a time-phased force and
deployment data record would: its equipment (cargo) and, for units that do not
self-deploy, its people (passengers). The route of each unit is chosen by rule
(nearest usable nodes to the destination, by great-circle distance):

- ships sail from their home port; combat aircraft fly to the airfield nearest
  their area, their support follows by airlift;
- other units move their cargo by rail through the nearest border gateway (by
  Ro-Ro ship to the nearest usable seaport first if their home base is not on
  the continental rail network), their people by strategic airlift, and both
  meet at the nearest staging area for reception, staging and onward movement
  (RSOI) before driving to the destination;
- units bound for an area outside Ukraine go straight there.

Each leg becomes a task of the scheduling core with the node and lift it
occupies; transit times are lags between legs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from peaceforce.geo.crs import geodesic_km
from peaceforce.scenario.model import Area, Domain, Pledge, Scenario, UnitType
from peaceforce.scenario.transport import LiftPool, Mode, Node, NodeKind, TransportNetwork
from peaceforce.solvers.rcpsp import Precedence, Resource, SchedulingProblem, Task
from peaceforce.sourcing.candidates import area_centre
from peaceforce.sourcing.optimise import priority_weight
from peaceforce.sourcing.result import SourcingResult

#: Nations whose home bases are not on the continental European rail network.
OVERSEAS = frozenset({"GBR", "IRL", "ISL", "CAN", "USA", "AUS", "NZL", "JPN"})
_RAIL_ROUTE_FACTOR = 1.2
_ROAD_ROUTE_FACTOR = 1.3
_HQ_TYPES = frozenset({"force_hq", "hq_brigade"})
AIRCRAFT_PER_SQUADRON = 12


@dataclass(frozen=True)
class Leg:
    """One leg of a unit's movement: a scheduling task plus its TPFDD facts."""

    task: Task
    unit: str
    mode: Mode
    origin: str
    destination: str
    passengers: int
    short_tons: float
    vehicles: int
    cargo: bool
    #: days from the end of this leg to arrival at the destination area
    onward_days: int
    #: whether the unit is in place when this leg (plus onward days) ends
    final: bool


@dataclass(frozen=True)
class Facts:
    """What a TPFDD record says of a leg besides its timing."""

    mode: Mode
    origin: str
    destination: str
    passengers: int = 0
    short_tons: float = 0.0
    vehicles: int = 0
    cargo: bool = True
    onward_days: int = 0
    final: bool = False


@dataclass(frozen=True)
class UnitMove:
    """One sourced unit and the requirement line it fills."""

    key: str
    pledge: Pledge
    unit_type: UnitType
    line_id: str
    area: Area
    priority: int
    latest_arrival_day: int
    ready_day: int


@dataclass
class MovementPlan:
    """The legs of every unit and the scheduling problem built from them."""

    units: list[UnitMove]
    legs: list[Leg] = field(default_factory=list)
    precedences: list[Precedence] = field(default_factory=list)
    resources: dict[str, Resource] = field(default_factory=dict)
    resource_names: dict[str, str] = field(default_factory=dict)

    def problem(self, name: str) -> SchedulingProblem:
        """The scheduling problem: every leg a task, nodes and lift as resources."""
        return SchedulingProblem(
            name=name,
            tasks=tuple(leg.task for leg in self.legs),
            resources=tuple(self.resources.values()),
            precedences=tuple(self.precedences),
        )


def _days(km: float, per_day: float) -> int:
    return max(1, math.ceil(km / per_day))


def _nearest(nodes: tuple[Node, ...], lon: float, lat: float) -> Node:
    return min(nodes, key=lambda n: geodesic_km(n.lon, n.lat, lon, lat))


def _km(a: Node | Pledge | tuple[float, float], b: Node | tuple[float, float]) -> float:
    def point(x: Node | Pledge | tuple[float, float]) -> tuple[float, float]:
        if isinstance(x, Node):
            return x.lon, x.lat
        if isinstance(x, Pledge):
            return x.home_base.lon, x.home_base.lat
        return x

    (lon1, lat1), (lon2, lat2) = point(a), point(b)
    return geodesic_km(lon1, lat1, lon2, lat2)


def unit_moves(scenario: Scenario, sourcing: SourcingResult) -> list[UnitMove]:
    """One entry per sourced unit, with the day it is ready to load."""
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
                )
            )
    return moves


class _Builder:
    """Turns unit moves into legs, choosing nodes and lift by the rules above."""

    def __init__(self, network: TransportNetwork, units: list[UnitMove]) -> None:
        self.network = network
        self.plan = MovementPlan(units=units)

    def resource(self, rid: str, name: str, capacity: int) -> str:
        if rid not in self.plan.resources:
            self.plan.resources[rid] = Resource(id=rid, capacity=capacity)
            self.plan.resource_names[rid] = name
        return rid

    def node(self, node: Node) -> str:
        return self.resource(f"node:{node.id}", node.name, node.daily_capacity)

    def lift(self, pool: LiftPool) -> str:
        if pool.mode is Mode.SEA:
            return self.resource(f"lift:{pool.id}", pool.name, pool.count)
        return self.resource(
            f"lift:{pool.id}", pool.name, max(1, pool.count // pool.round_trip_days)
        )

    def airlift(self, nation: str, airfield: Node) -> LiftPool:
        usable = [
            p
            for p in self.network.lift_pools
            if p.mode is Mode.AIR
            and (not p.nations or nation in p.nations)
            and (p.min_runway_ft or 0) <= (airfield.runway_length_ft or 0)
        ]
        if not usable:
            usable = [p for p in self.network.lift_pools if p.mode is Mode.AIR and not p.nations]
        return max(usable, key=lambda p: p.payload_short_tons)

    def pool(self, mode: Mode) -> LiftPool:
        return max((p for p in self.network.lift_pools if p.mode is mode), key=lambda p: p.count)

    def add(self, move: UnitMove, suffix: str, task: Task, facts: Facts) -> Leg:
        """Record a leg of a unit; the task id is the unit key plus the leg name."""
        built = Leg(
            task=task.model_copy(update={"id": f"{move.key}:{suffix}"}),
            unit=move.key,
            mode=facts.mode,
            origin=facts.origin,
            destination=facts.destination,
            passengers=facts.passengers,
            short_tons=facts.short_tons,
            vehicles=facts.vehicles,
            cargo=facts.cargo,
            onward_days=facts.onward_days,
            final=facts.final,
        )
        self.plan.legs.append(built)
        return built

    def build(self) -> MovementPlan:
        for move in self.plan.units:
            if move.unit_type.domain is Domain.MARITIME:
                self.sail(move)
            elif move.unit_type.domain is Domain.AIR:
                self.fly(move)
            else:
                self.ground(move)
        self.enablers_first()
        return self.plan

    def home(self, move: UnitMove) -> str:
        return f"{move.pledge.home_base.name or 'home base'} ({move.pledge.nation})"

    def sail(self, move: UnitMove) -> None:
        """Warships sail from home; no node of ours limits them."""
        net = self.network
        km = _km(move.pledge, area_centre(move.area)) * net.sea_route_factor
        task = Task(
            id="-",
            duration=_days(km, net.sea_km_per_day),
            release=move.ready_day,
            due=move.latest_arrival_day,
            weight=int(priority_weight(move.priority)),
        )
        facts = Facts(
            Mode.SEA,
            self.home(move),
            move.area.name,
            passengers=move.unit_type.personnel,
            final=True,
        )
        self.add(move, "sail", task, facts)

    def air_leg(
        self,
        move: UnitMove,
        airfield: Node,
        *,
        sorties: int,
        suffix: str,
        release: int,
        due: int | None,
        facts: Facts,
    ) -> Leg:
        """A leg flown into an airfield: landing slots and airlift sorties at one daily rate."""
        pool = self.airlift(move.pledge.nation, airfield)
        node_rid, lift_rid = self.node(airfield), self.lift(pool)
        cap = min(
            self.plan.resources[node_rid].tail_capacity, self.plan.resources[lift_rid].tail_capacity
        )
        rate = max(1, min(sorties, cap // 2))
        task = Task(
            id="-",
            duration=math.ceil(sorties / rate),
            release=release,
            due=due,
            weight=int(priority_weight(move.priority)),
            demands={node_rid: rate, lift_rid: rate},
        )
        return self.add(move, suffix, task, facts)

    def sorties(self, move: UnitMove, airfield: Node, passengers: int, short_tons: float) -> int:
        pool = self.airlift(move.pledge.nation, airfield)
        by_people = math.ceil(passengers / pool.passengers) if pool.passengers else 0
        return max(1, by_people, math.ceil(short_tons / pool.payload_short_tons))

    def fly(self, move: UnitMove) -> None:
        """Combat aircraft self-deploy to the nearest airfield; their support comes by airlift."""
        airfield = _nearest(self.network.usable_nodes(NodeKind.AIRFIELD), *area_centre(move.area))
        sorties = AIRCRAFT_PER_SQUADRON + self.sorties(
            move, airfield, move.unit_type.personnel, move.unit_type.short_tons
        )
        facts = Facts(
            Mode.AIR,
            self.home(move),
            airfield.name,
            passengers=move.unit_type.personnel,
            short_tons=move.unit_type.short_tons,
            vehicles=move.unit_type.vehicles,
            final=True,
        )
        self.air_leg(
            move,
            airfield,
            sorties=sorties,
            suffix="fly",
            release=move.ready_day + 1,
            due=move.latest_arrival_day,
            facts=facts,
        )

    def sea_to_port(self, move: UnitMove, towards: tuple[float, float]) -> tuple[Leg, Node]:
        """Ro-Ro sealift of a unit's cargo to the usable seaport nearest its rail gateway.

        The sealift pool counts ships that can be at sea outbound at once: a
        chartered ship is released at the port of debarkation, so its return
        voyage does not hold the pool.
        """
        net = self.network
        port = _nearest(net.usable_nodes(NodeKind.SEAPORT), *towards)
        ship = self.lift(self.pool(Mode.SEA))
        days = _days(_km(move.pledge, port) * net.sea_route_factor, net.sea_km_per_day)
        cargo = Facts(
            Mode.SEA,
            self.home(move),
            port.name,
            short_tons=move.unit_type.short_tons,
            vehicles=move.unit_type.vehicles,
        )
        sea = self.add(
            move,
            "sea",
            Task(id="-", duration=days, release=move.ready_day, demands={ship: 1}),
            cargo,
        )
        unload = self.add(
            move,
            "port",
            Task(id="-", duration=1, demands={self.node(port): 1}),
            Facts(
                Mode.SEA,
                port.name,
                port.name,
                short_tons=move.unit_type.short_tons,
                vehicles=move.unit_type.vehicles,
            ),
        )
        self.plan.precedences.append(Precedence(before=sea.task.id, after=unload.task.id))
        return unload, port

    def ground(self, move: UnitMove) -> None:
        """Cargo by rail (after sealift for overseas nations), people by air, meeting at staging."""
        net = self.network
        centre = area_centre(move.area)
        weight = int(priority_weight(move.priority))
        in_ukraine = move.area.host_nation == "UKR"
        staging = _nearest(net.usable_nodes(NodeKind.STAGING_AREA), *centre) if in_ukraine else None
        gateway = _nearest(net.usable_nodes(NodeKind.RAIL_GATEWAY), *centre) if in_ukraine else None
        onward = (
            _days(_km(staging, centre) * _ROAD_ROUTE_FACTOR, net.road_km_per_day) if staging else 0
        )
        due = max(0, move.latest_arrival_day - onward)
        rail_end = (gateway.lon, gateway.lat) if gateway else centre

        unload: Leg | None = None
        rail_from: Node | Pledge = move.pledge
        if move.pledge.nation in OVERSEAS:
            unload, rail_from = self.sea_to_port(move, rail_end)
        trains = max(1, math.ceil(move.unit_type.short_tons / net.train_short_tons))
        rail_days = _days(_km(rail_from, rail_end) * _RAIL_ROUTE_FACTOR, net.rail_km_per_day)
        demands: dict[str, int] = {}
        rate = trains
        if gateway is not None:
            gate_rid = self.node(gateway)
            rate = max(1, min(trains, self.plan.resources[gate_rid].tail_capacity // 2))
            demands[gate_rid] = rate
        rail = self.add(
            move,
            "rail",
            Task(
                id="-",
                duration=math.ceil(trains / rate),
                release=move.ready_day + (0 if unload else rail_days),
                due=None if staging else due,
                weight=weight,
                demands=demands,
            ),
            Facts(
                Mode.RAIL,
                rail_from.name if isinstance(rail_from, Node) else self.home(move),
                gateway.name if gateway else move.area.name,
                short_tons=move.unit_type.short_tons,
                vehicles=move.unit_type.vehicles,
                onward_days=0 if staging else onward,
                final=staging is None,
            ),
        )
        if unload is not None:
            self.plan.precedences.append(
                Precedence(before=unload.task.id, after=rail.task.id, lag=rail_days)
            )

        meet = (staging.lon, staging.lat) if staging else centre
        airfield = _nearest(net.usable_nodes(NodeKind.AIRFIELD), *meet)
        drive = _days(_km(airfield, meet) * _ROAD_ROUTE_FACTOR, net.road_km_per_day)
        pax = self.air_leg(
            move,
            airfield,
            sorties=self.sorties(move, airfield, move.unit_type.personnel, 0.0),
            suffix="pax",
            # a day to gather the people at the aerial port of embarkation
            release=move.ready_day + 1,
            due=None if staging else max(0, move.latest_arrival_day - drive),
            facts=Facts(
                Mode.AIR,
                self.home(move),
                airfield.name,
                passengers=move.unit_type.personnel,
                cargo=False,
                onward_days=0 if staging else drive,
                final=staging is None,
            ),
        )
        if staging is None:
            return
        rsoi = self.add(
            move,
            "rsoi",
            Task(id="-", duration=1, due=due, weight=weight, demands={self.node(staging): 1}),
            Facts(
                Mode.ROAD,
                staging.name,
                move.area.name,
                passengers=move.unit_type.personnel,
                short_tons=move.unit_type.short_tons,
                vehicles=move.unit_type.vehicles,
                onward_days=onward,
                final=True,
            ),
        )
        road_in = (
            _days(_km(gateway, meet) * _ROAD_ROUTE_FACTOR, net.road_km_per_day) if gateway else 0
        )
        self.plan.precedences += [
            Precedence(before=rail.task.id, after=rsoi.task.id, lag=road_in),
            Precedence(before=pax.task.id, after=rsoi.task.id, lag=drive),
        ]

    def enablers_first(self) -> None:
        """Headquarters, enablers and air defence of an area arrive before its manoeuvre units."""
        by_area: dict[str, tuple[list[str], list[str]]] = {}
        # A unit may end in several legs (cargo by rail, people by air): gate them all.
        finals: dict[str, list[str]] = {}
        for leg in self.plan.legs:
            if leg.final:
                finals.setdefault(leg.unit, []).append(leg.task.id)
        for move in self.plan.units:
            first, later = by_area.setdefault(move.area.id, ([], []))
            if move.unit_type.id in _HQ_TYPES or move.unit_type.domain in (
                Domain.ENABLER,
                Domain.AIR_DEFENCE,
            ):
                first.extend(finals[move.key])
            elif move.unit_type.domain is Domain.LAND:
                later.extend(finals[move.key])
        for area_id, (first, later) in by_area.items():
            if first and later:
                gate = f"enablers-in@{area_id}"
                self.plan.legs.append(
                    Leg(
                        Task(id=gate, duration=0),
                        gate,
                        Mode.ROAD,
                        "-",
                        area_id,
                        0,
                        0.0,
                        0,
                        False,
                        0,
                        False,
                    )
                )
                self.plan.precedences += [Precedence(before=t, after=gate) for t in first]
                self.plan.precedences += [Precedence(before=gate, after=t) for t in later]


def movement_plan(
    scenario: Scenario, sourcing: SourcingResult, network: TransportNetwork
) -> MovementPlan:
    """Legs, precedences and resources for every unit of a sourcing result."""
    return _Builder(network, unit_moves(scenario, sourcing)).build()
