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
from pydantic import AfterValidator, Field, model_validator

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


class Phase(StrEnum):
    """Phase of a mission in which a requirement line must be in place."""

    INITIAL = "initial"
    MAIN = "main"
    SUSTAINMENT = "sustainment"


# --- nations and stances -------------------------------------------------------


class Nation(Frozen):
    """A state that may contribute, vote, or be a party."""

    code: Iso3
    name: str
    memberships: tuple[Membership, ...] = ()
    gdp_usd_bn: float = Field(gt=0, description="nominal GDP, billion US dollars")
    population_m: float = Field(gt=0, description="population, millions")
    figures_year: int = Field(ge=2000, le=2100, description="year of the GDP/population figures")


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
        default=None, gt=0, description="engagement range (air defence) or combat radius (air)"
    )


# --- caveats -------------------------------------------------------------------


class AllowedDomains(Frozen):
    """The pledge may only be used in these domains."""

    kind: Literal["allowed_domains"] = "allowed_domains"
    domains: tuple[Domain, ...] = Field(min_length=1)


class NoPresenceOnUkrainianTerritory(Frozen):
    """The pledge may not be stationed on Ukrainian soil (it may fly or sail)."""

    kind: Literal["no_presence_on_ukrainian_territory"] = "no_presence_on_ukrainian_territory"


class RequiredFrameworks(Frozen):
    """The pledge stands only if the mission is authorised by one of these frameworks."""

    kind: Literal["required_frameworks"] = "required_frameworks"
    frameworks: tuple[Ident, ...] = Field(min_length=1)


class MinDistanceFromLineOfContact(Frozen):
    """The unit must stay at least this far from the line of contact."""

    kind: Literal["min_distance_from_line_of_contact"] = "min_distance_from_line_of_contact"
    km: float = Field(gt=0)


class RequiresUsBackstop(Frozen):
    """The pledge stands only if the United States provides a backstop."""

    kind: Literal["requires_us_backstop"] = "requires_us_backstop"


class ParliamentaryVote(Frozen):
    """Deployment needs a parliamentary vote, which adds lead time."""

    kind: Literal["parliamentary_vote"] = "parliamentary_vote"
    lead_time_days: int = Field(gt=0)


class MaxTourLength(Frozen):
    """The longest tour a unit serves before it must be relieved."""

    kind: Literal["max_tour_length"] = "max_tour_length"
    months: int = Field(gt=0)


class PersonnelCeiling(Frozen):
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


# --- the scenario ----------------------------------------------------------------


class Assumptions(Frozen):
    """Scenario-wide switches an analyst changes for what-if runs."""

    us_backstop: bool = Field(description="whether the US provides a backstop")
    rotation_ratio: int = Field(
        default=3, ge=2, description="units held per unit deployed (3 = rule of thirds)"
    )
    burden_share_basis: Literal["gdp", "population"] = "gdp"
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
    what_if: WhatIf = Field(
        default_factory=WhatIf, description="what-if settings applied to the files' content"
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

    def stamp(self) -> dict[str, Any]:
        """The label and run key that every stage result computed from this scenario carries."""
        return {"label": self.result_label, "run_key": self.run_key}

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

    def stance(self, nation: str, question: Question) -> Stance | None:
        """The latest stance of a nation on a question, if any."""
        found = [s for s in self.stances if s.nation == nation and s.question is question]
        return max(found, key=lambda s: s.date) if found else None
