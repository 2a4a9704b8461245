"""Ports in the columns of the NGA World Port Index (Pub. 150, public domain).

A port is keyed by its UN/LOCODE (spaces removed: the index writes ``UA ODS``);
what sealift needs of it is the channel depth and whether it has Ro-Ro facilities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from peaceforce.errors import InputError, Problem
from peaceforce.sources.tables import read_table

PORT_COLUMNS = ("UN/LOCODE", "Channel Depth (m)", "Facilities - Ro-Ro")
#: The index's Ro-Ro answers; anything else ("Unknown", empty) says nothing.
_RORO = {"yes": True, "no": False}


def _depth(raw: str) -> float | None:
    """A depth in metres; ``None`` when the index does not know it (empty or 0)."""
    if not raw:
        return None
    depth = float(raw)
    if not math.isfinite(depth) or depth < 0:
        raise ValueError(raw)
    return depth or None


@dataclass(frozen=True)
class PortFacts:
    """What the World Port Index says of a port that matters for sealift."""

    channel_depth_m: float | None
    roro: bool | None


def port_facts(path: Path | str) -> dict[str, PortFacts]:
    """Channel depth and Ro-Ro facilities of every port in a World Port Index file, by UN/LOCODE."""
    table = read_table(path, "a World Port Index CSV")
    table.require(PORT_COLUMNS)
    facts: dict[str, PortFacts] = {}
    problems: list[Problem] = []
    for row in table.rows:
        code = row.get("UN/LOCODE").replace(" ", "")
        if not code:
            continue
        try:
            depth = _depth(row.get("Channel Depth (m)"))
        except ValueError:
            problems.append(table.problem(row, "Channel Depth (m)", "a depth in metres, or empty"))
            continue
        facts[code] = PortFacts(
            channel_depth_m=depth,
            roro=_RORO.get(row.get("Facilities - Ro-Ro").lower()),
        )
    if problems:
        raise InputError(problems)
    return facts
