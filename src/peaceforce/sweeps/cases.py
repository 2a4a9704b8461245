"""One case: its inputs → the what-if scenario → sourcing (and deployment, protection) → outcomes.

The scenario is read and validated once per process (:func:`context_for`); a
case only applies its settings to it (:func:`settings_of`, :func:`case_scenario`),
which costs a fraction of a millisecond. Cases whose settings make the same
scenario, mission and framework are the same sub-problem (:func:`subproblem_of`):
it is solved once and its outcomes serve every such case.

A solve that fails is an outcome, never a lost case: the status says
``error`` and the message is kept.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peaceforce.errors import InputError, PeaceforceError, Problem
from peaceforce.results import RUN_KEY_LENGTH, code_version
from peaceforce.scenario.base import Assumption
from peaceforce.scenario.loader import builtin_scenario_dir, load_scenario
from peaceforce.scenario.model import MaxTourLength, PersonnelCeiling, Pledge, Scenario
from peaceforce.scenario.whatif import WhatIf, apply_what_if
from peaceforce.sweeps.design import Inputs
from peaceforce.sweeps.spec import (
    DEPLOYMENT_OUTCOMES,
    PROTECTION_OUTCOMES,
    BooleanInput,
    CategoricalInput,
    IntegerInput,
    Outcome,
    SetInput,
    Stage,
    SweepSpec,
    Target,
)

if TYPE_CHECKING:
    from peaceforce.protection.data import ProtectionData
    from peaceforce.sources.cities import City

#: Status of a case whose solve raised an error (its message is kept beside it).
ERROR_STATUS = "error"


@dataclass(frozen=True)
class SweepContext:
    """What every case of a sweep shares, read once per process."""

    spec: SweepSpec
    scenario: Scenario
    #: The scenario with each (tours, ceilings) combination's caveats, made once each.
    edited: dict[tuple[Any, ...], Scenario] = field(default_factory=dict, compare=False)
    #: Addresses of the pledges and stances of those scenarios, which this context keeps alive.
    kept: set[int] = field(default_factory=set, compare=False)

    def keep(self, scenario: Scenario) -> Scenario:
        """Note a scenario's pledges and stances as shared items (see :func:`subproblem_of`)."""
        self.kept.update(id(item) for item in (*scenario.pledges, *scenario.stances))
        return scenario

    @property
    def scenario_version(self) -> str:
        """The scenario's run key: its content and the code version."""
        return self.scenario.run_key

    @property
    def folder(self) -> Path:
        """The scenario's folder."""
        return self.spec.scenario or builtin_scenario_dir()

    @cached_property
    def protection(self) -> tuple[ProtectionData, tuple[City, ...]]:
        """The scenario's protection data and the cities to defend, read on first use."""
        from peaceforce.protection.data import load_protection_data
        from peaceforce.sources.cities import ukrainian_cities

        data = load_protection_data(self.scenario, self.folder)
        if data is None:
            raise InputError(
                [
                    Problem(
                        str(self.folder),
                        "protection.yaml",
                        "(missing file)",
                        "protection data, for the air-defence coverage outcome",
                    )
                ]
            )
        return data, tuple(ukrainian_cities())


@lru_cache(maxsize=4)
def _context(spec_json: str) -> SweepContext:
    spec = SweepSpec.model_validate_json(spec_json)
    scenario = load_scenario(spec.scenario or builtin_scenario_dir())
    check_spec(spec, scenario)
    context = SweepContext(spec, scenario)
    context.keep(scenario)
    return context


def context_for(spec: SweepSpec) -> SweepContext:
    """The spec's context: its scenario loaded and checked once per process."""
    return _context(spec.model_dump_json())


def forget_process_state() -> None:
    """Drop what this process keeps between sweeps (scenarios read, proven solver runs):
    the next sweep here runs as in a new process (benchmarks time such cold runs)."""
    from peaceforce.solvers.proven import forget_all

    _context.cache_clear()
    forget_all()


def check_spec(spec: SweepSpec, scenario: Scenario) -> None:
    """Every id and nation the spec names exists in the scenario."""
    missions = {m.id for m in scenario.missions}
    frameworks = {f.id for f in scenario.frameworks}
    nations = {n.code for n in scenario.nations}
    problems: list[Problem] = []

    def check(field: str, value: str, known: set[str], what: str) -> None:
        if value not in known:
            shown = ", ".join(sorted(known)[:15])
            problems.append(Problem(spec.name, field, repr(value), f"{what} ({shown})"))

    if spec.mission is not None:
        check("mission", spec.mission, missions, "a mission option of the scenario")
    if spec.framework is not None:
        check("framework", spec.framework, frameworks, "a framework of the scenario")
    for index, item in enumerate(spec.inputs):
        where = f"inputs[{index}]"
        if item.kind == "categorical":
            known = missions if item.target is Target.MISSION else frameworks
            for value in item.values:
                check(f"{where}.values", value, known, f"a {item.target.value} of the scenario")
        for nation in item.named_nations():
            check(f"{where}.nation", nation, nations, "a nation of the scenario")
    if problems:
        raise InputError(problems)


@dataclass(frozen=True)
class CaseSettings:
    """What a case changes: the what-if, the mission and framework, ceilings, tours, IOC share."""

    mission: str
    framework: str
    what_if: WhatIf
    ceilings: tuple[tuple[str, int], ...]
    tours: tuple[tuple[str | None, int], ...]
    ioc_share: float | None


def settings_of(spec: SweepSpec, inputs: Inputs) -> CaseSettings:
    """Turn a case's inputs into settings (joins and withdrawals of several inputs combine)."""
    mission, framework = spec.mission, spec.framework
    what_if: dict[str, Any] = {}
    joins: list[str] = []
    withdraws: list[str] = []
    ceilings: list[tuple[str, int]] = []
    tours: list[tuple[str | None, int]] = []
    ioc_share: float | None = None
    for item in spec.inputs:
        value = inputs[item.name]
        if isinstance(item, CategoricalInput):
            if item.target is Target.MISSION:
                mission = str(value)
            else:
                framework = str(value)
        elif isinstance(item, BooleanInput):
            if item.nation is None:
                what_if[item.target.value] = bool(value)
            elif value:
                (joins if item.target is Target.JOINS else withdraws).append(item.nation)
        elif isinstance(item, SetInput):
            assert isinstance(value, tuple)
            (joins if item.target is Target.JOINS else withdraws).extend(value)
        elif isinstance(item, IntegerInput):
            assert isinstance(value, int)
            if item.target is Target.ROTATION_RATIO:
                what_if["rotation_ratio"] = value
            elif item.target is Target.CEILING:
                assert item.nation is not None  # the spec's validator ensures it
                ceilings.append((item.nation, value))
            else:
                tours.append((item.nation, value))
        else:
            assert isinstance(value, float)
            ioc_share = value
    assert mission is not None and framework is not None  # the spec's validator ensures it
    return CaseSettings(
        mission=mission,
        framework=framework,
        what_if=WhatIf(
            **what_if, joins=tuple(dict.fromkeys(joins)), withdraws=tuple(dict.fromkeys(withdraws))
        ),
        ceilings=tuple(ceilings),
        tours=tuple(tours),
        ioc_share=ioc_share,
    )


def _sweep_source(spec: SweepSpec) -> Assumption:
    return Assumption(reason=f"set by the sweep {spec.name} (an uncertain input)")


def _with_caveat(pledge: Pledge, caveat: MaxTourLength | PersonnelCeiling) -> Pledge:
    kept = tuple(c for c in pledge.caveats if not isinstance(c, type(caveat)))
    return pledge.model_copy(update={"caveats": (*kept, caveat)})


def case_scenario(context: SweepContext, settings: CaseSettings) -> Scenario:
    """The scenario a case runs on: ceilings and tour lengths, then the what-if applied.

    A ceiling replaces the nation's personnel-ceiling caveats; a tour length
    replaces the maximum-tour caveat of the nation's pledges (of every pledge
    when the input names no nation). The what-if only changes stances,
    commitments and which pledges stay, never caveats, so the order does not
    matter, and each combination of caveats is made once per process.
    """
    combination = (settings.tours, settings.ceilings)
    base = context.edited.get(combination)
    if base is None:
        base = context.edited[combination] = context.keep(_with_caveats(context, settings))
    return apply_what_if(base, settings.what_if)


def _with_caveats(context: SweepContext, settings: CaseSettings) -> Scenario:
    scenario = context.scenario
    if not settings.ceilings and not settings.tours:
        return scenario
    source = _sweep_source(context.spec)
    pledges = list(scenario.pledges)
    for nation, months in settings.tours:
        tour = MaxTourLength(months=months, source=source)
        pledges = [
            _with_caveat(p, tour) if nation is None or p.nation == nation else p for p in pledges
        ]
    for nation, personnel in settings.ceilings:
        ceiling = PersonnelCeiling(personnel=personnel, source=source)
        pledges = [_with_caveat(p, ceiling) if p.nation == nation else p for p in pledges]
    return scenario.replace(pledges=tuple(pledges))


#: Assumptions no sweep outcome reads: the rotation ratio only sizes each nation's
#: rule-of-thirds commitment, which no outcome measures (tests/test_sweeps.py holds it).
_UNREAD_ASSUMPTIONS = frozenset({"rotation_ratio"})


@dataclass(frozen=True)
class _Same:
    """An item that is the very object of a scenario the context keeps: compared by address."""

    address: int


def _items(context: SweepContext, items: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(_Same(id(item)) if id(item) in context.kept else item for item in items)


def subproblem_of(context: SweepContext, scenario: Scenario, settings: CaseSettings) -> Hashable:
    """What decides a case's outcomes: equal values give equal outcomes, so solve once.

    The what-if settings themselves are left out: two settings that make the same
    assumptions, stances and pledges (Turkey "joins" where it was committed
    already, say) make the same sub-problem, as do two that differ only in an
    assumption no outcome reads. Compared by value, not by a hash; an item the
    what-if left untouched is the very object of the context's scenario and is
    compared by its address, which is cheaper and never merges what differs.
    """
    deploys = Stage.DEPLOYMENT in context.spec.stages
    assumptions = tuple(
        (name, value) for name, value in scenario.assumptions if name not in _UNREAD_ASSUMPTIONS
    )
    return (
        settings.mission,
        settings.framework,
        settings.ioc_share if deploys else None,
        assumptions,
        _items(context, scenario.pledges),
        _items(context, scenario.stances),
    )


def case_keys(cases: Sequence[Inputs], scenario_version: str, spec: SweepSpec) -> list[str]:
    """The content address of each case: a hash of its inputs, the scenario version (content
    and code), the inputs' targets, the stages it runs and its time limit."""
    fixed = json.dumps(
        {
            "scenario": scenario_version,
            "code": code_version(),
            "stages": [s.value for s in spec.stages],
            "time_limit_s": spec.time_limit_s,
            "mission": spec.mission,
            "framework": spec.framework,
            "targets": [item.model_dump(mode="json", exclude={"label"}) for item in spec.inputs],
        },
        sort_keys=True,
    )
    return [
        hashlib.sha256(f"{fixed}|{inputs_json(case)}".encode()).hexdigest()[:RUN_KEY_LENGTH]
        for case in cases
    ]


def evaluate(context: SweepContext, scenario: Scenario, settings: CaseSettings) -> dict[str, Any]:
    """Run a case's stages and measure its outcomes; an error becomes the case's status."""
    from peaceforce.mandate.analysis import analyse_mandate
    from peaceforce.sourcing.engine import source_mission

    spec = context.spec
    started = time.perf_counter()
    row: dict[str, Any] = {o.value: None for o in Outcome}
    try:
        mandate = analyse_mandate(scenario)
        sourced = source_mission(
            scenario,
            settings.mission,
            settings.framework,
            mandate=mandate,
            explain=False,
            time_limit_s=spec.time_limit_s,
        )
        row |= _sourcing_outcomes(sourced)
        status = sourced.status.value
        if sourced.status.has_solution and set(spec.outcomes) & DEPLOYMENT_OUTCOMES:
            row |= _deployment_outcomes(scenario, sourced, settings, spec)
        if sourced.status.has_solution and set(spec.outcomes) & PROTECTION_OUTCOMES:
            row |= _protection_outcomes(context, scenario, sourced, mandate, spec)
        error = None
    except PeaceforceError as exc:
        status, error = ERROR_STATUS, str(exc)
    except Exception as exc:  # a solver's own failure is this case's outcome, not the sweep's end
        status, error = ERROR_STATUS, f"{type(exc).__name__}: {exc}"
    row |= {"status": status, "error": error}
    row["solve_seconds"] = round(time.perf_counter() - started, 4)
    return row


def _sourcing_outcomes(sourced: Any) -> dict[str, Any]:
    if not sourced.status.has_solution:
        return {}
    fills = sourced.fills()
    firm = sourced.firm_only
    gaps = sorted(
        sourced.gaps(), key=lambda line: (-line.shortfall * line.unit_personnel, line.line_id)
    )
    worst = gaps[0] if gaps else None
    return {
        Outcome.FIRST_TOUR_FILL.value: fills.first_tour,
        Outcome.SUSTAINED_FILL.value: fills.sustained,
        Outcome.FIRM_FIRST_TOUR_FILL.value: None if firm is None else firm.first_tour,
        Outcome.FIRM_SUSTAINED_FILL.value: None if firm is None else firm.sustained,
        Outcome.MISSING_PERSONNEL.value: sourced.missing_personnel,
        Outcome.WORST_GAP.value: None if worst is None else worst.line_id,
        Outcome.WORST_GAP_PERSONNEL.value: (
            0 if worst is None else worst.shortfall * worst.unit_personnel
        ),
    }


def _deployment_outcomes(
    scenario: Scenario, sourced: Any, settings: CaseSettings, spec: SweepSpec
) -> dict[str, Any]:
    from peaceforce.deployment.planner import deploy_mission

    deployed = deploy_mission(
        scenario,
        sourced,
        ioc_share=settings.ioc_share,
        time_limit_s=spec.time_limit_s,
        threads=1,
        bottlenecks=False,
    )
    return {Outcome.IOC_DAY.value: deployed.ioc_day, Outcome.FOC_DAY.value: deployed.foc_day}


def _protection_outcomes(
    context: SweepContext, scenario: Scenario, sourced: Any, mandate: Any, spec: SweepSpec
) -> dict[str, Any]:
    from peaceforce.protection.stage import protect_mission

    data, cities = context.protection
    result = protect_mission(
        scenario,
        sourced,
        data=data,
        cities=cities,
        mandate=mandate,
        time_limit_s=spec.time_limit_s,
        withdrawals=False,
    )
    totals = result.coverage.totals
    share = totals.population_covered / totals.population if totals.population else 1.0
    return {Outcome.AIR_DEFENCE_COVERAGE.value: round(share, 4)}


def inputs_json(inputs: Inputs) -> str:
    """A case's inputs as canonical JSON (sets as lists), for the table and the store."""
    return json.dumps(
        {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(inputs.items())},
        sort_keys=True,
    )
