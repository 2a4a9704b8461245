"""Scenario discovery: which inputs, taken together, make the force fail.

PRIM (Friedman and Fisher's patient rule induction method, as the EMA Workbench
uses it) peels a box off the input space a little at a time, keeping the peel
that leaves the highest share of failing cases, and stops when no peel raises
that share. Restrictions that barely change the share are then dropped, so the
sentence names only what matters. Further boxes are found among the cases the
earlier boxes leave out. A CART tree (scikit-learn) gives a second view: each
leaf that mostly fails, as a box.

Each box reads as a sentence: "with Germany out and no US backstop, sustained
fill stays under 80 % in 100 % of cases (96 of 96); these cases are 72 % of all
failures". *Density* is the share of failing cases in the box, *coverage* the
share of all failures inside it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Share of the box's cases a numeric peel removes.
PEEL_ALPHA = 0.05
#: A box keeps at least this share of all cases.
MIN_MASS = 0.03
#: A restriction is dropped when the density without it falls by less than this.
PRUNE_TOLERANCE = 0.01
#: Further boxes are sought while this share of failures is left outside the earlier ones.
MIN_REMAINING_FAILURES = 0.05


@dataclass(frozen=True)
class Restriction:
    """One input limited inside a box: to some values, or to a range."""

    column: str
    values: tuple[object, ...] | None = None
    low: float | None = None
    high: float | None = None

    def holds(self, frame: pd.DataFrame) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
        """Which rows meet the restriction."""
        column = frame[self.column]
        if self.values is not None:
            return np.asarray(column.isin(list(self.values)), dtype=bool)
        inside = np.ones(len(frame), dtype=bool)
        if self.low is not None:
            inside &= np.asarray(column >= self.low, dtype=bool)
        if self.high is not None:
            inside &= np.asarray(column <= self.high, dtype=bool)
        return inside


#: Turns a restriction into words ("Germany out", "tour length 4 to 6 months").
Describer = Callable[[Restriction], str]


@dataclass(frozen=True)
class Box:
    """A region of the inputs, how many of its cases fail, and its sentence."""

    method: str
    restrictions: tuple[Restriction, ...]
    cases: int
    failures: int
    all_failures: int
    sentence: str

    @property
    def density(self) -> float:
        """Share of the box's cases that fail."""
        return self.failures / self.cases if self.cases else 0.0

    @property
    def coverage(self) -> float:
        """Share of all failures inside the box."""
        return self.failures / self.all_failures if self.all_failures else 0.0


def percent(share: float) -> str:
    """A share as a whole percentage, spaced as the style guide writes it ("87 %")."""
    return f"{round(100 * share)} %"


def _inside(
    frame: pd.DataFrame, restrictions: Sequence[Restriction]
) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    mask = np.ones(len(frame), dtype=bool)
    for restriction in restrictions:
        mask &= restriction.holds(frame)
    return mask


def _is_numeric(column: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(column)) and not pd.api.types.is_bool_dtype(column)


def _candidates(
    frame: pd.DataFrame,
    inside: np.ndarray[tuple[int], np.dtype[np.bool_]],
    current: dict[str, Restriction],
) -> list[Restriction]:
    """Every peel: one value less of a categorical input, or a slice off a numeric range."""
    result = []
    for name in frame.columns:
        values = frame[name][inside]
        if _is_numeric(frame[name]):
            ordered = np.sort(values.to_numpy(dtype=float))
            if len(ordered) == 0 or ordered[0] == ordered[-1]:
                continue
            old = current.get(name, Restriction(name))
            low_cut = max(np.quantile(ordered, PEEL_ALPHA), ordered[0])
            above = (
                ordered[ordered > low_cut] if low_cut == ordered[0] else ordered[ordered >= low_cut]
            )
            if len(above):
                result.append(Restriction(name, low=float(above[0]), high=old.high))
            high_cut = min(np.quantile(ordered, 1 - PEEL_ALPHA), ordered[-1])
            below = (
                ordered[ordered < high_cut]
                if high_cut == ordered[-1]
                else ordered[ordered <= high_cut]
            )
            if len(below):
                result.append(Restriction(name, low=old.low, high=float(below[-1])))
        else:
            present = list(dict.fromkeys(values.tolist()))
            if len(present) < 2:
                continue
            for dropped in present:
                kept = tuple(sorted((v for v in present if v != dropped), key=str))
                result.append(Restriction(name, values=kept))
    return result


def _peel(
    frame: pd.DataFrame, failing: np.ndarray[tuple[int], np.dtype[np.bool_]], min_cases: int
) -> list[Restriction]:
    """Peel while a peel raises the density and the box keeps ``min_cases`` cases."""
    current: dict[str, Restriction] = {}
    inside = np.ones(len(frame), dtype=bool)
    density = failing[inside].mean() if inside.any() else 0.0
    while True:
        best: tuple[float, int, Restriction] | None = None
        for candidate in _candidates(frame, inside, current):
            kept = inside & candidate.holds(frame)
            count = int(kept.sum())
            if count < min_cases:
                continue
            score = (float(failing[kept].mean()), count)
            if best is None or score > best[:2]:
                best = (*score, candidate)
        if best is None or best[0] <= density + 1e-12:
            return list(current.values())
        density, _, chosen = best
        current[chosen.column] = chosen
        inside = _inside(frame, list(current.values()))


def _prune(
    frame: pd.DataFrame,
    failing: np.ndarray[tuple[int], np.dtype[np.bool_]],
    restrictions: list[Restriction],
) -> list[Restriction]:
    """Drop restrictions whose removal barely lowers the density (most harmless first)."""
    kept = list(restrictions)
    changed = True
    while changed and len(kept) > 1:
        changed = False
        density = failing[_inside(frame, kept)].mean()
        trials = []
        for restriction in kept:
            others = [r for r in kept if r is not restriction]
            trials.append((failing[_inside(frame, others)].mean(), restriction))
        best_density, harmless = max(trials, key=lambda t: t[0])
        if best_density >= density - PRUNE_TOLERANCE:
            kept.remove(harmless)
            changed = True
    return kept


def _box(
    method: str,
    frame: pd.DataFrame,
    failing: np.ndarray[tuple[int], np.dtype[np.bool_]],
    restrictions: Sequence[Restriction],
    *,
    describe: Describer,
    outcome_phrase: str,
) -> Box:
    inside = _inside(frame, restrictions)
    cases, failures, total = int(inside.sum()), int(failing[inside].sum()), int(failing.sum())
    where = " and ".join(describe(r) for r in restrictions) or "any inputs"
    density = failures / cases if cases else 0.0
    coverage = failures / total if total else 0.0
    sentence = (
        f"With {where}, {outcome_phrase} in {percent(density)} of cases "
        f"({failures:,} of {cases:,}); these cases are {percent(coverage)} of all failures."
    )
    return Box(method, tuple(restrictions), cases, failures, total, sentence)


def prim_boxes(
    frame: pd.DataFrame,
    failing: np.ndarray[tuple[int], np.dtype[np.bool_]],
    describe: Describer,
    outcome_phrase: str,
    *,
    max_boxes: int = 3,
) -> list[Box]:
    """PRIM boxes over the failing cases, each found among the cases earlier boxes leave out."""
    failing = np.asarray(failing, dtype=bool)
    total = int(failing.sum())
    if total == 0 or total == len(frame):
        return []
    boxes: list[Box] = []
    left = np.ones(len(frame), dtype=bool)
    min_cases = max(2, int(MIN_MASS * len(frame)))
    while len(boxes) < max_boxes and failing[left].sum() >= max(2, MIN_REMAINING_FAILURES * total):
        sub = frame[left].reset_index(drop=True)
        restrictions = _peel(sub, failing[left], min_cases)
        if not restrictions:
            break
        restrictions = _prune(sub, failing[left], restrictions)
        boxes.append(
            _box(
                "PRIM",
                frame,
                failing,
                restrictions,
                describe=describe,
                outcome_phrase=outcome_phrase,
            )
        )
        left &= ~_inside(frame, restrictions)
    return boxes


def cart_boxes(
    frame: pd.DataFrame,
    failing: np.ndarray[tuple[int], np.dtype[np.bool_]],
    describe: Describer,
    outcome_phrase: str,
    *,
    max_depth: int = 3,
) -> list[Box]:
    """The leaves of a shallow classification tree where most cases fail, as boxes."""
    from sklearn.tree import DecisionTreeClassifier

    failing = np.asarray(failing, dtype=bool)
    if failing.all() or not failing.any():
        return []
    encoded, decode = _encode(frame)
    tree = DecisionTreeClassifier(
        max_depth=max_depth, min_samples_leaf=max(2, int(MIN_MASS * len(frame))), random_state=0
    ).fit(encoded.to_numpy(dtype=float), failing)
    structure = tree.tree_
    boxes: list[Box] = []

    def walk(node: int, path: list[tuple[str, bool, float]]) -> None:
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:  # a leaf
            counts = structure.value[node][0]
            if len(counts) == 2 and counts[1] > counts[0]:
                restrictions = decode(path)
                boxes.append(
                    _box(
                        "CART",
                        frame,
                        failing,
                        restrictions,
                        describe=describe,
                        outcome_phrase=outcome_phrase,
                    )
                )
            return
        column = str(encoded.columns[structure.feature[node]])
        threshold = float(structure.threshold[node])
        walk(left, [*path, (column, True, threshold)])
        walk(right, [*path, (column, False, threshold)])

    walk(0, [])
    return sorted(boxes, key=lambda b: (-b.coverage, -b.density))


def _encode(
    frame: pd.DataFrame,
) -> tuple[pd.DataFrame, Callable[[list[tuple[str, bool, float]]], list[Restriction]]]:
    """Numbers for the tree (categories one-hot), and the way back from its splits."""
    parts: dict[str, pd.Series] = {}
    origin: dict[str, tuple[str, object]] = {}
    for name in frame.columns:
        column = frame[name]
        if _is_numeric(column):
            parts[name] = column.astype(float)
            origin[name] = (name, None)
        else:
            for value in sorted(dict.fromkeys(column.tolist()), key=str):
                key = f"{name}={value}"
                parts[key] = (column == value).astype(float)
                origin[key] = (name, value)

    def decode(path: list[tuple[str, bool, float]]) -> list[Restriction]:
        kept: dict[str, Restriction] = {}
        for key, at_most, threshold in path:
            name, value = origin[key]
            column = frame[name]
            old = kept.get(name, Restriction(name))
            if value is None:
                values = column.to_numpy(dtype=float)
                if at_most:
                    new_high = float(values[values <= threshold].max())
                    kept[name] = Restriction(name, low=old.low, high=new_high)
                else:
                    new_low = float(values[values > threshold].min())
                    kept[name] = Restriction(name, low=new_low, high=old.high)
            else:
                allowed = (
                    old.values
                    if old.values is not None
                    else tuple(sorted(dict.fromkeys(column.tolist()), key=str))
                )
                chosen = tuple(v for v in allowed if (v != value) == at_most)
                kept[name] = Restriction(name, values=chosen)
        return list(kept.values())

    return pd.DataFrame(parts), decode
