"""Display names for the ids results carry, so tables and maps read `Kyiv`, not `kyiv`.

Results keep ids (JSON, CSV and the TPFDD stay loadable by tools); whatever a
person reads resolves them here: nations, areas, unit types, requirement lines,
missions, frameworks, pledges and the units moved for them, and (with
``protection.yaml``) candidate sites. An id the scenario does not know is shown
as it is, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from peaceforce.scenario.model import Scenario

if TYPE_CHECKING:
    from peaceforce.protection.data import ProtectionData


def short_name(name: str) -> str:
    """A catalogue name without its closing parenthesis: 'SAMP/T battery', not '... (Aster 30
    B1)'; one inside the name stays ('Armoured (tank) battalion').
    """
    return re.sub(r" \([^()]*\)$", "", name)


@dataclass(frozen=True)
class Names:
    """Id → display name, per kind of thing (built by :meth:`of` from a scenario)."""

    nations: Mapping[str, str] = field(default_factory=dict)
    areas: Mapping[str, str] = field(default_factory=dict)
    unit_types: Mapping[str, str] = field(default_factory=dict)
    missions: Mapping[str, str] = field(default_factory=dict)
    frameworks: Mapping[str, str] = field(default_factory=dict)
    #: pledge id → (nation code, unit type id)
    pledges: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: line id → (unit type id, area id), per mission id
    lines: Mapping[str, Mapping[str, tuple[str, str]]] = field(default_factory=dict)
    sites: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, scenario: Scenario, protection: ProtectionData | None = None) -> Names:
        """The names of everything a scenario (and its protection data) defines."""
        sites = {s.id: s.name for s in protection.candidate_sites} if protection is not None else {}
        return cls(
            nations={n.code: n.name for n in scenario.nations},
            areas={a.id: a.name for a in scenario.areas},
            unit_types={u.id: short_name(u.name) for u in scenario.catalogue},
            missions={m.id: m.name for m in scenario.missions},
            frameworks={f.id: f.name for f in scenario.frameworks},
            pledges={
                p.id: (p.nation, p.unit_type) for p in (*scenario.pledges, *scenario.withdrawn)
            },
            lines={
                m.id: {r.id: (r.capability, r.area) for r in m.requirements}
                for m in scenario.missions
            },
            sites=sites,
        )

    def nation(self, code: str) -> str:
        """'France' for FRA."""
        return self.nations.get(code, code)

    def area(self, area_id: str | None) -> str:
        """'Kyiv and approaches' for kyiv; '-' for none."""
        return "-" if area_id is None else self.areas.get(area_id, area_id)

    def unit_type(self, unit_type_id: str) -> str:
        """'SAMP/T battery' for samp_t_bty."""
        return self.unit_types.get(unit_type_id, unit_type_id)

    def mission(self, mission_id: str) -> str:
        """The mission option's name."""
        return self.missions.get(mission_id, mission_id)

    def framework(self, framework_id: str) -> str:
        """The framework's name."""
        return self.frameworks.get(framework_id, framework_id)

    def site(self, site_id: str) -> str:
        """A candidate air-defence site's name."""
        return self.sites.get(site_id, site_id)

    def pledge(self, pledge_id: str) -> str:
        """'France: Mechanised infantry battalion' for fra-inf."""
        if pledge_id not in self.pledges:
            return pledge_id
        nation, unit_type = self.pledges[pledge_id]
        return f"{self.nation(nation)}: {self.unit_type(unit_type)}"

    def line(self, mission_id: str, line_id: str) -> str:
        """'NASAMS battery at Kyiv and approaches' for a mission's line kyiv-mr."""
        found = self.lines.get(mission_id, {}).get(line_id)
        if found is None:
            return line_id
        unit_type, area = found
        return f"{self.unit_type(unit_type)} at {self.area(area)}"

    def unit(self, unit_key: str, mission_id: str | None = None) -> str:
        """'France: Mechanised infantry battalion 2' for the unit key 'fra-inf#2@kyiv-inf'
        (the second unit of pledge fra-inf, moved for line kyiv-inf); with the mission,
        the line's area follows (', Kyiv and approaches'): units are numbered per line,
        so one pledge serving two lines has a unit 1 on each.
        """
        pledge_id, _, rest = unit_key.partition("#")
        number, _, line_id = rest.partition("@")
        if pledge_id not in self.pledges:
            return unit_key
        name = f"{self.pledge(pledge_id)} {number}".rstrip()
        found = self.lines.get(mission_id or "", {}).get(line_id)
        return f"{name}, {self.area(found[1])}" if found else name


#: No names known: every id shown as it is (the default of whatever takes ``names``).
IDS = Names()
