"""Which pledge may fill which requirement line, and every obstacle where it may not.

A pledge is a *candidate* for a line when its unit type is the line's
capability or one of that capability's substitutes. A candidate is *usable*
when no caveat, stance or mandate verdict stands in the way; otherwise each
obstacle is recorded with how far it misses (days, km), which is what the gap
explanations and the relaxations are built from.

A mission of thousands of lines and pledges has millions of candidates, so they
are held as columns (:class:`Candidates`): each obstacle kind is a bit, decided
for all pairs at once from per-pledge facts (:class:`PledgeFacts`) and
per-line facts (:class:`LineFacts`). :class:`Pair` objects, with their
obstacles spelt out, are made only for the pairs someone reads (explanations).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from shapely import wkt

from peaceforce.geo.crs import geodesic_km, to_metric
from peaceforce.mandate.analysis import FrameworkAssessment, PledgeStatus, PledgeVerdict
from peaceforce.scenario.model import (
    AccessRegime,
    AccessStatus,
    AllowedDomains,
    Area,
    Domain,
    MinDistanceFromLineOfContact,
    MissionOption,
    NoPresenceOnUkrainianTerritory,
    Pledge,
    RequirementLine,
    RequiresUsBackstop,
    Scenario,
)
from peaceforce.sourcing.result import Obstacle, ObstacleKind

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: One bit per obstacle kind, in the order obstacles are listed.
BIT = {kind: 1 << k for k, kind in enumerate(ObstacleKind)}
_DOMAIN_BIT = {domain: 1 << k for k, domain in enumerate(Domain)}
_ALL_DOMAINS = sum(_DOMAIN_BIT.values())


@dataclass(frozen=True)
class Pair:
    """A candidate (pledge, line) pair and what stands in its way (empty: usable)."""

    pledge: Pledge
    line: RequirementLine
    substitute: bool
    obstacles: tuple[Obstacle, ...]
    distance_km: float

    @property
    def usable(self) -> bool:
        """Whether the pledge may fill the line."""
        return not self.obstacles


@lru_cache(maxsize=1024)
def _area_distance_km(area_wkt: str, line_wkt: str) -> float:
    """Shortest distance from an area to the line of contact, in km on the metric CRS."""
    return float(to_metric(wkt.loads(area_wkt)).distance(to_metric(wkt.loads(line_wkt)))) / 1000.0


def distance_to_line_km(scenario: Scenario, area: Area) -> float:
    """How far an area lies from the line of contact (0 if it touches it)."""
    return _area_distance_km(area.geometry_wkt, scenario.line_of_contact.geometry_wkt)


@lru_cache(maxsize=4096)
def _centroid(area_wkt: str) -> tuple[float, float]:
    point = wkt.loads(area_wkt).centroid
    return float(point.x), float(point.y)


def area_centre(area: Area) -> tuple[float, float]:
    """The (lon, lat) centre of an area."""
    return _centroid(area.geometry_wkt)


@dataclass(frozen=True)
class PledgeFacts:
    """What the obstacles need to know of one pledge under one framework."""

    verdict: PledgeVerdict
    no_presence_caveat: bool
    allowed_domains: tuple[Domain, ...]  # every domain when no caveat restricts it
    min_distance_km: float  # 0 when no caveat asks for one
    lacks_backstop: bool
    ready_day: int
    first_day: int  # availability window, in days after D-day
    last_day: int

    @classmethod
    def of(cls, scenario: Scenario, verdict: PledgeVerdict, pledge: Pledge) -> PledgeFacts:
        """The facts of one pledge: caveats of one kind combined (domains intersect, km max)."""
        allowed = list(Domain)
        for caveat in pledge.caveats_of(AllowedDomains):
            allowed = [d for d in allowed if d in caveat.domains]
        return cls(
            verdict=verdict,
            no_presence_caveat=bool(pledge.caveats_of(NoPresenceOnUkrainianTerritory)),
            allowed_domains=tuple(allowed),
            min_distance_km=max(
                (c.km for c in pledge.caveats_of(MinDistanceFromLineOfContact)), default=0.0
            ),
            lacks_backstop=bool(pledge.caveats_of(RequiresUsBackstop))
            and not scenario.assumptions.us_backstop,
            ready_day=pledge.ready_day(),
            first_day=(pledge.available.start - scenario.d_day).days,
            last_day=(pledge.available.end - scenario.d_day).days,
        )

    @property
    def kept_off_ukrainian_soil(self) -> bool:
        """A caveat or the framework keeps the pledge off Ukrainian territory."""
        return self.no_presence_caveat or self.verdict.status is PledgeStatus.RESTRICTED


@dataclass(frozen=True)
class LineFacts:
    """What the obstacles need to know of one line: its area and domain, its date."""

    area: Area
    domain: Domain
    on_ukrainian_soil: bool
    distance_to_line_km: float
    latest_arrival_day: int

    @classmethod
    def of(cls, scenario: Scenario, line: RequirementLine, distance_km: float) -> LineFacts:
        """The facts of one line, its area's distance to the line of contact given."""
        area = scenario.area_by_id[line.area]
        return cls(
            area=area,
            domain=scenario.unit_type_by_id[line.capability].domain,
            on_ukrainian_soil=area.on_ukrainian_soil,
            distance_to_line_km=distance_km,
            latest_arrival_day=line.latest_arrival_day,
        )


@dataclass(frozen=True)
class Access:
    """The access regimes that limit each candidate pair (-1: none), and what they ask."""

    regimes: tuple[AccessRegime, ...]
    open: tuple[bool, ...]  # per regime, under the scenario's assumptions
    regime: IntArray  # per pair
    displacement: FloatArray  # per pair, the pledged unit's standard displacement (t)

    def notice_days(self) -> IntArray:
        """Notice each pair must give before it passes (0 where no regime limits it)."""
        days = np.array([r.notice.days if r.notice else 0 for r in self.regimes] + [0])
        return np.asarray(days[self.regime], dtype=np.int64)

    def hulls(self) -> IntArray:
        """Units one station takes: two taking turns where a stay limit applies, else one."""
        turns = np.array([2 if r.stay else 1 for r in self.regimes] + [1])
        return np.asarray(turns[self.regime], dtype=np.int64)

    def closed(self) -> BoolArray:
        """Pairs a closed regime refuses."""
        shut = np.array([not o for o in self.open] + [False])
        return np.asarray(shut[self.regime], dtype=bool)

    def over_transit(self) -> BoolArray:
        """Pairs whose unit alone exceeds the tonnage allowed in transit."""
        limit = np.array(
            [r.transit.tonnes if r.transit else np.inf for r in self.regimes] + [np.inf]
        )
        return np.asarray(self.displacement > limit[self.regime], dtype=bool)

    def select(self, keep: BoolArray) -> Access:
        """The access facts of the pairs kept."""
        return Access(self.regimes, self.open, self.regime[keep], self.displacement[keep])


def _access(scenario: Scenario, mission: MissionOption, p: IntArray, r: IntArray) -> Access:
    """Which regime limits each pair: the first of the scenario's that names the line's area."""
    regimes = scenario.access_regimes
    status = scenario.regimes_status()
    pledges, lines = scenario.pledges, mission.requirements
    if not regimes:
        return Access((), (), np.full(len(p), -1, dtype=np.int64), np.zeros(len(p)))
    per_combo: dict[tuple[str, str, str], int] = {}
    regime = np.full(len(p), -1, dtype=np.int64)
    for k, (pk, rk) in enumerate(zip(p.tolist(), r.tolist(), strict=True)):
        pledge, line = pledges[pk], lines[rk]
        key = (pledge.nation, pledge.unit_type, line.area)
        if key not in per_combo:
            domain = scenario.unit_type_by_id[pledge.unit_type].domain
            per_combo[key] = next(
                (j for j, x in enumerate(regimes) if x.limits(pledge.nation, domain, line.area)), -1
            )
        regime[k] = per_combo[key]
    tonnes = np.array(
        [scenario.unit_type_by_id[x.unit_type].standard_displacement_t or 0.0 for x in pledges]
    )
    return Access(
        regimes=regimes,
        open=tuple(status[x.id] is AccessStatus.OPEN for x in regimes),
        regime=regime,
        displacement=tonnes[p] if len(pledges) else np.zeros(0),
    )


def _blocked_bits(
    pledges: list[PledgeFacts], lines: list[LineFacts], p: IntArray, r: IntArray, access: Access
) -> IntArray:
    """The obstacle bits of the pairs (pledge ``p[k]``, line ``r[k]``), all at once."""

    def pledge_array(value: Any, dtype: Any = np.int64) -> Any:
        return np.fromiter((value(f) for f in pledges), dtype=dtype, count=len(pledges))[p]

    def line_array(value: Any, dtype: Any = np.int64) -> Any:
        return np.fromiter((value(f) for f in lines), dtype=dtype, count=len(lines))[r]

    excluded = pledge_array(lambda f: f.verdict.status is PledgeStatus.EXCLUDED, bool)
    off_soil = pledge_array(lambda f: f.kept_off_ukrainian_soil, bool)
    allowed = pledge_array(lambda f: sum(_DOMAIN_BIT[d] for d in f.allowed_domains))
    min_km = pledge_array(lambda f: f.min_distance_km, float)
    backstop = pledge_array(lambda f: f.lacks_backstop, bool)
    ready, first, last = (
        pledge_array(lambda f: f.ready_day),
        pledge_array(lambda f: f.first_day),
        pledge_array(lambda f: f.last_day),
    )
    on_soil = line_array(lambda f: f.on_ukrainian_soil, bool)
    domain = line_array(lambda f: _DOMAIN_BIT[f.domain])
    to_line = line_array(lambda f: f.distance_to_line_km, float)
    latest = line_array(lambda f: f.latest_arrival_day)
    bits = np.zeros(len(p), dtype=np.int64)
    for kind, hit in (
        (ObstacleKind.MANDATE, excluded),
        (ObstacleKind.NO_PRESENCE, on_soil & off_soil),
        (ObstacleKind.DOMAIN, (allowed & domain) == 0),
        (ObstacleKind.DISTANCE, to_line < min_km),
        (ObstacleKind.US_BACKSTOP, backstop),
        (ObstacleKind.READINESS, ready + access.notice_days() > latest),
        (ObstacleKind.WINDOW, (latest < first) | (latest > last)),
        (ObstacleKind.ACCESS, access.closed() | access.over_transit()),
    ):
        bits |= np.where(hit, BIT[kind], 0)
    return bits


def describe(
    scenario: Scenario,
    pledge: Pledge,
    facts: PledgeFacts,
    line: LineFacts,
    bits: int,
    *,
    regime: AccessRegime | None = None,
) -> tuple[Obstacle, ...]:
    """The obstacles whose bits are set, spelt out with how far each misses.

    ``regime`` is the access regime that limits the pair, if one does.
    """
    found: list[Obstacle] = []
    reasons = "; ".join(facts.verdict.reasons)
    if bits & BIT[ObstacleKind.MANDATE]:
        found.append(Obstacle(kind=ObstacleKind.MANDATE, detail=reasons))
    if bits & BIT[ObstacleKind.NO_PRESENCE]:
        detail = (
            f"caveat: no presence on Ukrainian soil ({line.area.id})"
            if facts.no_presence_caveat
            else reasons
        )
        found.append(Obstacle(kind=ObstacleKind.NO_PRESENCE, detail=detail))
    if bits & BIT[ObstacleKind.DOMAIN]:
        allowed = ", ".join(d.value for d in facts.allowed_domains) or "no domain"
        found.append(
            Obstacle(
                kind=ObstacleKind.DOMAIN,
                detail=f"caveat: only {allowed}, line is {line.domain.value}",
            )
        )
    if bits & BIT[ObstacleKind.DISTANCE]:
        found.append(
            Obstacle(
                kind=ObstacleKind.DISTANCE,
                detail=(
                    f"caveat: ≥ {facts.min_distance_km:g} km from the line, "
                    f"{line.area.id} is {line.distance_to_line_km:.0f} km"
                ),
                excess=facts.min_distance_km - line.distance_to_line_km,
            )
        )
    if bits & BIT[ObstacleKind.US_BACKSTOP]:
        found.append(
            Obstacle(
                kind=ObstacleKind.US_BACKSTOP,
                detail="caveat: needs a US backstop, scenario assumes none",
            )
        )
    if bits & BIT[ObstacleKind.READINESS]:
        vote_days = facts.ready_day - pledge.readiness_days
        notice = regime.notice if regime is not None else None
        what = f"readiness {pledge.readiness_days} d" + (
            f" + parliamentary vote {vote_days} d" if vote_days else ""
        )
        ready = facts.ready_day
        if notice is not None:
            treaty = regime.instrument if regime else ""
            what += f" + notice {notice.days} d ({treaty} {notice.article})"
            ready += notice.days
        found.append(
            Obstacle(
                kind=ObstacleKind.READINESS,
                detail=f"{what} = day {ready} > latest arrival day {line.latest_arrival_day}",
                excess=float(ready - line.latest_arrival_day),
            )
        )
    if bits & BIT[ObstacleKind.WINDOW]:
        arrival = scenario.d_day + timedelta(days=line.latest_arrival_day)
        found.append(
            Obstacle(
                kind=ObstacleKind.WINDOW,
                detail=(
                    f"available {pledge.available.start}..{pledge.available.end}, "
                    f"needed by {arrival}"
                ),
            )
        )
    if bits & BIT[ObstacleKind.ACCESS] and regime is not None:
        found.append(
            Obstacle(kind=ObstacleKind.ACCESS, detail=access_detail(scenario, pledge, regime))
        )
    return tuple(found)


def access_detail(scenario: Scenario, pledge: Pledge, regime: AccessRegime) -> str:
    """Why an access regime refuses a pledge, citing the article."""
    if regime.status(scenario.assumptions.after_peace_agreement) is AccessStatus.CLOSED:
        return (
            f"{regime.instrument}, {regime.closure.article}: {regime.name} closed to "
            f"{pledge.nation} {pledge.unit_type} ({regime.closure.summary.strip()})"
        )
    tonnes = scenario.unit_type_by_id[pledge.unit_type].standard_displacement_t or 0.0
    limit = regime.transit.tonnes if regime.transit else 0.0
    article = regime.transit.article if regime.transit else ""
    return (
        f"{regime.instrument}, {article}: a {tonnes:,.0f} t {pledge.unit_type} exceeds the "
        f"{limit:,.0f} t allowed in transit"
    )


@dataclass(frozen=True, eq=False)
class Candidates:
    """Every (pledge, line) candidate pair of a mission as columns, line by line.

    ``pledge[k]`` indexes ``scenario.pledges``, ``line[k]`` the mission's
    requirements; ``blocked[k]`` holds the pair's obstacle bits (0: usable).
    """

    scenario: Scenario
    mission: MissionOption
    pledge_facts: tuple[PledgeFacts, ...]
    line_facts: tuple[LineFacts, ...]
    pledge: IntArray
    line: IntArray
    blocked: IntArray
    distance_km: FloatArray
    access: Access

    def __len__(self) -> int:
        return len(self.pledge)

    def select(self, keep: BoolArray) -> Candidates:
        """The candidates where ``keep`` is true."""
        return Candidates(
            self.scenario,
            self.mission,
            self.pledge_facts,
            self.line_facts,
            self.pledge[keep],
            self.line[keep],
            self.blocked[keep],
            self.distance_km[keep],
            self.access.select(keep),
        )

    def regime_of(self, k: int) -> AccessRegime | None:
        """The access regime that limits candidate ``k``, if one does."""
        j = int(self.access.regime[k])
        return self.access.regimes[j] if j >= 0 else None

    def pair(self, k: int) -> Pair:
        """Candidate ``k`` as a :class:`Pair`, its obstacles spelt out."""
        pledge = self.scenario.pledges[int(self.pledge[k])]
        line = self.mission.requirements[int(self.line[k])]
        return Pair(
            pledge=pledge,
            line=line,
            substitute=pledge.unit_type != line.capability,
            obstacles=describe(
                self.scenario,
                pledge,
                self.pledge_facts[int(self.pledge[k])],
                self.line_facts[int(self.line[k])],
                int(self.blocked[k]),
                regime=self.regime_of(k),
            ),
            distance_km=float(self.distance_km[k]),
        )


def _travel_km(scenario: Scenario, p: IntArray, r: IntArray, mission: MissionOption) -> FloatArray:
    """Great-circle km from each pair's home base to its line's area centre.

    Computed once per (home base, area): a force has far fewer of those than pairs.
    """
    bases = np.array([(x.home_base.lon, x.home_base.lat) for x in scenario.pledges]).reshape(-1, 2)
    base_keys, base_of_pledge = np.unique(bases, axis=0, return_inverse=True)
    area_ids = [line.area for line in mission.requirements]
    area_keys, area_of_line = np.unique(np.array(area_ids), return_inverse=True)
    combo = base_of_pledge.reshape(-1)[p] * len(area_keys) + area_of_line.reshape(-1)[r]
    used, where = np.unique(combo, return_inverse=True)
    km = np.zeros(len(used))
    for j, c in enumerate(used.tolist()):
        lon, lat = base_keys[c // len(area_keys)]
        centre = area_centre(scenario.area_by_id[str(area_keys[c % len(area_keys)])])
        km[j] = geodesic_km(float(lon), float(lat), *centre)
    return np.asarray(km[where.reshape(-1)], dtype=float)


def candidate_pairs(
    scenario: Scenario, mission: MissionOption, assessment: FrameworkAssessment
) -> Candidates:
    """Every (pledge, line) pair whose capability matches, usable or not."""
    verdicts = {v.pledge_id: v for v in assessment.pledges}
    pledge_facts = tuple(PledgeFacts.of(scenario, verdicts[x.id], x) for x in scenario.pledges)
    to_line = {
        area: distance_to_line_km(scenario, scenario.area_by_id[area])
        for area in {line.area for line in mission.requirements}
    }
    line_facts = tuple(
        LineFacts.of(scenario, line, to_line[line.area]) for line in mission.requirements
    )
    of_type: dict[str, list[int]] = {}
    for k, x in enumerate(scenario.pledges):
        of_type.setdefault(x.unit_type, []).append(k)
    accepting: dict[str, IntArray] = {}  # the pledges able to fill a capability, in order
    for capability in {line.capability for line in mission.requirements}:
        accepted = {capability, *scenario.unit_type_by_id[capability].substitutes}
        accepting[capability] = np.array(
            sorted(k for t in accepted for k in of_type.get(t, [])), dtype=np.int64
        )
    pledge_parts = [accepting[line.capability] for line in mission.requirements]
    p = np.concatenate(pledge_parts)
    r = np.repeat(np.arange(len(pledge_parts), dtype=np.int64), [len(x) for x in pledge_parts])
    access = _access(scenario, mission, p, r)
    return Candidates(
        scenario=scenario,
        mission=mission,
        pledge_facts=pledge_facts,
        line_facts=line_facts,
        pledge=p,
        line=r,
        blocked=_blocked_bits(list(pledge_facts), list(line_facts), p, r, access),
        distance_km=_travel_km(scenario, p, r, mission),
        access=access,
    )
