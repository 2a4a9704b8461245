"""The sweep spec: uncertain inputs, the design, the outcomes and what counts as failure.

A spec is a YAML file (``peaceforce sweep SPEC.yaml``). Each input names what it
changes (``target``): a what-if setting of :mod:`peaceforce.scenario.whatif`
(``us_backstop``, ``after_peace_agreement``, ``rotation_ratio``, ``joins``,
``withdraws``), the mission option or framework, a nation's personnel ceiling,
the tour length of pledges, or the IOC share of the deployment stage.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from peaceforce.errors import InputError, Problem
from peaceforce.scenario.base import Frozen, Ident, Iso3
from peaceforce.scenario.loader import Draft, Origin, expected_of, read_yaml, reading_order


class Target(StrEnum):
    """What an input changes in the scenario or the run."""

    FRAMEWORK = "framework"
    MISSION = "mission"
    US_BACKSTOP = "us_backstop"
    AFTER_PEACE_AGREEMENT = "after_peace_agreement"
    ROTATION_RATIO = "rotation_ratio"
    JOINS = "joins"
    WITHDRAWS = "withdraws"
    CEILING = "ceiling"
    TOUR_MONTHS = "tour_months"
    IOC_SHARE = "ioc_share"


_NATION_TARGETS = {Target.JOINS, Target.WITHDRAWS}


class _InputBase(Frozen):
    name: Ident = Field(description="column name of the input in the sweep table")
    label: str | None = Field(default=None, description="how sentences name it (default: name)")

    def named_nations(self) -> tuple[str, ...]:
        """The nations the input names (checked against the scenario)."""
        nations: tuple[str, ...] = getattr(self, "nations", ())
        nation: str | None = getattr(self, "nation", None)
        return nations if nation is None else (*nations, nation)


class CategoricalInput(_InputBase):
    """One of a list of ids: the framework or the mission option."""

    kind: Literal["categorical"] = "categorical"
    target: Literal[Target.FRAMEWORK, Target.MISSION]
    values: tuple[Ident, ...] = Field(min_length=1)


class BooleanInput(_InputBase):
    """A yes/no switch: the US backstop, a peace agreement, or one nation joining/withdrawing."""

    kind: Literal["boolean"] = "boolean"
    target: Literal[
        Target.US_BACKSTOP, Target.AFTER_PEACE_AGREEMENT, Target.JOINS, Target.WITHDRAWS
    ]
    nation: Iso3 | None = Field(
        default=None, description="the nation that joins or withdraws when true"
    )

    @model_validator(mode="after")
    def _nation_when_needed(self) -> BooleanInput:
        if (self.target in _NATION_TARGETS) != (self.nation is not None):
            raise ValueError("a nation exactly when the target is joins or withdraws")
        return self


class SetInput(_InputBase):
    """Which of some nations join (or withdraw): any subset, each nation in or out."""

    kind: Literal["set"] = "set"
    target: Literal[Target.JOINS, Target.WITHDRAWS]
    nations: tuple[Iso3, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> SetInput:
        if len(set(self.nations)) != len(self.nations):
            raise ValueError("each nation once")
        return self


class IntegerInput(_InputBase):
    """A whole number from low to high in steps: rotation ratio, a ceiling, a tour length."""

    kind: Literal["integer"] = "integer"
    target: Literal[Target.ROTATION_RATIO, Target.CEILING, Target.TOUR_MONTHS]
    low: int = Field(ge=0)
    high: int = Field(ge=0)
    step: int = Field(default=1, gt=0, description="values are low, low + step, ... up to high")
    nation: Iso3 | None = Field(
        default=None,
        description="ceiling: whose (required); tour_months: whose pledges (default: all)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> IntegerInput:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) at least low ({self.low})")
        if self.target is Target.CEILING and self.nation is None:
            raise ValueError("a nation whose ceiling this is")
        if self.target is Target.ROTATION_RATIO and self.nation is not None:
            raise ValueError("no nation: the rotation ratio is the scenario's")
        if self.target is Target.ROTATION_RATIO and self.low < 2:
            raise ValueError("a rotation ratio of at least 2")
        if self.target is Target.TOUR_MONTHS and self.low < 1:
            raise ValueError("a tour of at least 1 month")
        return self

    def levels(self) -> tuple[int, ...]:
        """Every value the input takes."""
        return tuple(range(self.low, self.high + 1, self.step))


class RealInput(_InputBase):
    """A number from low to high: the IOC share of the deployment stage."""

    kind: Literal["real"] = "real"
    target: Literal[Target.IOC_SHARE]
    low: float = Field(gt=0, le=1)
    high: float = Field(gt=0, le=1)
    factorial_levels: int = Field(
        default=3, ge=2, description="evenly spaced values a full factorial design takes"
    )

    @model_validator(mode="after")
    def _ordered(self) -> RealInput:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) at least low ({self.low})")
        return self

    def levels(self) -> tuple[float, ...]:
        """The values of a full factorial design."""
        n = self.factorial_levels
        return tuple(round(self.low + (self.high - self.low) * i / (n - 1), 6) for i in range(n))


Input = Annotated[
    CategoricalInput | BooleanInput | SetInput | IntegerInput | RealInput,
    Field(discriminator="kind"),
]


class Outcome(StrEnum):
    """What a case measures; the solver status and any error are always recorded too."""

    FIRST_TOUR_FILL = "first_tour_fill"
    SUSTAINED_FILL = "sustained_fill"
    FIRM_FIRST_TOUR_FILL = "firm_first_tour_fill"
    FIRM_SUSTAINED_FILL = "firm_sustained_fill"
    MISSING_PERSONNEL = "missing_personnel"
    WORST_GAP = "worst_gap"
    WORST_GAP_PERSONNEL = "worst_gap_personnel"
    IOC_DAY = "ioc_day"
    FOC_DAY = "foc_day"
    AIR_DEFENCE_COVERAGE = "air_defence_coverage"


#: Outcomes that need the deployment or protection stage.
DEPLOYMENT_OUTCOMES = frozenset({Outcome.IOC_DAY, Outcome.FOC_DAY})
PROTECTION_OUTCOMES = frozenset({Outcome.AIR_DEFENCE_COVERAGE})
#: Outcomes that are text (a line id), not numbers.
TEXT_OUTCOMES = frozenset({Outcome.WORST_GAP})


class Method(StrEnum):
    """How the cases are drawn."""

    FACTORIAL = "factorial"
    LHS = "lhs"
    SOBOL = "sobol"
    MORRIS = "morris"


class Design(Frozen):
    """The design: method, size and seed."""

    method: Method = Method.LHS
    cases: int = Field(
        default=100,
        gt=0,
        le=1_000_000,
        description="LHS: cases; Sobol: base samples N (N × (D + 2) cases); "
        "Morris: trajectories (N × (D + 1) cases); factorial: ignored",
    )
    seed: int = Field(default=1, ge=0)
    morris_levels: int = Field(default=4, ge=2, description="grid levels of a Morris design")


class Failure(Frozen):
    """Which cases fail: an outcome below (or above) a threshold, or no value at all.

    No value means no solution, or a level never reached (IOC or FOC): a failure.
    """

    outcome: Outcome = Outcome.SUSTAINED_FILL
    below: float | None = Field(default=None, description="fails when the outcome is below this")
    above: float | None = Field(
        default=None, description="fails when the outcome is above this (e.g. an IOC day)"
    )

    @model_validator(mode="after")
    def _one_threshold(self) -> Failure:
        if self.below is not None and self.above is not None:
            raise ValueError("either below or above, not both")
        return self

    @property
    def threshold(self) -> tuple[bool, float]:
        """(True, limit) when the outcome must stay at or above the limit, (False, limit) when
        at or below it; 80 % from below when neither is given."""
        if self.above is not None:
            return False, self.above
        return True, 0.8 if self.below is None else self.below


class Stage(StrEnum):
    """Stages a case runs: sourcing always, the others when asked."""

    SOURCING = "sourcing"
    DEPLOYMENT = "deployment"
    PROTECTION = "protection"


class SweepSpec(Frozen):
    """A sweep: the question, the scenario, the inputs, the design, the outcomes."""

    name: Ident
    question: str = Field(description="the question the sweep answers, in the analyst's words")
    scenario: Path | None = Field(
        default=None, description="scenario folder, relative to the spec (default: built-in)"
    )
    mission: Ident | None = Field(
        default=None, description="mission option when no input varies it"
    )
    framework: Ident | None = Field(default=None, description="framework when no input varies it")
    inputs: tuple[Input, ...] = Field(description="the uncertain inputs, at least one")
    outcomes: tuple[Outcome, ...] = (Outcome.FIRST_TOUR_FILL, Outcome.SUSTAINED_FILL)
    failure: Failure = Field(default_factory=Failure)
    design: Design = Field(default_factory=Design)
    time_limit_s: float | None = Field(
        default=None, gt=0, description="seconds per solve (default: scaled to the problem)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> SweepSpec:
        if not self.inputs:
            raise ValueError("at least one input")
        names = [i.name for i in self.inputs]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"input names used once each (repeated: {', '.join(repeated)})")
        targets = [i.target for i in self.inputs if i.target in _ONCE_TARGETS]
        twice = sorted({t.value for t in targets if targets.count(t) > 1})
        if twice:
            raise ValueError(f"at most one input per target {', '.join(twice)}")
        varied = {i.target for i in self.inputs}
        if self.mission is None and Target.MISSION not in varied:
            raise ValueError("a mission, or an input with target mission")
        if self.framework is None and Target.FRAMEWORK not in varied:
            raise ValueError("a framework, or an input with target framework")
        if self.failure.outcome not in self.outcomes or self.failure.outcome in TEXT_OUTCOMES:
            raise ValueError(
                f"failure.outcome {self.failure.outcome.value!r} among the numeric outcomes"
            )
        return self

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The stages the outcomes need."""
        asked = set(self.outcomes)
        return (
            Stage.SOURCING,
            *((Stage.DEPLOYMENT,) if asked & DEPLOYMENT_OUTCOMES else ()),
            *((Stage.PROTECTION,) if asked & PROTECTION_OUTCOMES else ()),
        )


#: Targets at most one input may set (the others combine: several nations join).
_ONCE_TARGETS = {
    Target.FRAMEWORK,
    Target.MISSION,
    Target.US_BACKSTOP,
    Target.AFTER_PEACE_AGREEMENT,
    Target.ROTATION_RATIO,
    Target.IOC_SHARE,
}


def parse_spec(data: Any, file: str, lines: dict[Any, int] | None = None) -> SweepSpec:
    """Validate a spec's data; every problem names the file, line, field, value and expectation."""
    origin = Origin(file, (), lines or {})
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            # A tagged union puts its tag ('boolean', 'set', ...) into the path: not a field.
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p in _KINDS))
            value = "(missing)" if error["type"] == "missing" else _shown(error["input"])
            problems.append(Problem(file, origin.where(*loc), value, expected_of(error)))
        raise InputError(sorted(problems, key=reading_order)) from None


_KINDS = frozenset({"categorical", "boolean", "set", "integer", "real"})


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def load_spec(path: Path | str) -> SweepSpec:
    """Read and validate a spec file; a relative scenario folder is taken from the spec's folder."""
    path = Path(path)
    draft = Draft(path.parent)
    if not path.is_file():
        raise InputError([Problem(str(path), "-", "(missing file)", "a sweep spec YAML file")])
    parsed = read_yaml(draft, path.name)
    if parsed is None:
        raise InputError(draft.problems)
    data, lines = parsed
    spec = parse_spec(data, path.name, dict(lines))
    if spec.scenario is not None and not spec.scenario.is_absolute():
        spec = spec.model_copy(update={"scenario": (path.parent / spec.scenario).resolve()})
    return spec


def builtin_spec_dir() -> Path:
    """Folder of the sweep specs shipped with the package."""
    return Path(__file__).resolve().parent.parent / "data" / "sweeps"
