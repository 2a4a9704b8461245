"""OR-Library GAP files and the ``bounds.tsv`` table of known bounds."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gap_engine.gap_model import FloatArray, GapInstance, KnownBounds, Sense
from peaceforce.errors import InputError, Problem


@dataclass(frozen=True)
class _Token:
    text: str
    line: int


def _tokens(text: str) -> list[_Token]:
    return [
        _Token(word, number)
        for number, line in enumerate(text.splitlines(), start=1)
        for word in line.split()
    ]


def _number(text: str) -> float:
    """The token's value, or NaN when it is not a finite number."""
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _field(k: int, m: int, n: int) -> str:
    """What the k-th number after the ``m n`` header is, for error messages."""
    if k >= 2 * m * n:
        return f"capacity of agent {k - 2 * m * n + 1}"
    agent, job = divmod(k % (m * n), n)
    matrix = "cost" if k < m * n else "resource"
    return f"{matrix} of agent {agent + 1}, job {job + 1}"


def _size(token: _Token, source: str, what: str) -> int:
    if not token.text.isdigit() or int(token.text) == 0:
        expected = f"a positive integer ({what})"
        raise InputError([Problem(source, f"line {token.line}", repr(token.text), expected)])
    return int(token.text)


def _instance(name: str, tokens: list[_Token], at: int, source: str) -> tuple[GapInstance, int]:
    """Read one ``m n / costs / resources / capacities`` block starting at token ``at``."""
    if len(tokens) < at + 2:
        last = tokens[-1].line if tokens else 1
        raise InputError(
            [Problem(source, f"line {last} ({name})", "end of file", "an 'm n' header")]
        )
    m = _size(tokens[at], source, "number of agents m")
    n = _size(tokens[at + 1], source, "number of jobs n")
    body = tokens[at + 2 : at + 2 + 2 * m * n + m]
    if len(body) < 2 * m * n + m:
        raise InputError(
            [
                Problem(
                    source,
                    f"line {tokens[at].line} ({name})",
                    f"{len(body)} numbers after 'm n' = '{m} {n}'",
                    f"{2 * m * n + m} (costs {m}×{n}, resources {m}×{n}, capacities {m})",
                )
            ]
        )
    values = np.array([_number(t.text) for t in body])
    not_number = np.flatnonzero(np.isnan(values))
    negative = np.flatnonzero(values[m * n :] < 0) + m * n
    problems = [
        Problem(source, f"line {body[k].line}", repr(body[k].text), f"{kind} ({_field(k, m, n)})")
        for kinds, kind in ((not_number, "a number"), (negative, "a non-negative number"))
        for k in kinds.tolist()
    ]
    if problems:
        raise InputError(problems)
    instance = GapInstance(
        name,
        costs=values[: m * n].reshape(m, n),
        resources=values[m * n : 2 * m * n].reshape(m, n),
        capacities=values[2 * m * n :],
    )
    return instance, at + 2 + 2 * m * n + m


def parse_orlib_gap(text: str, source: str, name: str) -> list[GapInstance]:
    """Parse OR-Library GAP text, with one instance or several.

    A file whose first line holds ``m n`` is one instance (then costs, resources,
    capacities, spread over any lines). A first line with a single number ``P`` announces P
    instances, as in OR-Library's ``gap1.txt``…``gap12.txt``; the k-th is named
    ``cMMNN_k`` after its size, the name ``bounds.tsv`` uses for them.
    Raises :class:`InputError` naming the line and value of every fault.
    """
    tokens = _tokens(text)
    if not tokens:
        raise InputError([Problem(source, "line 1", "an empty file", "'m n' or a problem count")])
    first_line = [t for t in tokens if t.line == tokens[0].line]
    if len(first_line) == 1:
        count = _size(tokens[0], source, "number of problems in the file")
        blocks, at = [f"problem {k}" for k in range(1, count + 1)], 1
    else:
        blocks, at = [name], 0
    instances = []
    for k, block in enumerate(blocks, start=1):
        instance, at = _instance(block, tokens, at, source)
        if len(blocks) > 1:
            instance = GapInstance(
                f"c{instance.m:02d}{instance.n:02d}_{k}",
                instance.costs,
                instance.resources,
                instance.capacities,
            )
        instances.append(instance)
    if at < len(tokens):
        extra = tokens[at]
        raise InputError(
            [
                Problem(
                    source,
                    f"line {extra.line}",
                    f"{len(tokens) - at} extra token(s) starting with {extra.text!r}",
                    "end of file after the capacities",
                )
            ]
        )
    return instances


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problem = Problem(str(path), "file", str(error), "a readable UTF-8 text file")
        raise InputError([problem]) from error


def read_orlib_gap(path: Path, sense: Sense = Sense.MIN) -> list[GapInstance]:
    """Read every instance of an OR-Library GAP file, as a ``sense`` problem."""
    text = _read_text(path)
    return [i.with_sense(sense) for i in parse_orlib_gap(text, str(path), path.stem)]


def format_orlib_gap(instance: GapInstance) -> str:
    """Write ``instance`` in the single-instance OR-Library layout, one matrix row a line."""

    def row(values: FloatArray) -> str:
        return " ".join(f"{v:g}" for v in values)

    lines = [f"{instance.m} {instance.n}"]
    lines += [row(r) for r in instance.costs]
    lines += [row(r) for r in instance.resources]
    lines.append(row(instance.capacities))
    return "\n".join(lines) + "\n"


def read_gap_bounds(path: Path) -> dict[tuple[str, Sense], KnownBounds]:
    """Read ``bounds.tsv``: rows ``NAME_Min LB UB`` or ``NAME_Max LB UB``, whitespace separated."""
    lines = _read_text(path).splitlines()
    senses = {"_Min": Sense.MIN, "_Max": Sense.MAX}
    bounds: dict[tuple[str, Sense], KnownBounds] = {}
    problems: list[Problem] = []
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        where = f"line {number}"
        suffix = fields[0][-4:]
        if len(fields) != 3 or suffix not in senses:
            problems.append(Problem(str(path), where, repr(line), "'NAME_Min|NAME_Max LB UB'"))
            continue
        try:
            lower, upper = float(fields[1]), float(fields[2])
        except ValueError:
            problems.append(Problem(str(path), where, repr(line), "two numbers LB UB"))
            continue
        if lower > upper:
            problems.append(Problem(str(path), where, repr(line), "LB <= UB"))
            continue
        bounds[fields[0][:-4], senses[suffix]] = KnownBounds(lower, upper)
    if problems:
        raise InputError(problems)
    return bounds
