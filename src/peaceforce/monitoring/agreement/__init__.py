"""A ceasefire agreement as data: parties, period, scope, typed clauses, and its zones.

``agreement.yaml`` is what a joint military commission writes; ``load_agreement``
checks it and names the file, line and field of every fault at once
(``load``). Each clause kind (``clauses``) compiles its zones, tests a breach
and describes itself; ``compile_zones`` turns an agreement, a line of contact
and protected sites (``sites``) into geometry in ``METRIC_CRS``, once.
"""

from peaceforce.monitoring.agreement.base import (
    BreachContext,
    ClauseBase,
    ClauseBreaches,
    Domain,
    OwnZones,
    Party,
    Period,
    Scope,
    Side,
    TimeWindow,
)
from peaceforce.monitoring.agreement.clauses import (
    Clause,
    DemilitarisedBuffer,
    HeavyWeaponWithdrawal,
    NoFireAcrossLine,
    NoNavalAttacks,
    ProtectedSites,
    WindowOfSilence,
)
from peaceforce.monitoring.agreement.compile import (
    CompiledZones,
    ZoneRow,
    ZonesSummary,
    compile_zones,
)
from peaceforce.monitoring.agreement.load import (
    AgreementCheck,
    agreement_path,
    builtin_agreements,
    check_agreement,
    load_agreement,
    parse_agreement,
)
from peaceforce.monitoring.agreement.model import Agreement, default_agreement_label
from peaceforce.monitoring.agreement.sites import Site, load_sites
from peaceforce.monitoring.agreement.zones import Zone, ZoneKind

__all__ = [
    "Agreement",
    "AgreementCheck",
    "BreachContext",
    "Clause",
    "ClauseBase",
    "ClauseBreaches",
    "CompiledZones",
    "DemilitarisedBuffer",
    "Domain",
    "HeavyWeaponWithdrawal",
    "NoFireAcrossLine",
    "NoNavalAttacks",
    "OwnZones",
    "Party",
    "Period",
    "ProtectedSites",
    "Scope",
    "Side",
    "Site",
    "TimeWindow",
    "WindowOfSilence",
    "Zone",
    "ZoneKind",
    "ZoneRow",
    "ZonesSummary",
    "agreement_path",
    "builtin_agreements",
    "check_agreement",
    "compile_zones",
    "default_agreement_label",
    "load_agreement",
    "load_sites",
    "parse_agreement",
]
