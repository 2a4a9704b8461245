"""What-if settings: the switches an analyst changes on top of a scenario's files.

They are kept on the scenario they were applied to (``Scenario.what_if``), so a
result says which settings produced it and its run key differs from the plain run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from peaceforce.scenario.base import Frozen

if TYPE_CHECKING:
    from peaceforce.scenario.model import Scenario


class WhatIf(Frozen):
    """Overrides of the scenario's assumptions; ``None`` keeps the file's value."""

    rotation_ratio: int | None = Field(
        default=None, ge=2, description="units held per unit deployed (3 = rule of thirds)"
    )
    us_backstop: bool | None = Field(default=None, description="whether the US backs the force")

    def is_empty(self) -> bool:
        """Whether applying these settings changes nothing."""
        return all(value is None for value in self.model_dump().values())


def apply_what_if(scenario: Scenario, what_if: WhatIf) -> Scenario:
    """The scenario with the settings applied to its assumptions, re-validated.

    Settings combine with any applied before: a later value replaces an earlier one.
    """
    if what_if.is_empty():
        return scenario
    overrides = what_if.model_dump(exclude_none=True)
    combined = scenario.what_if.model_copy(update=overrides)
    return scenario.replace(
        assumptions=scenario.assumptions.model_copy(update=overrides), what_if=combined
    )
