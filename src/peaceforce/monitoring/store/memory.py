"""An incident store in memory: for checking files without keeping them, and for one run."""

from __future__ import annotations

from collections.abc import Sequence

from peaceforce.monitoring.incidents import Incident
from peaceforce.monitoring.store.protocol import AppendResult, IncidentQuery, sort_batch


class MemoryStore:
    """``IncidentStore`` held in this process only; gone when it ends."""

    def __init__(self, location: str = "<memory>") -> None:
        self._location = location
        self._by_id: dict[str, Incident] = {}

    @property
    def location(self) -> str:
        """A name for messages; nothing is written anywhere."""
        return self._location

    def append(self, incidents: Sequence[Incident]) -> AppendResult:
        """Add a batch idempotently by id."""
        new, result = sort_batch(incidents, self._by_id.get)
        self._by_id.update((incident.id, incident) for incident in new)
        return result

    def get(self, incident_id: str) -> Incident | None:
        """The report with this id, if held."""
        return self._by_id.get(incident_id)

    def query(self, query: IncidentQuery | None = None) -> tuple[Incident, ...]:
        """The reports that match, in the order accepted."""
        held = tuple(self._by_id.values())
        return held if query is None else query.select(held)

    def count(self, query: IncidentQuery | None = None) -> int:
        """How many reports match."""
        return len(self._by_id) if query is None else len(self.query(query))
