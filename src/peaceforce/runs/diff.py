"""What changed between two plan runs: figure by figure, read from the result models.

The figures compared are found in the models, not listed here: every field, computed
field and property of a result whose type is a number, a flag or an enumerated status,
and those of the single results it holds (``objective.weighted_shortfall``). Free text,
identities, labels, run keys and solve times are not figures. So a figure a stage adds
to its result (a sustained fill, months covered) is compared without a change here.

Results are matched by what identifies them: a sourcing, deployment and protection
result by mission and framework, a requirement line by its id, a contribution and an
N-1 row by nation, a mandate assessment by framework, a sweep row by framework,
mission and domain. What one run has and the other lacks is listed as present in one.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from enum import Enum, StrEnum
from functools import cache
from types import NoneType, UnionType
from typing import Any, Literal, Protocol, TypeVar, Union

from pydantic import BaseModel, Field

from peaceforce.errors import InputError, Problem
from peaceforce.labels import Label, combine_labels
from peaceforce.plan import PlanResult
from peaceforce.results import Result, StageResult
from peaceforce.runs.folders import PLAN_FILE, SavedRun
from peaceforce.scenario.whatif import WhatIf
from peaceforce.sourcing.result import SourcingResult

#: A figure's value: enumerated statuses are compared by their value.
Figure = bool | int | float | str | None

#: Figures that differ from run to run of the same inputs, so say nothing about the plan.
_VOLATILE = frozenset({"solve_seconds"})
#: Floats this close are the same figure (solver round-off).
_TOLERANCE = 1e-9


_Item = TypeVar("_Item", bound=BaseModel)


class Presence(StrEnum):
    """Which of the two runs holds an item."""

    BOTH = "both"
    ONLY_A = "only_a"
    ONLY_B = "only_b"


class FigureChange(Result):
    """One figure that differs; ``None`` where a run has no such figure."""

    figure: str
    before: Figure
    after: Figure
    delta: int | float | None = Field(description="after - before, for numbers")


class ItemDiff(Result):
    """The changed figures of one item (a line, a nation, a framework, ...)."""

    key: str
    presence: Presence
    changes: tuple[FigureChange, ...]


class OutcomeDiff(Result):
    """What changed for one mission option under one framework."""

    mission_id: str
    framework_id: str
    presence: Presence
    figures: tuple[FigureChange, ...] = Field(
        description="sourcing headline figures; deployment.* and protection.* figures"
    )
    lines: tuple[ItemDiff, ...] = Field(description="requirement lines (shortfalls)")
    contributions: tuple[ItemDiff, ...] = Field(description="national contributions")
    withdrawals: tuple[ItemDiff, ...] = Field(description="N-1: fill if one nation withdrew")

    @classmethod
    def in_one_run(
        cls,
        mission_id: str,
        framework_id: str,
        presence: Presence,
        figures: tuple[FigureChange, ...],
    ) -> OutcomeDiff:
        """An outcome only one run has: its headline figures, no line-by-line detail."""
        return cls(
            mission_id=mission_id,
            framework_id=framework_id,
            presence=presence,
            figures=figures,
            lines=(),
            contributions=(),
            withdrawals=(),
        )


class RunSide(Result):
    """One of the two runs compared."""

    folder: str
    run_key: str
    scenario_id: str
    written_at: datetime
    label: Label
    what_if: WhatIf


class RunDiff(Result):
    """Everything that differs between run A and run B.

    Not a stage result: it has no run key of its own but names both runs'. Its label is
    the combination of both runs' labels, since it reveals figures of each.
    """

    label: Label
    run_a: RunSide
    run_b: RunSide
    what_if: tuple[FigureChange, ...] = Field(description="what-if settings that differ")
    frameworks: tuple[ItemDiff, ...] = Field(description="mandate assessments")
    outcomes: tuple[OutcomeDiff, ...]
    sweep: tuple[ItemDiff, ...] = Field(description="frameworks × missions, optimal and greedy")

    @property
    def same_figures(self) -> bool:
        """Whether no figure differs (the settings may: a what-if that changes nothing)."""
        return not (self.frameworks or self.outcomes or self.sweep)


def diff_runs(run_a: SavedRun, run_b: SavedRun) -> RunDiff:
    """Compare two saved plan runs (A before, B after)."""
    plan_a, plan_b = run_a.plan, run_b.plan
    return RunDiff(
        label=_combined_label(run_a, run_b),
        run_a=_side(run_a),
        run_b=_side(run_b),
        what_if=_changes(
            run_a.manifest.what_if.model_dump(mode="json"),
            run_b.manifest.what_if.model_dump(mode="json"),
        ),
        frameworks=_items(plan_a.mandate.frameworks, plan_b.mandate.frameworks, _framework_key),
        outcomes=_outcomes(plan_a, plan_b),
        sweep=_items(plan_a.sweep, plan_b.sweep, _sweep_key),
    )


def _combined_label(run_a: SavedRun, run_b: SavedRun) -> Label:
    """Both runs' labels combined; labels of two policies have no rule to combine them."""
    label_a, label_b = run_a.plan.label, run_b.plan.label
    if label_a.policy != label_b.policy:
        raise InputError(
            [
                Problem(
                    str(run_b.folder / PLAN_FILE),
                    "label.policy",
                    label_b.policy,
                    f"the label policy of the run compared with it ({label_a.policy})",
                )
            ]
        )
    return combine_labels([label_a, label_b])


def _side(run: SavedRun) -> RunSide:
    return RunSide(
        folder=str(run.folder),
        run_key=run.plan.run_key,
        scenario_id=run.plan.scenario_id,
        written_at=run.manifest.written_at,
        label=run.plan.label,
        what_if=run.manifest.what_if,
    )


# --- figures of a model --------------------------------------------------------------------

_Kind = Literal["figure", "model"]


def figures(model: BaseModel) -> dict[str, Figure]:
    """Every figure of a result (see the module's docstring), by dotted name."""
    found: dict[str, Figure] = {}
    for name, kind in _figure_fields(type(model)):
        value = getattr(model, name)
        if kind == "model":
            if value is not None:
                found.update({f"{name}.{sub}": v for sub, v in figures(value).items()})
        else:
            found[name] = value.value if isinstance(value, Enum) else value
    for base, derive in _DERIVED.items():
        if isinstance(model, base):
            found.update(derive(model))
    return found


@cache
def _figure_fields(cls: type[BaseModel]) -> tuple[tuple[str, _Kind], ...]:
    """(name, kind) of each field, computed field and property of ``cls`` that is a figure
    or a single result."""
    annotated: dict[str, Any] = {name: info.annotation for name, info in cls.model_fields.items()}
    annotated.update({name: info.return_type for name, info in cls.model_computed_fields.items()})
    for klass in reversed(cls.__mro__):
        if issubclass(klass, BaseModel) and klass is not BaseModel:
            for name, attribute in vars(klass).items():
                if isinstance(attribute, property) and not name.startswith("_"):
                    annotated[name] = typing.get_type_hints(attribute.fget).get("return")
    skipped = _VOLATILE | set(StageResult.model_fields)
    return tuple(
        (name, kind)
        for name, annotation in annotated.items()
        if name not in skipped and (kind := _kind(annotation)) is not None
    )


def _kind(annotation: Any) -> _Kind | None:
    members = (
        typing.get_args(annotation)
        if typing.get_origin(annotation) in (Union, UnionType)
        else (annotation,)
    )
    kinds = {_member_kind(member) for member in members if member is not NoneType}
    return kinds.pop() if len(kinds) == 1 else None


def _member_kind(member: Any) -> _Kind | None:
    if not isinstance(member, type):
        return None
    if issubclass(member, Enum | bool | int | float):
        return "figure"
    if issubclass(member, BaseModel) and not issubclass(member, Label):
        return "model"
    return None


def _sourcing_fills(result: BaseModel) -> dict[str, Figure]:
    """The fills: first tour and sustained (by personnel), and the share of required units
    filled, overall and by domain: methods of the result rather than fields, so named here
    (the firm-only fills are a field)."""
    assert isinstance(result, SourcingResult)
    domains = sorted({line.domain for line in result.lines}, key=lambda d: d.value)
    return {
        "fill.first_tour": result.first_tour_fill(),
        "fill.sustained": result.sustained_fill(),
        "fill": result.fill_rate(),
        **{f"fill.{domain.value}": result.fill_rate(domain) for domain in domains},
    }


_DERIVED: dict[type[BaseModel], Callable[[BaseModel], dict[str, Figure]]] = {
    SourcingResult: _sourcing_fills
}


# --- comparing ------------------------------------------------------------------------------


def _same(before: Figure, after: Figure) -> bool:
    if _is_number(before) and _is_number(after):
        assert isinstance(before, int | float) and isinstance(after, int | float)
        return math.isclose(before, after, rel_tol=_TOLERANCE, abs_tol=_TOLERANCE)
    return before == after and type(before) is type(after)


def _is_number(value: Figure) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _changes(
    before: Mapping[str, Figure] | None, after: Mapping[str, Figure] | None
) -> tuple[FigureChange, ...]:
    """The figures that differ, in the order the models give them; absent is ``None``."""
    old, new = before or {}, after or {}
    names = [*old, *(name for name in new if name not in old)]
    changes = []
    for name in names:
        a, b = old.get(name), new.get(name)
        if _same(a, b):
            continue
        delta = b - a if _is_number(a) and _is_number(b) else None  # type: ignore[operator]
        changes.append(FigureChange(figure=name, before=a, after=b, delta=delta))
    return tuple(changes)


def _presence(in_a: bool, in_b: bool) -> Presence:
    if in_a and in_b:
        return Presence.BOTH
    return Presence.ONLY_A if in_a else Presence.ONLY_B


def _items(
    items_a: Iterable[_Item], items_b: Iterable[_Item], key: Callable[[_Item], str]
) -> tuple[ItemDiff, ...]:
    """The items whose figures differ, or that one run lacks, matched by ``key``."""
    by_key_a = {key(item): item for item in items_a}
    by_key_b = {key(item): item for item in items_b}
    diffs = []
    for name in [*by_key_a, *(k for k in by_key_b if k not in by_key_a)]:
        a, b = by_key_a.get(name), by_key_b.get(name)
        changes = _changes(figures(a) if a else None, figures(b) if b else None)
        presence = _presence(a is not None, b is not None)
        if changes or presence is not Presence.BOTH:
            diffs.append(ItemDiff(key=name, presence=presence, changes=changes))
    return tuple(diffs)


def _framework_key(assessment: Any) -> str:
    return str(assessment.framework_id)


def _sweep_key(row: Any) -> str:
    domain = row.domain.value if row.domain is not None else "all"
    return f"{row.framework_id}/{row.mission_id}/{domain}"


def _nation_key(item: Any) -> str:
    return str(item.nation)


def _line_key(line: Any) -> str:
    return str(line.line_id)


_Outcome = tuple[str, str]


class _OutcomeResult(Protocol):
    """A result of one mission option under one framework."""

    @property
    def mission_id(self) -> str: ...

    @property
    def framework_id(self) -> str: ...


_PerOutcome = TypeVar("_PerOutcome", bound=_OutcomeResult)


def _by_outcome(items: Iterable[_PerOutcome]) -> dict[_Outcome, _PerOutcome]:
    return {(item.mission_id, item.framework_id): item for item in items}


def _outcome_figures(plan: PlanResult, outcome: _Outcome) -> dict[str, Figure] | None:
    sourced = _by_outcome(plan.sourcing).get(outcome)
    if sourced is None:
        return None
    return {
        **figures(sourced),
        **_prefixed("deployment", _by_outcome(plan.deployments).get(outcome)),
        **_prefixed("protection", _by_outcome(plan.protection).get(outcome)),
    }


def _prefixed(prefix: str, result: BaseModel | None) -> dict[str, Figure]:
    if result is None:
        return {}
    return {f"{prefix}.{name}": value for name, value in figures(result).items()}


def _outcomes(plan_a: PlanResult, plan_b: PlanResult) -> tuple[OutcomeDiff, ...]:
    sourced_a, sourced_b = _by_outcome(plan_a.sourcing), _by_outcome(plan_b.sourcing)
    diffs = []
    for outcome in [*sourced_a, *(k for k in sourced_b if k not in sourced_a)]:
        a, b = sourced_a.get(outcome), sourced_b.get(outcome)
        mission_id, framework_id = outcome
        headline = _changes(_outcome_figures(plan_a, outcome), _outcome_figures(plan_b, outcome))
        if a is None or b is None:
            # an outcome one run lacks (its framework blocked there): its headline says
            # what is gained or lost; line by line it would only repeat the other run
            present = _presence(a is not None, b is not None)
            diffs.append(OutcomeDiff.in_one_run(mission_id, framework_id, present, headline))
            continue
        diff = OutcomeDiff(
            mission_id=mission_id,
            framework_id=framework_id,
            presence=Presence.BOTH,
            figures=headline,
            lines=_items(a.lines, b.lines, _line_key),
            contributions=_items(a.contributions, b.contributions, _nation_key),
            withdrawals=_items(
                _withdrawals(plan_a, outcome), _withdrawals(plan_b, outcome), _nation_key
            ),
        )
        if diff.figures or diff.lines or diff.contributions or diff.withdrawals:
            diffs.append(diff)
    return tuple(diffs)


def _withdrawals(plan: PlanResult, outcome: _Outcome) -> list[Any]:
    mission_id, framework_id = outcome
    return [
        row
        for row in plan.withdrawals
        if row.mission_id == mission_id and row.framework_id == framework_id
    ]
