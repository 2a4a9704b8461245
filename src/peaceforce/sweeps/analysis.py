"""What moves each outcome: tornado swings, Sobol or Morris indices, the spread of the fills.

The sweep table has one column per design dimension (a set input gives one
in/out column per nation). Everything here reads that table; nothing solves.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from peaceforce.results import Result
from peaceforce.scenario.model import Scenario
from peaceforce.sweeps.cases import ERROR_STATUS
from peaceforce.sweeps.design import dimensions, salib_problem, unit_points
from peaceforce.sweeps.prim import Box, Restriction, cart_boxes, percent, prim_boxes
from peaceforce.sweeps.spec import (
    BooleanInput,
    CategoricalInput,
    IntegerInput,
    Method,
    Outcome,
    SetInput,
    SweepSpec,
    Target,
)

#: Numeric inputs with more distinct values than this are cut into quartiles for the tornado.
_TORNADO_BINS = 4
#: Outcomes that are shares (printed as percentages).
SHARE_OUTCOMES = frozenset(
    {
        Outcome.FIRST_TOUR_FILL,
        Outcome.SUSTAINED_FILL,
        Outcome.FIRM_FIRST_TOUR_FILL,
        Outcome.FIRM_SUSTAINED_FILL,
        Outcome.AIR_DEFENCE_COVERAGE,
    }
)


class Swing(Result):
    """How far one input moves one outcome: the mean at its worst and at its best value."""

    outcome: Outcome
    input: str
    low_mean: float
    low_value: str
    high_mean: float
    high_value: str

    @property
    def swing(self) -> float:
        """Best mean minus worst mean."""
        return self.high_mean - self.low_mean


class Index(Result):
    """A global sensitivity index of one input for one outcome (Sobol S1/ST, Morris μ*/σ)."""

    outcome: Outcome
    input: str
    first: float = Field(description="Sobol S1, or Morris μ*")
    total: float = Field(description="Sobol ST, or Morris σ")


class DiscoveryBox(Result):
    """A PRIM or CART box, as numbers and as the sentence an analyst reads."""

    method: str
    sentence: str
    cases: int
    failures: int
    density: float
    coverage: float


class SweepAnalysis(Result):
    """Everything the report shows, serialisable to JSON."""

    failure_sentence: str
    failures: int
    cases_with_values: int
    errors: int
    swings: tuple[Swing, ...]
    index_kind: str | None
    indices: tuple[Index, ...]
    prim: tuple[DiscoveryBox, ...]
    cart: tuple[DiscoveryBox, ...]


def dimension_frame(spec: SweepSpec, table: pd.DataFrame) -> pd.DataFrame:
    """The table's design dimensions, one column each (set members as in/out columns)."""
    return table[[d.name for d in dimensions(spec)]].copy()


def swings(spec: SweepSpec, table: pd.DataFrame, outcome: Outcome) -> list[Swing]:
    """Tornado rows: per input, the outcome's mean at its worst and best value, widest first."""
    frame = dimension_frame(spec, table)
    values = pd.to_numeric(table[outcome.value], errors="coerce")
    result = []
    for name in frame.columns:
        column = frame[name]
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        if numeric and column.nunique() > _TORNADO_BINS:
            column = pd.qcut(column, _TORNADO_BINS, duplicates="drop").astype(str)
        means = values.groupby(column.astype(str)).mean().dropna()
        if len(means) < 2 or means.max() - means.min() < 1e-12:
            continue  # the input does not move this outcome at all
        result.append(
            Swing(
                outcome=outcome,
                input=name,
                low_mean=float(means.min()),
                low_value=str(means.idxmin()),
                high_mean=float(means.max()),
                high_value=str(means.idxmax()),
            )
        )
    return sorted(result, key=lambda s: (-s.swing, s.input))


def indices(spec: SweepSpec, table: pd.DataFrame, outcome: Outcome) -> list[Index]:
    """Sobol (S1, ST) or Morris (μ*, σ) indices, when the design is Sobol or Morris.

    Cases without a value (no solution) leave the indices undefined: none are given.
    """
    method = spec.design.method
    y = pd.to_numeric(table[outcome.value], errors="coerce").to_numpy(dtype=float)
    if method not in {Method.SOBOL, Method.MORRIS} or np.isnan(y).any():
        return []
    problem = salib_problem(spec)
    if method is Method.SOBOL:
        from SALib.analyze import sobol

        found: Any = sobol.analyze(problem, y, calc_second_order=False, seed=spec.design.seed)
        first, total = found["S1"], found["ST"]
    else:
        from SALib.analyze import morris

        points = unit_points(spec)
        found = morris.analyze(
            problem, points, y, num_levels=spec.design.morris_levels, seed=spec.design.seed
        )
        first, total = found["mu_star"], found["sigma"]
    return sorted(
        (
            Index(outcome=outcome, input=name, first=float(f), total=float(t))
            for name, f, t in zip(problem["names"], first, total, strict=True)
        ),
        key=lambda i: (-i.total, i.input),
    )


class Describer:
    """Words for a box's restrictions, in the analyst's terms ("Germany out", "no US backstop")."""

    def __init__(self, spec: SweepSpec, scenario: Scenario) -> None:
        self.spec = spec
        self.names = {n.code: n.name for n in scenario.nations}
        self.by_column = {d.name: d for d in dimensions(spec)}

    def _nation(self, code: str) -> str:
        return self.names.get(code, code)

    def __call__(self, restriction: Restriction) -> str:
        dim = self.by_column[restriction.column]
        item = dim.input
        if restriction.values is not None:
            values = restriction.values
            if isinstance(item, SetInput | BooleanInput) and len(values) == 1:
                nation = dim.member or next(iter(item.named_nations()), "")
                return _switch_phrase(item.target, bool(values[0]), self._nation(nation))
            if isinstance(item, CategoricalInput):
                return f"{item.label or item.target.value} {' or '.join(map(str, values))}"
            return f"{item.label or item.name} {' or '.join(map(str, values))}"
        name, unit = _RANGE_WORDS.get(item.target, (item.name, ""))
        if isinstance(item, IntegerInput) and item.target is Target.CEILING:
            name = f"{self._nation(item.nation or '')}'s ceiling of"
        if item.label:
            name, unit = item.label, ""
        low, high = restriction.low, restriction.high
        shown = [None if v is None else f"{v:,.6g}" for v in (low, high)]
        if low is not None and high is not None:
            span = f"{shown[0]} to {shown[1]}" if low != high else f"{shown[0]}"
        elif low is not None:
            span = f"at least {shown[0]}"
        else:
            span = f"at most {shown[1]}"
        return f"{name} {span}{unit}"


#: How a numeric input reads before and after its range ("tours of at most 4 months").
_RANGE_WORDS = {
    Target.ROTATION_RATIO: ("a rotation ratio of", ""),
    Target.TOUR_MONTHS: ("tours of", " months"),
    Target.CEILING: ("a ceiling of", " personnel"),
    Target.IOC_SHARE: ("an IOC share of", ""),
}


def _switch_phrase(target: Target, on: bool, nation: str) -> str:
    if target is Target.US_BACKSTOP:
        return "a US backstop" if on else "no US backstop"
    if target is Target.AFTER_PEACE_AGREEMENT:
        return "a peace agreement" if on else "no peace agreement"
    if target is Target.JOINS:
        return f"{nation} joining" if on else f"{nation} not joining"
    return f"{nation} out" if on else f"{nation} in"


def outcome_phrase(spec: SweepSpec) -> str:
    """'sustained fill stays under 80 %' for the spec's failure rule."""
    failure = spec.failure
    name = failure.outcome.value.replace("_", " ")
    from_below, limit = failure.threshold
    threshold = percent(limit) if failure.outcome in SHARE_OUTCOMES else f"{limit:,g}"
    if from_below:
        return f"{name} stays under {threshold}"
    return (
        f"{name} is later than {threshold} or never"
        if failure.outcome
        in {
            Outcome.IOC_DAY,
            Outcome.FOC_DAY,
        }
        else f"{name} is above {threshold}"
    )


def failing(spec: SweepSpec, table: pd.DataFrame) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    """Cases that fail: the outcome past the threshold, or no value at all (errors aside)."""
    failure = spec.failure
    values = pd.to_numeric(table[failure.outcome.value], errors="coerce")
    from_below, limit = failure.threshold
    past = values < limit if from_below else values > limit
    solved = table["status"] != ERROR_STATUS
    return np.asarray((past | values.isna()) & solved, dtype=bool)


def _as_result(box: Box) -> DiscoveryBox:
    return DiscoveryBox(
        method=box.method,
        sentence=box.sentence,
        cases=box.cases,
        failures=box.failures,
        density=round(box.density, 4),
        coverage=round(box.coverage, 4),
    )


def analyse(spec: SweepSpec, scenario: Scenario, table: pd.DataFrame) -> SweepAnalysis:
    """Tornado swings, indices, and PRIM and CART boxes over the failing cases."""
    errors = int((table["status"] == ERROR_STATUS).sum())
    usable = table[table["status"] != ERROR_STATUS].reset_index(drop=True)
    fails = failing(spec, usable)
    frame = dimension_frame(spec, usable)
    describe = Describer(spec, scenario)
    phrase = outcome_phrase(spec)
    numeric = [o for o in spec.outcomes if o is not Outcome.WORST_GAP]
    total = len(usable)
    return SweepAnalysis(
        failure_sentence=(
            f"{phrase} in {percent(fails.mean() if total else 0.0)} of cases "
            f"({int(fails.sum()):,} of {total:,})"
        ),
        failures=int(fails.sum()),
        cases_with_values=total,
        errors=errors,
        swings=tuple(s for o in numeric for s in swings(spec, usable, o)),
        index_kind={Method.SOBOL: "Sobol S1 / ST", Method.MORRIS: "Morris μ* / σ"}.get(
            spec.design.method
        ),
        indices=tuple(i for o in numeric for i in indices(spec, table, o)),
        prim=tuple(_as_result(b) for b in prim_boxes(frame, fails, describe, phrase)),
        cart=tuple(_as_result(b) for b in cart_boxes(frame, fails, describe, phrase)),
    )
