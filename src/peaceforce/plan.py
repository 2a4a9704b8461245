"""The main job: run every stage of the flow on one scenario and collect the results.

Stages are added here as they land (sourcing, deployment, protection); each
takes typed inputs and returns a typed, serialisable result, so the whole plan
serialises to JSON and back.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from peaceforce.mandate.analysis import MandateReport, analyse_mandate
from peaceforce.scenario.model import Scenario


class PlanResult(BaseModel):
    """Everything ``peaceforce plan`` computes for a scenario."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario_id: str
    mandate: MandateReport


def run_plan(scenario: Scenario) -> PlanResult:
    """Run every stage on a validated scenario."""
    return PlanResult(scenario_id=scenario.id, mandate=analyse_mandate(scenario))
