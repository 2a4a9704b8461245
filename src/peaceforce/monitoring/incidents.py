"""Incidents: what a monitor, a drone, a sensor or a party reports.

An incident is a single report. Several reports of the same event are kept
apart here and correlated at adjudication, so that no report is ever lost and
each keeps its own source, confidence and evidence. Each carries the label that
decides who may read it: given by the report itself where its format can say,
else by whoever imports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Self

import mgrs
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from peaceforce.labels import Classification, Label


class IncidentType(StrEnum):
    """What happened."""

    EXPLOSION = "explosion"
    ARTILLERY = "artillery"
    MLRS = "mlrs"
    AIR_STRIKE = "air_strike"
    MISSILE = "missile"
    DRONE = "drone"
    SMALL_ARMS = "small_arms"
    WEAPONS_SIGHTING = "weapons_sighting"
    NAVAL = "naval"
    FREEDOM_OF_MOVEMENT = "freedom_of_movement"
    CIVILIAN_HARM = "civilian_harm"


#: Incident types that are fire: a shot, an impact, a strike.
FIRE_TYPES = frozenset(
    {
        IncidentType.EXPLOSION,
        IncidentType.ARTILLERY,
        IncidentType.MLRS,
        IncidentType.AIR_STRIKE,
        IncidentType.MISSILE,
        IncidentType.DRONE,
        IncidentType.SMALL_ARMS,
        IncidentType.NAVAL,
    }
)


class Source(StrEnum):
    """Who or what reported it."""

    PATROL = "patrol"
    UAV = "uav"
    FIXED_SENSOR = "fixed_sensor"
    OSINT = "osint"
    PARTY_COMPLAINT = "party_complaint"


class Observation(StrEnum):
    """How the report knows of the event, as monitoring missions' daily reports say it.

    ``seen``, ``heard`` and ``seen_and_heard`` are the monitors' own perception;
    ``recorded`` is a camera's or another sensor's record; ``reported`` is what
    others (a party, the media) said. A report that does not say has none: it
    is never guessed from the source.
    """

    SEEN = "seen"
    HEARD = "heard"
    SEEN_AND_HEARD = "seen_and_heard"
    RECORDED = "recorded"
    REPORTED = "reported"

    @property
    def words(self) -> str:
        """As a daily report's list says it, e.g. "seen and heard"."""
        return _OBSERVATION_WORDS.get(self, self.value)


_OBSERVATION_WORDS = {
    Observation.SEEN_AND_HEARD: "seen and heard",
    Observation.RECORDED: "recorded by a sensor",
    Observation.REPORTED: "reported by others",
}
#: What a list says of a report or event whose observation no report states.
NOT_STATED = "not stated"


def combined_observation(observations: Iterable[Observation | None]) -> Observation | None:
    """How several reports of one event know of it, together.

    The monitors' perception is the union of theirs: seen by one and heard by
    another is ``seen_and_heard``. Any perception outranks a sensor's record,
    which outranks what others reported; reports that do not say are left out,
    and if none says, neither does the event.
    """
    given = {o for o in observations if o is not None}
    seen = bool(given & {Observation.SEEN, Observation.SEEN_AND_HEARD})
    heard = bool(given & {Observation.HEARD, Observation.SEEN_AND_HEARD})
    if seen and heard:
        return Observation.SEEN_AND_HEARD
    if seen or heard:
        return Observation.SEEN if seen else Observation.HEARD
    for fallback in (Observation.RECORDED, Observation.REPORTED):
        if fallback in given:
            return fallback
    return None


class WeaponClass(StrEnum):
    """Weapon classes named by withdrawal agreements (Minsk-II and its 2015 addendum)."""

    TANK = "tank"
    MORTAR = "mortar"  # up to 120 mm
    ARTILLERY_UNDER_100MM = "artillery_under_100mm"
    ARTILLERY_100MM_PLUS = "artillery_100mm_plus"
    MLRS = "mlrs"  # e.g. BM-21 Grad
    HEAVY_MLRS = "heavy_mlrs"  # Tornado-S, Uragan, Smerch
    TACTICAL_MISSILE = "tactical_missile"  # Tochka, Tochka-U


#: The community of every nation in the coalition: who reads monitoring records by default.
COALITION = "COALITION"
#: The label of a report when neither it nor its importer gives one.
DEFAULT_INCIDENT_LABEL = Label(
    classification=Classification.UNCLASSIFIED, releasable_to=frozenset({COALITION})
)

#: The times a report or an agreement may state, UTC: from the start of 1900 to the end
#: of 2100. Anything outside is a typo or an attack (9999-12-31T23:59:59-05:00 does not
#: even fit a datetime once converted to UTC).
TIME_WINDOW = (datetime(1900, 1, 1, tzinfo=UTC), datetime(2101, 1, 1, tzinfo=UTC))
#: The most weapons one sighting may count, and the most deaths one report may give: more is
#: a typo (the largest event in UCDP's Ukraine data, the siege of Mariupol, counts 5,294).
MAX_COUNT = 100_000

_MGRS = mgrs.MGRS()


def to_utc(moment: datetime) -> datetime:
    """``moment`` in UTC (a naive time is taken as UTC); ``ValueError`` outside ``TIME_WINDOW``."""
    earliest, end = TIME_WINDOW
    try:
        utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:  # beyond year 1 or 9999 once the offset is applied
        utc = None
    if utc is None or not earliest <= utc < end:
        last = end - timedelta(seconds=1)
        raise ValueError(f"a time from {earliest:%Y-%m-%d} to {last:%Y-%m-%d %H:%M:%S} UTC")
    return utc


def _midnight(value: Any) -> Any:
    """A bare date (as YAML gives one) stands for its midnight, UTC."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(), tzinfo=UTC)
    return value


#: A moment in UTC within ``TIME_WINDOW``: naive times are taken as UTC, a date as its midnight.
UtcTime = Annotated[datetime, BeforeValidator(_midnight), AfterValidator(to_utc)]


def mgrs_to_lonlat(reference: str) -> tuple[float, float]:
    """Convert an MGRS grid reference to (lon, lat); ``ValueError`` if it is not one."""
    try:
        lat, lon = _MGRS.toLatLon(reference.replace(" ", "").upper())
    except Exception as exc:  # the C extension raises bare Exception subclasses
        raise ValueError(f"a valid MGRS grid reference, got {reference!r} ({exc})") from None
    return float(lon), float(lat)


class Incident(BaseModel):
    """One report of an incident; ``id`` is stable and makes intake idempotent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    time: UtcTime = Field(
        description="when it happened, within TIME_WINDOW; naive times are taken as UTC"
    )
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    mgrs: str | None = Field(default=None, description="grid reference as reported, if any")
    type: IncidentType
    source: Source
    confidence: float = Field(default=0.5, ge=0, le=1, allow_inf_nan=False)
    observation: Observation | None = Field(
        default=None, description="seen, heard, both, recorded by a sensor, or reported by others"
    )
    weapon_class: WeaponClass | None = None
    weapon_count: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    attributed_to: str | None = Field(default=None, description="party id, if attributed")
    attribution_confidence: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    evidence: tuple[str, ...] = ()
    description: str = ""
    deaths: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    label: Label = Field(description="who may read this report")

    @model_validator(mode="before")
    @classmethod
    def _place_from_mgrs(cls, data: Any) -> Any:
        """Accept a grid reference in place of lon/lat, as patrols report them."""
        if (
            isinstance(data, dict)
            and data.get("mgrs")
            and (data.get("lon") is None or data.get("lat") is None)
        ):
            lon, lat = mgrs_to_lonlat(str(data["mgrs"]))
            return {**data, "lon": lon, "lat": lat}
        return data

    @field_validator("observation", mode="before")
    @classmethod
    def _observation_words(cls, value: Any) -> Any:
        """Feeds write "Seen and heard" or "seen-and-heard" as often as "seen_and_heard"."""
        if isinstance(value, str):
            words = value.strip().lower().replace("-", " ").split()
            return "_".join(words) or None
        return value

    @field_validator("attributed_to")
    @classmethod
    def _party(cls, value: str | None) -> str | None:
        return value.strip().upper() or None if value is not None else None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.type is IncidentType.WEAPONS_SIGHTING and self.weapon_class is None:
            raise ValueError("a weapons_sighting needs a weapon_class")
        if self.type is not IncidentType.WEAPONS_SIGHTING and self.weapon_count is not None:
            raise ValueError("weapon_count is only for a weapons_sighting")
        if self.attributed_to is None and self.attribution_confidence is not None:
            raise ValueError("attribution_confidence given without attributed_to")
        return self
