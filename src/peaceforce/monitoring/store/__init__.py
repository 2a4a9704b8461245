"""Incident stores: the ``IncidentStore`` protocol and its backends.

``JsonLinesStore`` keeps reports in one append-only file, locked against
concurrent importers; ``MemoryStore`` keeps them for one run (checking files
without storing them). The server adds an SQL backend behind the same protocol.
"""

from peaceforce.monitoring.store.jsonl import JsonLinesStore, TornLineWarning
from peaceforce.monitoring.store.memory import MemoryStore
from peaceforce.monitoring.store.protocol import (
    AppendResult,
    IncidentQuery,
    IncidentStore,
    sort_batch,
)

__all__ = [
    "AppendResult",
    "IncidentQuery",
    "IncidentStore",
    "JsonLinesStore",
    "MemoryStore",
    "TornLineWarning",
    "sort_batch",
]
