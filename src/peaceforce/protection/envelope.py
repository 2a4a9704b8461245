"""Defended radius of an air-defence system against each threat class.

The catalogue gives each system a radius per class from public sources
(:class:`~peaceforce.scenario.model.AirDefenceEnvelope`). Against a low flyer
the radar sees no farther than its horizon, so the radius used is the smaller of
the catalogue's and the radar horizon between the system's antenna and the
threat's altitude (``protection.yaml``, ``air_threats.altitudes``). Ballistic
missiles fall steeply from high up and aircraft fly high enough that the horizon
does not bind: classes without an altitude keep the catalogue's radius.

The horizon uses the standard 4/3 effective Earth radius for radio refraction
(Federal Standard 1037C, "radar line-of-sight equation")::

    d [km] ≈ sqrt(2 · 4/3 · 6371 km · h_radar) + sqrt(2 · 4/3 · 6371 km · h_target)
           ≈ 4.12 · (sqrt(h_radar [m]) + sqrt(h_target [m]))
"""

from __future__ import annotations

import math

from peaceforce.protection.data import AirThreats
from peaceforce.protection.result import ThreatRadius
from peaceforce.scenario.model import AirDefenceEnvelope, AirThreat

#: km per sqrt(metre) of the radar horizon with a 4/3 effective Earth radius (6371 km).
HORIZON_KM_PER_SQRT_M = math.sqrt(2.0 * 4.0 / 3.0 * 6371.0 / 1000.0)


def radar_horizon_km(radar_height_m: float, target_altitude_m: float) -> float:
    """Farthest ground distance at which a radar at this height sees a target at that altitude.

    >>> round(radar_horizon_km(4.0, 50.0), 1)
    37.4
    """
    return HORIZON_KM_PER_SQRT_M * (math.sqrt(radar_height_m) + math.sqrt(target_altitude_m))


def defended_radii(envelope: AirDefenceEnvelope, threats: AirThreats) -> tuple[ThreatRadius, ...]:
    """The radius used against every class: the catalogue's, cut to the horizon for low flyers."""
    radii = []
    for radius in envelope.radii:
        altitude = threats.altitude_m(radius.threat)
        horizon = None if altitude is None else radar_horizon_km(envelope.radar_height_m, altitude)
        km = radius.km if horizon is None else min(radius.km, horizon)
        radii.append(
            ThreatRadius(
                threat=radius.threat,
                km=round(km, 1),
                catalogue_km=radius.km,
                horizon_km=None if horizon is None else round(horizon, 1),
                estimate=radius.estimate,
            )
        )
    order = list(AirThreat)
    return tuple(sorted(radii, key=lambda r: order.index(r.threat)))
