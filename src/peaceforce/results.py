"""The one base of every stage result: immutable, strict, and serialisable to JSON and back."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Result(BaseModel):
    """Base of stage results (mandate, sourcing, deployment, ...): frozen, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")
