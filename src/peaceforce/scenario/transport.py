"""The transport network of a scenario (``transport.yaml``): nodes, lift and speeds.

Nodes are where movement is throttled — airfields (aircraft landings a day,
which aircraft the runway takes), seaports (ship unloadings a day), rail
gateways at Ukraine's western borders (trains a day through the gauge change)
and staging areas (units a day through reception, staging and onward
movement). Lift pools are the aircraft, ships and trains that carry the force.
Fields are compatible with OurAirports runway files and the World Port Index.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from peaceforce.scenario.base import Frozen, Ident, Iso3, Source


class NodeKind(StrEnum):
    """What a node is, which decides what its daily capacity counts."""

    AIRFIELD = "airfield"  # aircraft landings a day
    SEAPORT = "seaport"  # ship unloadings a day
    RAIL_GATEWAY = "rail_gateway"  # trains a day across the border (gauge change)
    STAGING_AREA = "staging_area"  # units a day through reception and staging


class Mode(StrEnum):
    """How a movement travels."""

    AIR = "air"
    SEA = "sea"
    RAIL = "rail"
    ROAD = "road"


class Node(Frozen):
    """A point of embarkation, debarkation, border crossing or staging."""

    id: Ident
    name: str
    kind: NodeKind
    country: Iso3
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    daily_capacity: int = Field(gt=0, description="aircraft, ships, trains or units per day")
    icao: Annotated[str, Field(pattern=r"^[A-Z]{4}$")] | None = None
    runway_length_ft: int | None = Field(default=None, gt=0)
    unlocode: Annotated[str, Field(pattern=r"^[A-Z]{2} ?[A-Z0-9]{3}$")] | None = None
    channel_depth_m: float | None = Field(default=None, gt=0)
    roro: bool | None = None
    gauge_change: bool = False
    condition: Literal["maritime_ceasefire"] | None = Field(
        default=None, description="usable only if this condition holds"
    )
    source: Source


class LiftPool(Frozen):
    """Vehicles of one type that carry the force, owned by some nations or pooled."""

    id: Ident
    name: str
    mode: Mode
    count: int = Field(gt=0, description="aircraft, ships or train sets available")
    payload_short_tons: float = Field(gt=0)
    passengers: int = Field(ge=0)
    round_trip_days: int = Field(
        gt=0,
        description="days between two sorties of one aircraft or train set; a ship is held "
        "for its own voyage out and back, computed from the sea route",
    )
    min_runway_ft: int | None = Field(default=None, gt=0)
    nations: tuple[Iso3, ...] = Field(default=(), description="owners; empty = pooled for all")
    source: Source


class TransportNetwork(Frozen):
    """Nodes, lift pools and travel speeds of the theatre of deployment."""

    nodes: tuple[Node, ...] = Field(min_length=1)
    lift_pools: tuple[LiftPool, ...] = Field(min_length=1)
    sea_km_per_day: float = Field(default=600, gt=0, description="about 13.5 knots")
    air_km_per_day: float = Field(
        default=8000, gt=0, description="strategic airlift, including crew rest and staging"
    )
    rail_km_per_day: float = Field(default=500, gt=0)
    road_km_per_day: float = Field(default=300, gt=0)
    train_short_tons: float = Field(default=1000, gt=0, description="payload of one military train")
    relief_window_days: int = Field(
        default=14,
        ge=1,
        description="a relieving unit arrives within this many days before its relief day",
    )
    maritime_ceasefire_holds: bool = Field(
        default=False, description="whether Black Sea ports in Ukraine can be used"
    )

    def usable_nodes(self, kind: NodeKind) -> tuple[Node, ...]:
        """Nodes of a kind whose condition (if any) holds."""
        return tuple(
            n
            for n in self.nodes
            if n.kind is kind and (n.condition is None or self.maritime_ceasefire_holds)
        )
