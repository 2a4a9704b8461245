"""The typed scenario model: the single source of truth for every scenario file.

Each entity is a frozen pydantic model; field descriptions double as the
documentation printed by ``peaceforce schema``. Files on disk (YAML, CSV,
GeoJSON) are parsed into these models by :mod:`peaceforce.scenario.loader`;
cross-references between entities are checked by
:mod:`peaceforce.scenario.checks`.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal, TypeVar

import mgrs
from pydantic import AfterValidator, BaseModel, Field, model_validator

from peaceforce import results
from peaceforce.errors import InputError, Problem
from peaceforce.geo.frontline import LineOfContact
from peaceforce.labels import Classification, Label, combine_labels
from peaceforce.scenario.base import (
    Frozen,
    Ident,
    Iso3,
    Source,
    check_iso3,
)
from peaceforce.scenario.transport import TransportNetwork
from peaceforce.scenario.whatif import WhatIf

#: Average days in a month, for mission and tour lengths given in months.
DAYS_PER_MONTH = 30.44
#: Tour length assumed where a pledge states none (months): the common six-month tour.
DEFAULT_TOUR_MONTHS = 6


class Membership(StrEnum):
    """Memberships that decide votes and consent: alliances and the Security Council."""

    NATO = "NATO"
    EU = "EU"
    UNSC_PERMANENT = "UNSC_PERMANENT"


class Domain(StrEnum):
    """Which part of the mission a unit type serves ('ground, air, sea, air defence')."""

    LAND = "land"
    AIR = "air"
    MARITIME = "maritime"
    AIR_DEFENCE = "air_defence"
    ENABLER = "enabler"


class Question(StrEnum):
    """The questions a nation takes a stance on."""

    AUTHORISE_MISSION = "authorise_mission"
    TROOPS_ON_UKRAINIAN_SOIL = "troops_on_ukrainian_soil"
    AIR_POLICING = "air_policing"
    MARITIME = "maritime"
    AIR_DEFENCE = "air_defence"
    FUNDING = "funding"


class Position(StrEnum):
    """A nation's position on a question, from most to least supportive."""

    COMMITTED = "committed"
    CONSIDERING = "considering"
    DECLINED = "declined"
    OPPOSED = "opposed"


class DecisionRule(StrEnum):
    """How a framework takes the decision to authorise a mission."""

    CONSENSUS = "consensus"
    UNANIMITY = "unanimity"
    PERMANENT_MEMBER_VETO = "permanent_member_veto"
    NONE = "none"


class AreaKind(StrEnum):
    """Whether an area is ground, airspace or sea: presence on soil depends on it."""

    LAND = "land"
    AIRSPACE = "airspace"
    SEA = "sea"


class Commitment(StrEnum):
    """How sure a pledge is, as force-generation conferences grade it (UN PCRS, NATO)."""

    FIRM = "firm"
    CONDITIONAL = "conditional"


class AccessStatus(StrEnum):
    """Whether an access regime lets limited units in at all."""

    OPEN = "open"
    CLOSED = "closed"


class Phase(StrEnum):
    """Phase of a mission in which a requirement line must be in place."""

    INITIAL = "initial"
    MAIN = "main"
    SUSTAINMENT = "sustainment"


# --- nations and stances -------------------------------------------------------


class ForcePool(Frozen):
    """A nation's declared force pool: everyone it will commit, deployed or rotating."""

    personnel: int = Field(gt=0)
    source: Source


class Nation(Frozen):
    """A state that may contribute, vote, or be a party."""

    code: Iso3
    name: str
    memberships: tuple[Membership, ...] = ()
    gdp_usd_bn: float = Field(gt=0, description="nominal GDP, billion US dollars")
    population_m: float = Field(gt=0, description="population, millions")
    figures_year: int = Field(ge=2000, le=2100, description="year of the GDP/population figures")
    force_pool: ForcePool | None = Field(
        default=None,
        description="personnel the nation declares it can commit to the mission in all, "
        "rotations included (compared with the rule-of-thirds commitment)",
    )


class Stance(Frozen):
    """A nation's position on a question at a date, with its source."""

    nation: Iso3
    question: Question
    position: Position
    date: date
    source: Source


class Party(Frozen):
    """A party to the conflict whose consent some frameworks require."""

    nation: Iso3
    rejects_contributors_with: tuple[Membership, ...] = Field(
        default=(), description="contributors it rejects, by membership (e.g. NATO)"
    )
    source: Source


# --- capability catalogue ------------------------------------------------------

_SIDC = re.compile(r"^1[0-3][0-9]{18}$")
_SIDC_SYMBOL_SETS = {"01", "02", "05", "06", "10", "11", "15", "20", "25", "30", "35", "36", "40"}


def _check_sidc(code: str) -> str:
    if not _SIDC.match(code) or code[4:6] not in _SIDC_SYMBOL_SETS:
        raise ValueError(
            "a 20-digit APP-6(D)/MIL-STD-2525D SIDC (version 10-13, symbol set one of "
            + ", ".join(sorted(_SIDC_SYMBOL_SETS))
            + ")"
        )
    return code


class AirThreat(StrEnum):
    """What an air-defence system defends against: each class has its own defended radius."""

    AIRCRAFT = "aircraft"
    CRUISE_MISSILE = "cruise_missile"
    BALLISTIC_MISSILE = "ballistic_missile"
    DRONE = "drone"


class DefendedRadius(Frozen):
    """How far from its site a system defends against one threat class, and where that is from."""

    threat: AirThreat
    km: float = Field(ge=0, description="defended radius; 0 = cannot engage this class")
    estimate: bool = Field(
        default=False, description="true when no published figure exists and the km is estimated"
    )
    source: Source


class AirDefenceEnvelope(Frozen):
    """An air-defence system's defended radius per threat class and its radar's height.

    The radius against a low flyer is further cut by the radar horizon, which the
    protection stage computes from ``radar_height_m`` and the threat's altitude.
    """

    radar_height_m: float = Field(gt=0, le=100, description="radar antenna height above ground")
    radar_height_source: Source
    radii: tuple[DefendedRadius, ...] = Field(description="one entry per threat class")

    @model_validator(mode="after")
    def _every_class_once(self) -> AirDefenceEnvelope:
        given = [r.threat for r in self.radii]
        if sorted(given) != sorted(AirThreat):
            expected = ", ".join(t.value for t in AirThreat)
            raise ValueError(f"one radius for each threat class ({expected}), got {given}")
        return self

    def km(self, threat: AirThreat) -> float:
        """The published (or estimated) defended radius against one class."""
        return next(r.km for r in self.radii if r.threat is threat)


class UnitType(Frozen):
    """A type of unit in the capability catalogue: what it is and what it takes to move."""

    id: Ident
    name: str
    domain: Domain
    personnel: int = Field(gt=0)
    vehicles: int = Field(ge=0)
    short_tons: float = Field(ge=0, description="short tons to move the unit")
    sidc: Annotated[str, AfterValidator(_check_sidc)] = Field(
        description="APP-6(D) / MIL-STD-2525D symbol identification code"
    )
    substitutes: tuple[Ident, ...] = Field(
        default=(), description="unit types that may fill a requirement for this type"
    )
    range_km: float | None = Field(
        default=None, gt=0, description="combat radius (aircraft) or patrol radius (maritime)"
    )
    standard_displacement_t: float | None = Field(
        default=None,
        gt=0,
        description="ships: standard displacement in metric tonnes, as treaties count it "
        "(Montreux Convention, Annex II)",
    )
    displacement_source: Source | None = Field(
        default=None, description="the public figure behind standard_displacement_t"
    )

    air_defence: AirDefenceEnvelope | None = Field(
        default=None, description="defended radius per threat class (air-defence types only)"
    )

    @model_validator(mode="after")
    def _displacement_sourced(self) -> UnitType:
        if self.standard_displacement_t is not None and self.displacement_source is None:
            raise ValueError("a displacement_source for standard_displacement_t")
        return self

    @model_validator(mode="after")
    def _air_defence_has_an_envelope(self) -> UnitType:
        if self.domain is Domain.AIR_DEFENCE:
            if self.air_defence is None:
                raise ValueError(
                    "an air-defence type gives air_defence: radar_height_m and a defended "
                    "radius per threat class"
                )
            if self.range_km is not None:
                raise ValueError(
                    "an air-defence type gives its radii under air_defence, not range_km"
                )
        elif self.air_defence is not None:
            raise ValueError(f"air_defence is only for the air_defence domain, not {self.domain}")
        return self


# --- caveats -------------------------------------------------------------------


class _CaveatBase(Frozen):
    """What every caveat may carry: the public position or assumption behind it."""

    source: Source | None = Field(
        default=None, description="the public position behind the caveat, or an assumption"
    )


class AllowedDomains(_CaveatBase):
    """The pledge may only be used in these domains."""

    kind: Literal["allowed_domains"] = "allowed_domains"
    domains: tuple[Domain, ...] = Field(min_length=1)


class NoPresenceOnUkrainianTerritory(_CaveatBase):
    """The pledge may not be stationed on Ukrainian soil (it may fly or sail)."""

    kind: Literal["no_presence_on_ukrainian_territory"] = "no_presence_on_ukrainian_territory"


class RequiredFrameworks(_CaveatBase):
    """The pledge stands only if the mission is authorised by one of these frameworks."""

    kind: Literal["required_frameworks"] = "required_frameworks"
    frameworks: tuple[Ident, ...] = Field(min_length=1)


class MinDistanceFromLineOfContact(_CaveatBase):
    """The unit must stay at least this far from the line of contact."""

    kind: Literal["min_distance_from_line_of_contact"] = "min_distance_from_line_of_contact"
    km: float = Field(gt=0)


class RequiresUsBackstop(_CaveatBase):
    """The pledge stands only if the United States provides a backstop."""

    kind: Literal["requires_us_backstop"] = "requires_us_backstop"


class ParliamentaryVote(_CaveatBase):
    """Deployment needs a parliamentary vote, which adds lead time."""

    kind: Literal["parliamentary_vote"] = "parliamentary_vote"
    lead_time_days: int = Field(gt=0)


class MaxTourLength(_CaveatBase):
    """The longest tour a unit serves before it must be relieved."""

    kind: Literal["max_tour_length"] = "max_tour_length"
    months: int = Field(gt=0)


class PersonnelCeiling(_CaveatBase):
    """The most personnel the nation deploys in theatre, across all its pledges."""

    kind: Literal["personnel_ceiling"] = "personnel_ceiling"
    personnel: int = Field(gt=0)


_CaveatT = TypeVar("_CaveatT")

Caveat = Annotated[
    AllowedDomains
    | NoPresenceOnUkrainianTerritory
    | RequiredFrameworks
    | MinDistanceFromLineOfContact
    | RequiresUsBackstop
    | ParliamentaryVote
    | MaxTourLength
    | PersonnelCeiling,
    Field(discriminator="kind"),
]


# --- pledges ---------------------------------------------------------------------


class Location(Frozen):
    """A point given as lon/lat or as an MGRS grid reference (converted on load)."""

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_mgrs(cls, data: Any) -> Any:
        if isinstance(data, dict) and "mgrs" in data:
            rest = {k: v for k, v in data.items() if k != "mgrs"}
            try:
                lat, lon = mgrs.MGRS().toLatLon(str(data["mgrs"]).replace(" ", ""))
            except Exception as exc:  # the mgrs package raises bare Exceptions
                raise ValueError(
                    f"an MGRS grid reference such as 35UQR0890516548 (not {data['mgrs']!r})"
                ) from exc
            return {**rest, "lon": lon, "lat": lat}
        return data


class Window(Frozen):
    """A date range, both ends included."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end < self.start:
            raise ValueError(f"end {self.end} before start {self.start}")
        return self


class Pledge(Frozen):
    """Units a nation offers, with their readiness and caveats."""

    id: Ident
    nation: Iso3
    unit_type: Ident
    count: int = Field(gt=0)
    readiness_days: int = Field(ge=0, description="days' notice to move")
    home_base: Location
    available: Window
    caveats: tuple[Caveat, ...] = ()
    illustrative: bool = Field(
        default=False, description="true where no public figure sizes the pledge"
    )
    sustain_months: int | None = Field(
        default=None,
        gt=0,
        description="months the nation keeps the units in place through its own rotations "
        "(default: one tour)",
    )
    commitment: Commitment | None = Field(
        default=None,
        description="firm or conditional; by default conditional when the nation is "
        "'considering' or the pledge waits on a parliamentary vote",
    )
    condition: str | None = Field(
        default=None, description="what a conditional pledge waits on (makes it conditional)"
    )
    source: Source | None = None

    def caveats_of(self, kind: type[_CaveatT]) -> tuple[_CaveatT, ...]:
        """The pledge's caveats of one type."""
        return tuple(c for c in self.caveats if isinstance(c, kind))

    def ready_day(self) -> int:
        """Days after D-day the units can move: notice plus any parliamentary vote."""
        return self.readiness_days + sum(
            c.lead_time_days for c in self.caveats_of(ParliamentaryVote)
        )

    def tour_months(self) -> int:
        """The longest tour its units serve before relief (months)."""
        tours = [c.months for c in self.caveats_of(MaxTourLength)]
        return min(tours) if tours else DEFAULT_TOUR_MONTHS

    def sustained_months(self) -> int:
        """Months the nation keeps the units in place: as pledged, or one tour."""
        return self.sustain_months or self.tour_months()


# --- frameworks and missions -----------------------------------------------------


def _check_member(code: str) -> str:
    if code in Membership.__members__:
        return code
    try:
        return check_iso3(code)
    except ValueError:
        raise ValueError(
            "an ISO 3166-1 alpha-3 code, or a membership ("
            + ", ".join(Membership.__members__)
            + ") standing for every scenario nation that holds it"
        ) from None


#: A framework member: a nation's ISO code, or a membership such as NATO.
Member = Annotated[str, AfterValidator(_check_member)]


class Framework(Frozen):
    """Who may authorise the mission, and by which rule."""

    id: Ident
    name: str
    members: tuple[Member, ...] = Field(min_length=1)
    decision_rule: DecisionRule
    veto_members: tuple[Member, ...] = ()
    votes_required: int | None = Field(
        default=None, gt=0, description="affirmative votes needed (veto rule only)"
    )
    requires_party_consent: bool = Field(
        description="whether every party to the conflict must consent to the force"
    )
    source: Source | None = None


class RequirementLine(Frozen):
    """One line of the statement of requirements."""

    id: Ident
    capability: Ident = Field(description="unit type id from the catalogue")
    quantity: int = Field(gt=0)
    area: Ident
    phase: Phase
    latest_arrival_day: int = Field(ge=0, description="days after D-day")
    priority: int = Field(ge=1, le=5, description="1 = most important")
    after: tuple[Ident, ...] = Field(
        default=(),
        description="lines of the same mission whose units must be in place before this "
        "line's units move on from staging (e.g. their brigade headquarters)",
    )


class MissionOption(Frozen):
    """A mission option and its statement of requirements."""

    id: Ident
    name: str
    description: str
    duration_months: int = Field(gt=0)
    requirements: tuple[RequirementLine, ...] = Field(min_length=1)
    source: Source | None = None


# --- geography -------------------------------------------------------------------


class Area(Frozen):
    """A named area: a polygon or a point, on land, in the air or at sea."""

    id: Ident
    name: str
    kind: AreaKind
    host_nation: Iso3 | None = Field(description="state whose territory it is; null at sea")
    geometry_wkt: str = Field(description="geometry in lon/lat (WKT, from GeoJSON)")

    @property
    def on_ukrainian_soil(self) -> bool:
        """Presence here means troops on Ukrainian territory."""
        return self.kind is AreaKind.LAND and self.host_nation == "UKR"


# --- access regimes --------------------------------------------------------------


class Closure(Frozen):
    """Whether the regime admits limited units now, and after a peace agreement."""

    status: AccessStatus
    article: str = Field(description="the article the status rests on, e.g. 'Art. 19'")
    summary: str = Field(min_length=10, description="what the article and the status say")
    source: Source
    after_peace_agreement: AccessStatus = Field(
        description="the status once a peace agreement ends the war (what-if switch)"
    )


class StayLimit(Frozen):
    """The longest a limited unit may stay; holding a station needs two alternating units."""

    days: int = Field(gt=0)
    article: str
    summary: str = Field(min_length=10)


class Notice(Frozen):
    """Notice to give before a limited unit passes: added to its readiness."""

    days: int = Field(gt=0)
    article: str
    summary: str = Field(min_length=10)


class AggregateTonnage(Frozen):
    """Most standard displacement of limited ships present in the areas at once."""

    tonnes: float = Field(gt=0, description="the limit in force")
    max_tonnes: float | None = Field(default=None, gt=0, description="the most it may rise to")
    article: str
    summary: str = Field(min_length=10)


class StateTonnage(Frozen):
    """Most standard displacement any one limited state may have in the areas at once."""

    tonnes: float = Field(gt=0)
    article: str
    summary: str = Field(min_length=10)


class TransitLimit(Frozen):
    """Most in course of transit at once: a heavier ship cannot pass; ``vessels`` at a time.

    Where units take turns under a stay limit, every relief takes two transits
    (the relieving unit in, the relieved one out) of ``transit_days`` each, so
    over one stay the passage offers ``vessels`` × stay days of transit: the
    stations held are limited to ``vessels`` × stay days / (2 × transit days).
    """

    tonnes: float = Field(gt=0)
    vessels: int | None = Field(default=None, gt=0, description="most vessels in transit at once")
    transit_days: float = Field(
        default=1.0, gt=0, description="days one passage takes, from entry to exit"
    )
    article: str
    summary: str = Field(min_length=10)


class AccessRegime(Frozen):
    """A treaty or policy limit on reaching some areas (straits, airspace, land transit).

    Units of the limited domains from nations not exempt are refused while the
    regime is closed; otherwise they give notice, stay no longer than the stay
    limit (a station then needs two units taking turns) and, for ships, keep
    within the aggregate tonnage, each state's tonnage and the transit limits.
    """

    id: Ident
    name: str
    instrument: str = Field(description="the treaty or decision, with its year")
    areas: tuple[Ident, ...] = Field(min_length=1, description="areas the regime governs")
    domains: tuple[Domain, ...] = Field(min_length=1, description="domains of limited units")
    exempt: tuple[Iso3, ...] = Field(
        default=(), description="nations the limits do not apply to (e.g. Black Sea states)"
    )
    closure: Closure
    stay: StayLimit | None = None
    notice: Notice | None = None
    aggregate_tonnage: AggregateTonnage | None = None
    state_tonnage: StateTonnage | None = None
    transit: TransitLimit | None = None
    source: Source

    def status(self, after_peace_agreement: bool) -> AccessStatus:
        """The status in force: now, or after a peace agreement."""
        return self.closure.after_peace_agreement if after_peace_agreement else self.closure.status

    def limits(self, nation: str, domain: Domain, area: str) -> bool:
        """Whether a unit of this nation and domain is limited in this area."""
        return area in self.areas and domain in self.domains and nation not in self.exempt


# --- the scenario ----------------------------------------------------------------


class Assumptions(Frozen):
    """Scenario-wide switches an analyst changes for what-if runs."""

    us_backstop: bool = Field(description="whether the US provides a backstop")
    rotation_ratio: int = Field(
        default=3, ge=2, description="units held per unit deployed (3 = rule of thirds)"
    )
    burden_share_basis: Literal["gdp", "population"] = "gdp"
    after_peace_agreement: bool = Field(
        default=False,
        description="access regimes take their status after a peace agreement "
        "(e.g. the Turkish Straits reopen to warships)",
    )
    ioc_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="share of the required personnel in place (with every priority-1 line) "
        "that makes initial operating capability",
    )


_Identified = TypeVar("_Identified", MissionOption, Framework)


def _pick(items: tuple[_Identified, ...], wanted: str, scenario_id: str, what: str) -> _Identified:
    """The item with this id, or an input error naming the ids there are."""
    for item in items:
        if item.id == wanted:
            return item
    known = ", ".join(item.id for item in items)
    raise InputError([Problem(f"scenario {scenario_id}", what, repr(wanted), f"one of: {known}")])


#: The label of a scenario that states none: unclassified planning data for the coalition.
DEFAULT_SCENARIO_LABEL = Label(
    classification=Classification.UNCLASSIFIED, releasable_to=frozenset({"COALITION"})
)


class ScenarioHeader(Frozen):
    """scenario.yaml: the scenario's identity, label, switches and the parties to the conflict."""

    id: Ident
    name: str
    description: str
    label: Label = Field(
        default=DEFAULT_SCENARIO_LABEL,
        description="who may read the scenario and what is derived from it "
        "(default: UNCLASSIFIED, releasable to COALITION)",
    )
    file_labels: dict[str, Label] = Field(
        default_factory=dict,
        description="a label per file of the folder (e.g. pledges.csv) where it differs from "
        "the scenario's; results combine them all",
    )
    d_day: date = Field(description="day the ceasefire holds and the mandate starts")
    c_day: date | None = Field(
        default=None,
        description="C-day: the reference date of TPFDD dates (C+n); default: d_day, since the "
        "deployment schedule counts its days from d_day (day 0)",
    )
    assumptions: Assumptions
    parties: tuple[Party, ...] = Field(min_length=1)


class Scenario(ScenarioHeader):
    """A whole scenario, cross-checked: what every later stage takes as input."""

    nations: tuple[Nation, ...]
    stances: tuple[Stance, ...]
    catalogue: tuple[UnitType, ...]
    pledges: tuple[Pledge, ...]
    frameworks: tuple[Framework, ...]
    missions: tuple[MissionOption, ...]
    areas: tuple[Area, ...]
    line_of_contact: LineOfContact
    transport: TransportNetwork | None = Field(
        default=None, description="nodes and lift for deployment planning (transport.yaml)"
    )
    access_regimes: tuple[AccessRegime, ...] = Field(
        default=(), description="treaty and policy limits on reaching areas (access.yaml)"
    )
    what_if: WhatIf = Field(
        default_factory=WhatIf, description="what-if settings applied to the files' content"
    )
    withdrawn: tuple[Pledge, ...] = Field(
        default=(), description="pledges a what-if withdrew, kept to say what that changed"
    )

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some fields changed, validated again (what-if runs use this).

        Unlike ``model_copy(update=...)`` it rebuilds the cached lookups below.
        """
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return type(self).model_validate({**fields, **changes})

    @cached_property
    def run_key(self) -> str:
        """Key of a run on this scenario: its content, its what-if settings, the code version."""
        return results.run_key(
            self.model_dump(mode="json", exclude={"what_if"}),
            self.what_if.model_dump(mode="json"),
        )

    @cached_property
    def result_label(self) -> Label:
        """The label of anything computed from this scenario: its own and every file's."""
        return combine_labels([self.label, *self.file_labels.values()])

    def stamp(self, *inputs: BaseModel | None) -> dict[str, Any]:
        """The label and run key that every stage result computed from this scenario carries.

        ``inputs`` are what a stage read besides the scenario (the protection
        data of ``protection.yaml``): their content joins the run key, so two
        runs that differ only there do not share one.
        """
        used = [i.model_dump(mode="json") for i in inputs if i is not None]
        if not used:
            return {"label": self.result_label, "run_key": self.run_key}
        content = [self.model_dump(mode="json", exclude={"what_if"}), *used]
        key = results.run_key(content, self.what_if.model_dump(mode="json"))
        return {"label": self.result_label, "run_key": key}

    @property
    def reference_c_day(self) -> date:
        """The date TPFDD files count C-days from: ``c_day``, or ``d_day`` when not set."""
        return self.c_day or self.d_day

    @cached_property
    def nation_by_code(self) -> dict[str, Nation]:
        """Nations indexed by ISO code."""
        return {n.code: n for n in self.nations}

    @cached_property
    def unit_type_by_id(self) -> dict[str, UnitType]:
        """Catalogue indexed by unit type id."""
        return {u.id: u for u in self.catalogue}

    @cached_property
    def area_by_id(self) -> dict[str, Area]:
        """Areas indexed by id."""
        return {a.id: a for a in self.areas}

    def mission(self, mission_id: str) -> MissionOption:
        """The mission option with this id.

        Raises
        ------
        InputError
            Naming the known mission options.
        """
        return _pick(self.missions, mission_id, self.id, "mission option")

    def framework(self, framework_id: str) -> Framework:
        """The framework with this id.

        Raises
        ------
        InputError
            Naming the known frameworks.
        """
        return _pick(self.frameworks, framework_id, self.id, "framework")

    def members_of(self, spec: tuple[str, ...]) -> tuple[str, ...]:
        """Resolve a member list, expanding memberships (e.g. NATO) over the nations."""
        codes: list[str] = []
        for entry in spec:
            if entry in Membership.__members__:
                held = Membership[entry]
                codes.extend(n.code for n in self.nations if held in n.memberships)
            else:
                codes.append(entry)
        return tuple(dict.fromkeys(codes))

    @cached_property
    def latest_stances(self) -> dict[tuple[str, Question], Stance]:
        """Each nation's latest stance on each question (the first listed of a day's)."""
        latest: dict[tuple[str, Question], Stance] = {}
        for stance in self.stances:
            key = (stance.nation, stance.question)
            if key not in latest or stance.date > latest[key].date:
                latest[key] = stance
        return latest

    def stance(self, nation: str, question: Question) -> Stance | None:
        """The latest stance of a nation on a question, if any."""
        return self.latest_stances.get((nation, question))

    def pledge_stance(self, pledge: Pledge) -> Stance | None:
        """The stance that decides a pledge: on its domain's question, else on troops."""
        domain = self.unit_type_by_id[pledge.unit_type].domain
        question = _QUESTION_OF_DOMAIN.get(domain, Question.TROOPS_ON_UKRAINIAN_SOIL)
        return self.stance(pledge.nation, question) or self.stance(
            pledge.nation, Question.TROOPS_ON_UKRAINIAN_SOIL
        )

    def commitment(self, pledge: Pledge) -> tuple[Commitment, str]:
        """Whether a pledge is firm or conditional, and why.

        Stated in the pledge, or else conditional when the nation's deciding stance
        is 'considering' or the pledge waits on a parliamentary vote.
        """
        if pledge.commitment is not None:
            return pledge.commitment, pledge.condition or f"stated as {pledge.commitment.value}"
        if pledge.condition:
            return Commitment.CONDITIONAL, pledge.condition
        stance = self.pledge_stance(pledge)
        if stance is not None and stance.position is Position.CONSIDERING:
            return Commitment.CONDITIONAL, f"{pledge.nation} is considering ({stance.question})"
        votes = pledge.caveats_of(ParliamentaryVote)
        if votes:
            return Commitment.CONDITIONAL, "waits on a parliamentary vote"
        return Commitment.FIRM, "committed"

    def regimes_status(self) -> dict[str, AccessStatus]:
        """Each access regime's status under the scenario's assumptions."""
        after = self.assumptions.after_peace_agreement
        return {r.id: r.status(after) for r in self.access_regimes}


_QUESTION_OF_DOMAIN = {
    Domain.MARITIME: Question.MARITIME,
    Domain.AIR: Question.AIR_POLICING,
    Domain.AIR_DEFENCE: Question.AIR_DEFENCE,
}
