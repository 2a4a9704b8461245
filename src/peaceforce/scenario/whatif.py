"""What-if settings: the switches an analyst changes on top of a scenario's files.

They are kept on the scenario they were applied to (``Scenario.what_if``), so a
result says which settings produced it and its run key differs from the plain run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from peaceforce.errors import InputError, Problem
from peaceforce.scenario.base import Frozen, Iso3

if TYPE_CHECKING:
    from peaceforce.scenario.model import Scenario

#: Settings that override a field of the scenario's assumptions of the same name.
_ASSUMPTION_SETTINGS = ("rotation_ratio", "us_backstop", "after_peace_agreement")


class WhatIf(Frozen):
    """Overrides of the scenario's assumptions and pledges; ``None`` or empty keeps the files'."""

    rotation_ratio: int | None = Field(
        default=None, ge=2, description="units held per unit deployed (3 = rule of thirds)"
    )
    us_backstop: bool | None = Field(default=None, description="whether the US backs the force")
    after_peace_agreement: bool | None = Field(
        default=None, description="access regimes as after a peace agreement (Straits reopen)"
    )
    joins: tuple[Iso3, ...] = Field(
        default=(),
        description="nations that join: their 'considering' stances become 'committed' and "
        "their conditional pledges firm",
    )
    withdraws: tuple[Iso3, ...] = Field(
        default=(), description="nations that withdraw every pledge"
    )

    def is_empty(self) -> bool:
        """Whether applying these settings changes nothing."""
        return all(value in (None, ()) for value in self.model_dump().values())


def _joined(scenario: Scenario, nations: tuple[str, ...]) -> dict[str, Any]:
    """Stances and pledges of a scenario in which these nations join."""
    from peaceforce.scenario.model import Commitment, Position  # model imports this module

    stances = tuple(
        s.model_copy(update={"position": Position.COMMITTED})
        if s.nation in nations and s.position is Position.CONSIDERING
        else s
        for s in scenario.stances
    )
    pledges = tuple(
        p.model_copy(update={"commitment": Commitment.FIRM, "condition": None})
        if p.nation in nations
        else p
        for p in scenario.pledges
    )
    return {"stances": stances, "pledges": pledges}


def _check_nations(scenario: Scenario, what_if: WhatIf) -> None:
    """Nations joining or withdrawing are nations of the scenario."""
    known = {n.code for n in scenario.nations}
    problems = [
        Problem(
            "what-if",
            setting,
            code,
            "a nation of the scenario (" + ", ".join(sorted(known)[:12]) + ", ...)",
        )
        for setting in ("joins", "withdraws")
        for code in getattr(what_if, setting)
        if code not in known
    ]
    if problems:
        raise InputError(problems)


def apply_what_if(scenario: Scenario, what_if: WhatIf) -> Scenario:
    """The scenario with the settings applied, re-validated.

    Settings combine with any applied before: a later value replaces an earlier
    one, and nations joining or withdrawing add to those named before.
    """
    if what_if.is_empty():
        return scenario
    _check_nations(scenario, what_if)
    before = scenario.what_if
    combined = before.model_copy(
        update={
            **what_if.model_dump(exclude_none=True, include=set(_ASSUMPTION_SETTINGS)),
            "joins": tuple(dict.fromkeys(before.joins + what_if.joins)),
            "withdraws": tuple(dict.fromkeys(before.withdraws + what_if.withdraws)),
        }
    )
    overrides = what_if.model_dump(exclude_none=True, include=set(_ASSUMPTION_SETTINGS))
    changes: dict[str, Any] = {
        "assumptions": scenario.assumptions.model_copy(update=overrides),
        "what_if": combined,
    }
    if what_if.joins:
        changes |= _joined(scenario, what_if.joins)
    if what_if.withdraws:
        pledges = changes.get("pledges", scenario.pledges)
        changes["pledges"] = tuple(p for p in pledges if p.nation not in what_if.withdraws)
        changes["withdrawn"] = scenario.withdrawn + tuple(
            p for p in pledges if p.nation in what_if.withdraws
        )
    return scenario.replace(**changes)
