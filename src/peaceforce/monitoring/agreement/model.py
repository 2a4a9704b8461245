"""The agreement: who, when, what it covers, its clauses as rules, and who may read it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, Field, model_validator

from peaceforce.labels import Classification, Label
from peaceforce.monitoring.agreement.base import FROZEN, Party, Period, Scope, Side
from peaceforce.monitoring.agreement.clauses import Clause
from peaceforce.monitoring.incidents import COALITION


def default_agreement_label(party_ids: list[str]) -> Label:
    """UNCLASSIFIED, releasable to the coalition and to every party: they signed it."""
    return Label(
        classification=Classification.UNCLASSIFIED,
        releasable_to=frozenset({COALITION, *party_ids}),
    )


class Agreement(BaseModel):
    """A ceasefire agreement: who, when, what it covers, and its clauses as rules."""

    model_config = FROZEN

    id: str = Field(min_length=1)
    name: str
    label: Label = Field(
        description="who may read the agreement and what is computed from it; default "
        "UNCLASSIFIED, releasable to COALITION and the parties"
    )
    parties: tuple[Party, ...] = Field(min_length=2)
    period: Period
    scope: Scope
    clauses: tuple[Clause, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _default_label(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "label" in data:
            return data
        parties = data.get("parties")
        ids = []
        for party in parties if isinstance(parties, list | tuple) else ():
            raw = (
                party.id
                if isinstance(party, Party)
                else (party.get("id") if isinstance(party, Mapping) else None)
            )
            token = raw.strip().upper() if isinstance(raw, str) else ""
            # a malformed id is reported on the party; it cannot be a release token either
            if token and all(c.isascii() and (c.isalnum() or c == "_") for c in token):
                ids.append(token)
        return {**data, "label": default_agreement_label(ids)}

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        party_ids = [p.id for p in self.parties]
        if len(set(party_ids)) != len(party_ids):
            raise ValueError(f"party ids must be unique, got {party_ids}")
        if {p.holds for p in self.parties} != set(Side):
            raise ValueError("one party at least must hold each side of the line")
        clause_ids = [c.id for c in self.clauses]
        if len(set(clause_ids)) != len(clause_ids):
            raise ValueError(f"clause ids must be unique, got {clause_ids}")
        for clause in self.clauses:
            if not (self.scope.kind == "full" or clause.domains & self.scope.domains):
                raise ValueError(
                    f"clause {clause.id!r} ({clause.kind}) is outside a partial ceasefire over "
                    f"{sorted(self.scope.domains)}"
                )
        return self

    def party(self, party_id: str) -> Party | None:
        """The party with this id, if any."""
        return next((p for p in self.parties if p.id == party_id.upper()), None)
