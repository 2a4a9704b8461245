"""Confidentiality labels on records and the one rule that decides who may read them.

Modelled on NATO STANAG 4774 confidentiality labels: a *policy* (whose rules
apply), a *classification* (ordered), a permissive set of *releasable_to*
tokens (ISO 3166 alpha-3 nations and communities such as ``COALITION``; a
reader needs at least one of them) and a restrictive set of *caveats* (a reader
needs every one). An empty ``releasable_to`` releases to nobody.

>>> label = Label(classification=Classification.RESTRICTED, releasable_to={"GBR", "FRA"})
>>> may_read(Clearance(classification=Classification.SECRET, releasable={"FRA"}), label)
True
>>> may_read(Clearance(classification=Classification.SECRET, releasable={"DEU"}), label)
False
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

DEFAULT_POLICY = "PEACEFORCE"
_TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@functools.total_ordering
class Classification(enum.Enum):
    """Protective marking, ordered UNCLASSIFIED < RESTRICTED < CONFIDENTIAL < SECRET."""

    UNCLASSIFIED = "UNCLASSIFIED"
    RESTRICTED = "RESTRICTED"
    CONFIDENTIAL = "CONFIDENTIAL"
    SECRET = "SECRET"

    @property
    def rank(self) -> int:
        """Position in the order (UNCLASSIFIED is 0)."""
        return _RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Classification):
            return NotImplemented
        return self.rank < other.rank


_RANK = {level: rank for rank, level in enumerate(Classification)}


def _check_tokens(tokens: frozenset[str]) -> frozenset[str]:
    """Tokens are upper-case words (GBR, COALITION, NATO_SECRET): no spaces, no markup."""
    for token in tokens:
        if not token or not all(
            c.isascii() and (c.isupper() or c.isdigit() or c == "_") for c in token
        ):
            raise ValueError("upper-case tokens (A-Z, 0-9, _) such as GBR or COALITION")
    return tokens


#: A set of upper-case tokens, written to JSON as a sorted list so equal sets serialise equally.
TokenSet = Annotated[
    frozenset[str],
    AfterValidator(_check_tokens),
    PlainSerializer(sorted, return_type=list[str]),
]


class Label(BaseModel):
    """Who may read a record: attached to every incident, agreement, scenario and result."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    policy: str = Field(default=DEFAULT_POLICY, pattern=r"^[A-Z][A-Z0-9_]*$")
    classification: Classification
    releasable_to: TokenSet = Field(description="a reader needs at least one; empty: nobody")
    caveats: TokenSet = Field(default=frozenset(), description="a reader needs all of them")
    originator: str | None = Field(default=None, description="nation or cell that wrote it")
    created: date | None = None
    review: date | None = Field(default=None, description="date to review the marking")

    def __str__(self) -> str:
        """The marking as a banner line: ``RESTRICTED REL FRA, GBR CAVEATS X``."""
        parts = [self.classification.value]
        parts.append(
            "REL " + ", ".join(sorted(self.releasable_to)) if self.releasable_to else "REL NONE"
        )
        if self.caveats:
            parts.append("CAVEATS " + ", ".join(sorted(self.caveats)))
        return " ".join(parts)


class Clearance(BaseModel):
    """What a reader holds: a level, their release tokens, the caveats they are briefed on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    policies: TokenSet = Field(default=frozenset({DEFAULT_POLICY}))
    classification: Classification
    releasable: TokenSet = Field(
        description="the reader's nation and communities, e.g. GBR, COALITION"
    )
    caveats: TokenSet = frozenset()


def may_read(clearance: Clearance, label: Label) -> bool:
    """Whether a reader with ``clearance`` may see a record labelled ``label``."""
    return (
        label.policy in clearance.policies
        and clearance.classification >= label.classification
        and not label.releasable_to.isdisjoint(clearance.releasable)
        and label.caveats <= clearance.caveats
    )


def combine_labels(labels: Iterable[Label]) -> Label:
    """The label of a result derived from several records.

    Highest classification, intersection of ``releasable_to``, union of caveats;
    the originator is kept when all agree, the review date is the earliest.

    Raises
    ------
    ValueError
        When no labels are given or they come from different policies (no rule says
        how to combine those).
    """
    given = list(labels)
    if not given:
        raise ValueError("combine_labels needs at least one label")
    policies = {label.policy for label in given}
    if len(policies) > 1:
        raise ValueError(f"cannot combine labels of different policies: {sorted(policies)}")
    originators = {label.originator for label in given}
    reviews = [label.review for label in given if label.review is not None]
    created = [label.created for label in given if label.created is not None]
    return Label(
        policy=given[0].policy,
        classification=max(label.classification for label in given),
        releasable_to=frozenset.intersection(*(label.releasable_to for label in given)),
        caveats=frozenset().union(*(label.caveats for label in given)),
        originator=originators.pop() if len(originators) == 1 else None,
        created=max(created) if created else None,
        review=min(reviews) if reviews else None,
    )
