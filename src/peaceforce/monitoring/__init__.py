"""Ceasefire monitoring: agreements as rules over geometry, intake, a store, adjudication.

The flow, one module per step::

    agreement.yaml ──load_agreement──► Agreement ──compile_zones(line, sites)──► CompiledZones
    CSV · GeoJSON · UCDP GED · CoT ──parse_incidents / read_incident_file──► Incident
    Incident ──import_reports──► IncidentStore (JsonLinesStore, MemoryStore)
    CompiledZones + incidents ──adjudicate──► Adjudication (findings, correlated events)
    ... + regions ──daily_report──► DailyReport (HTML: peaceforce.presentation.monitoring_report)

``workflow`` runs these steps from files, as the command line (and an API) does.

Example
-------
>>> from peaceforce.monitoring import builtin_agreements, load_agreement
>>> load_agreement(builtin_agreements()["ceasefire-2025"]).scope.kind
'full'
"""

from peaceforce.monitoring.adjudicate import (
    DEFAULT_CORRELATION,
    Adjudication,
    Breach,
    BreachTable,
    Correlation,
    Event,
    Finding,
    adjudicate,
    adjudicate_arrays,
    correlate,
)
from peaceforce.monitoring.agreement import (
    Agreement,
    AgreementCheck,
    Clause,
    ClauseBase,
    CompiledZones,
    DemilitarisedBuffer,
    Domain,
    HeavyWeaponWithdrawal,
    NoFireAcrossLine,
    NoNavalAttacks,
    Party,
    Period,
    ProtectedSites,
    Scope,
    Side,
    Site,
    TimeWindow,
    WindowOfSilence,
    Zone,
    ZoneKind,
    ZonesSummary,
    agreement_path,
    builtin_agreements,
    check_agreement,
    compile_zones,
    load_agreement,
    load_sites,
    parse_agreement,
)
from peaceforce.monitoring.arrays import IncidentArrays, distance_to_line_km
from peaceforce.monitoring.importer import FileIntake, ImportResult, import_reports, read_reports
from peaceforce.monitoring.incidents import (
    COALITION,
    DEFAULT_INCIDENT_LABEL,
    FIRE_TYPES,
    Incident,
    IncidentType,
    Observation,
    Source,
    WeaponClass,
    combined_observation,
    mgrs_to_lonlat,
)
from peaceforce.monitoring.intake import (
    INTAKE_SUFFIXES,
    UCDP_PARTIES,
    IntakeFormat,
    IntakeResult,
    parse_columns,
    parse_incidents,
    read_incident_file,
)
from peaceforce.monitoring.report import (
    OUTSIDE,
    Count,
    DailyReport,
    DayCount,
    SiteStrike,
    WeaponSighting,
    daily_report,
    region_of,
)
from peaceforce.monitoring.store import (
    AppendResult,
    IncidentQuery,
    IncidentStore,
    JsonLinesStore,
    MemoryStore,
    TornLineWarning,
)

__all__ = [
    "COALITION",
    "DEFAULT_CORRELATION",
    "DEFAULT_INCIDENT_LABEL",
    "FIRE_TYPES",
    "INTAKE_SUFFIXES",
    "OUTSIDE",
    "UCDP_PARTIES",
    "Adjudication",
    "Agreement",
    "AgreementCheck",
    "AppendResult",
    "Breach",
    "BreachTable",
    "Clause",
    "ClauseBase",
    "CompiledZones",
    "Correlation",
    "Count",
    "DailyReport",
    "DayCount",
    "DemilitarisedBuffer",
    "Domain",
    "Event",
    "FileIntake",
    "Finding",
    "HeavyWeaponWithdrawal",
    "ImportResult",
    "Incident",
    "IncidentArrays",
    "IncidentQuery",
    "IncidentStore",
    "IncidentType",
    "IntakeFormat",
    "IntakeResult",
    "JsonLinesStore",
    "MemoryStore",
    "NoFireAcrossLine",
    "NoNavalAttacks",
    "Observation",
    "Party",
    "Period",
    "ProtectedSites",
    "Scope",
    "Side",
    "Site",
    "SiteStrike",
    "Source",
    "TimeWindow",
    "TornLineWarning",
    "WeaponClass",
    "WeaponSighting",
    "WindowOfSilence",
    "Zone",
    "ZoneKind",
    "ZonesSummary",
    "adjudicate",
    "adjudicate_arrays",
    "agreement_path",
    "builtin_agreements",
    "check_agreement",
    "combined_observation",
    "compile_zones",
    "correlate",
    "daily_report",
    "distance_to_line_km",
    "import_reports",
    "load_agreement",
    "load_sites",
    "mgrs_to_lonlat",
    "parse_agreement",
    "parse_columns",
    "parse_incidents",
    "read_incident_file",
    "read_reports",
    "region_of",
]
