"""A small hand-made scenario for optimiser tests whose optima can be checked by hand."""

from __future__ import annotations

from typing import Any

from peaceforce.scenario.model import Scenario

ASSUMPTION = {"kind": "assumption", "reason": "hand-made test scenario"}
WINDOW = {"start": "2025-01-01", "end": "2027-12-31"}


def pledge(
    pledge_id: str, nation: str, unit_type: str, count: int = 1, **extra: Any
) -> dict[str, Any]:
    """A pledge dict with sensible defaults (ready in 5 days, based near Kyiv)."""
    return {
        "id": pledge_id,
        "nation": nation,
        "unit_type": unit_type,
        "count": count,
        "readiness_days": extra.pop("readiness_days", 5),
        "home_base": {"lon": 30.5, "lat": 50.4},
        "available": WINDOW,
        **extra,
    }


def line(
    line_id: str,
    capability: str,
    quantity: int,
    area: str,
    *,
    priority: int = 1,
    day: int = 60,
    after: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A requirement line dict (``after``: lines it waits for)."""
    return {
        "after": list(after),
        "id": line_id,
        "capability": capability,
        "quantity": quantity,
        "area": area,
        "phase": "main",
        "latest_arrival_day": day,
        "priority": priority,
    }


def tiny_scenario(
    pledges: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    *,
    us_backstop: bool = False,
    duration_months: int = 12,
    stances: list[dict[str, Any]] | None = None,
) -> Scenario:
    """Four nations, four unit types, a north–south line of contact at 36°E and four areas.

    Areas: ``near`` touches the line; ``far`` is about 220 km west of it; ``pol``
    is in Poland; ``sea`` is in the Black Sea.
    """
    nation = {"gdp_usd_bn": 100.0, "population_m": 10.0, "figures_year": 2024}
    data: dict[str, Any] = {
        "id": "tiny",
        "name": "Tiny",
        "description": "hand-made",
        "d_day": "2025-09-01",
        "assumptions": {"us_backstop": us_backstop, "rotation_ratio": 3},
        "parties": [{"nation": "UKR", "source": ASSUMPTION}],
        "nations": [
            {"code": "GBR", "name": "UK", "memberships": ["NATO"], **nation, "gdp_usd_bn": 300.0},
            {"code": "FRA", "name": "France", "memberships": ["NATO", "EU"], **nation},
            {"code": "POL", "name": "Poland", "memberships": ["NATO", "EU"], **nation},
            {"code": "UKR", "name": "Ukraine", **nation},
        ],
        "stances": stances or [],
        "catalogue": [
            {
                "id": "inf",
                "name": "Infantry",
                "domain": "land",
                "personnel": 500,
                "vehicles": 50,
                "short_tons": 2000,
                "sidc": "10031000161211000000",
                "substitutes": ["armd"],
            },
            {
                "id": "armd",
                "name": "Armour",
                "domain": "land",
                "personnel": 400,
                "vehicles": 60,
                "short_tons": 6000,
                "sidc": "10031000161205000000",
            },
            {
                "id": "ad",
                "name": "Air defence",
                "domain": "air_defence",
                "personnel": 100,
                "vehicles": 20,
                "short_tons": 500,
                "sidc": "10031000151301000000",
                "air_defence": {
                    "radar_height_m": 4,
                    "radar_height_source": ASSUMPTION,
                    "radii": [
                        {"threat": t, "km": 40, "source": ASSUMPTION}
                        for t in ("aircraft", "cruise_missile", "drone")
                    ]
                    + [{"threat": "ballistic_missile", "km": 0, "source": ASSUMPTION}],
                },
            },
            {
                "id": "ship",
                "name": "Frigate",
                "domain": "maritime",
                "personnel": 200,
                "vehicles": 0,
                "short_tons": 0,
                "sidc": "10033000001202040000",
            },
        ],
        "pledges": pledges,
        "frameworks": [
            {
                "id": "coalition",
                "name": "Coalition",
                "members": ["GBR", "FRA", "POL", "UKR"],
                "decision_rule": "none",
                "requires_party_consent": False,
            },
            {
                "id": "nato",
                "name": "NATO",
                "members": ["NATO"],
                "decision_rule": "consensus",
                "requires_party_consent": False,
            },
        ],
        "missions": [
            {
                "id": "m",
                "name": "M",
                "description": "test mission",
                "duration_months": duration_months,
                "requirements": lines,
            },
        ],
        "areas": [
            {
                "id": "near",
                "name": "Near",
                "kind": "land",
                "host_nation": "UKR",
                "geometry_wkt": "POLYGON ((35.9 47.9, 36.2 47.9, 36.2 48.1, 35.9 48.1, 35.9 47.9))",
            },
            {
                "id": "far",
                "name": "Far",
                "kind": "land",
                "host_nation": "UKR",
                "geometry_wkt": "POINT (33 48)",
            },
            {
                "id": "pol",
                "name": "Poland",
                "kind": "land",
                "host_nation": "POL",
                "geometry_wkt": "POINT (22 50)",
            },
            {
                "id": "sea",
                "name": "Sea",
                "kind": "sea",
                "host_nation": None,
                "geometry_wkt": "POINT (31 44)",
            },
        ],
        "line_of_contact": {
            "geometry": {"type": "LineString", "coordinates": [[36, 46], [36, 50]]}
        },
    }
    return Scenario.model_validate(data)
