"""Read PSPLIB single-mode instances (``.sm``) and their optimum tables into the RCPSP core.

The ``.sm`` layout, as published by Kolisch & Sprecher::

    jobs (incl. supersource/sink ):  32
    - renewable                 :  4   R
    PRECEDENCE RELATIONS:
    jobnr.    #modes  #successors   successors
       1        1          3           2   3   4
    REQUESTS/DURATIONS:
    jobnr. mode duration  R 1  R 2  R 3  R 4
    ------------------------------------------------------------------------
      1      1     0       0    0    0    0
    RESOURCEAVAILABILITIES:
      R 1  R 2  R 3  R 4
       24   23   25   33

Jobs become tasks ``"1" .. "n"`` (the zero-duration source and sink included,
so makespans match the published ones); resources become ``"R1" .. "RK"``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from peaceforce.errors import InputError, Problem
from peaceforce.solvers.rcpsp import Precedence, Resource, SchedulingProblem, Task

_SECTIONS = ("PRECEDENCE RELATIONS:", "REQUESTS/DURATIONS:", "RESOURCEAVAILABILITIES:")


class _Lines:
    """The file's lines with 1-based numbers, and the problems found so far."""

    def __init__(self, path: Path, text: str) -> None:
        self.file = str(path)
        self.lines = text.splitlines()
        self.problems: list[Problem] = []

    def fault(self, lineno: int | None, value: str, expected: str) -> None:
        where = "end of file" if lineno is None else f"line {lineno}"
        self.problems.append(Problem(self.file, where, value, expected))

    def find(self, prefix: str, start: int = 0) -> int | None:
        """0-based index of the first line from ``start`` beginning with ``prefix``."""
        for k in range(start, len(self.lines)):
            if self.lines[k].strip().startswith(prefix):
                return k
        return None

    def ints(self, k: int, expected: str) -> list[int] | None:
        """The whitespace-separated non-negative integers of line ``k``."""
        tokens = self.lines[k].split()
        bad = [t for t in tokens if not t.isdigit()]
        if bad:
            self.fault(k + 1, repr(bad[0]), expected)
            return None
        return [int(t) for t in tokens]

    def header_value(self, label: str, expected: str) -> int | None:
        """The integer after the colon of the line starting with ``label``."""
        k = self.find(label)
        if k is None:
            self.fault(None, f"no line starting with {label!r}", expected)
            return None
        match = re.match(r"\s*[^:]*:\s*(\d+)\b", self.lines[k])
        if match is None:
            self.fault(k + 1, repr(self.lines[k].strip()), expected)
            return None
        return int(match.group(1))


def read_sm(path: Path | str) -> SchedulingProblem:
    """Parse a PSPLIB single-mode file into a ``SchedulingProblem``.

    Raises ``InputError`` naming the file, the line, the text found and what
    was expected, for every fault found.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            [Problem(str(path), "file", type(exc).__name__, "a readable ASCII PSPLIB .sm file")]
        ) from exc
    src = _Lines(path, text)
    n = src.header_value("jobs (incl. supersource/sink )", "the number of jobs, an integer")
    k = src.header_value("- renewable", "the number of renewable resources, an integer")
    for label in ("- nonrenewable", "- doubly constrained"):
        if src.header_value(label, "a count of resources, an integer"):
            at = src.find(label)
            assert at is not None
            src.fault(at + 1, repr(src.lines[at].strip()), "0: only renewable resources")
    starts = [src.find(s) for s in _SECTIONS]
    for label, at in zip(_SECTIONS, starts, strict=True):
        if at is None:
            src.fault(None, f"no {label!r} section", f"a {label!r} section")
    if src.problems or n is None or k is None or None in starts:
        raise InputError(src.problems)
    prec_at, req_at, avail_at = (s for s in starts if s is not None)
    succs = _read_precedences(src, prec_at + 2, n)
    jobs = _read_requests(src, req_at + 3, n, k)
    capacities = _read_availabilities(src, avail_at + 2, k)
    if src.problems:
        raise InputError(src.problems)
    resources = tuple(Resource(id=f"R{r + 1}", capacity=c) for r, c in enumerate(capacities))
    tasks = tuple(
        Task(
            id=str(j + 1),
            duration=dur,
            demands={f"R{r + 1}": q for r, q in enumerate(req) if q > 0},
        )
        for j, (dur, req) in enumerate(jobs)
    )
    precedences = tuple(
        Precedence(before=str(j + 1), after=str(s)) for j, ss in enumerate(succs) for s in ss
    )
    try:
        return SchedulingProblem(
            name=path.stem, tasks=tasks, resources=resources, precedences=precedences
        )
    except InputError as exc:
        where = f"lines {prec_at + 3}-{prec_at + 2 + n}"
        raise InputError(
            [Problem(str(path), where, p.value, p.expected) for p in exc.problems]
        ) from exc


def _read_precedences(src: _Lines, first: int, n: int) -> list[list[int]]:
    """Successor lists of jobs 1..n from the lines after the column header."""
    succs: list[list[int]] = [[] for _ in range(n)]
    for j in range(n):
        k = first + j
        if k >= len(src.lines):
            src.fault(None, f"{j} precedence rows", f"{n} rows, one per job")
            break
        row = src.ints(k, "integers: job number, modes, successor count, successors")
        if row is None:
            continue
        if len(row) < 3 or row[0] != j + 1:
            src.fault(k + 1, repr(src.lines[k].strip()), f"a row for job {j + 1}")
            continue
        if row[1] != 1:
            src.fault(k + 1, f"{row[1]} modes", "1 mode (single-mode .sm file)")
        if len(row) != 3 + row[2]:
            src.fault(k + 1, f"{len(row) - 3} successors", f"{row[2]} as declared")
            continue
        for s in row[3:]:
            if not 1 <= s <= n or s == j + 1:
                src.fault(k + 1, f"successor {s}", f"a job number 1..{n} other than {j + 1}")
            else:
                succs[j].append(s)
    return succs


def _read_requests(src: _Lines, first: int, n: int, k: int) -> list[tuple[int, list[int]]]:
    """(duration, demand per resource) of jobs 1..n after the header and dashes."""
    jobs: list[tuple[int, list[int]]] = []
    for j in range(n):
        at = first + j
        if at >= len(src.lines):
            src.fault(None, f"{j} request rows", f"{n} rows, one per job")
            break
        row = src.ints(at, f"integers: job number, mode, duration and {k} demands")
        if row is None:
            jobs.append((0, [0] * k))
            continue
        if len(row) != 3 + k or row[0] != j + 1:
            src.fault(
                at + 1,
                repr(src.lines[at].strip()),
                f"job {j + 1}, mode, duration and {k} demands",
            )
            jobs.append((0, [0] * k))
            continue
        jobs.append((row[2], row[3:]))
    return jobs


def _read_availabilities(src: _Lines, at: int, k: int) -> list[int]:
    """The K capacities on the line after the ``R 1 R 2 ...`` header."""
    if at >= len(src.lines):
        src.fault(None, "no availability row", f"{k} capacities")
        return [0] * k
    row = src.ints(at, f"{k} resource capacities")
    if row is None:
        return [0] * k
    if len(row) != k:
        src.fault(at + 1, f"{len(row)} capacities", f"{k}, one per renewable resource")
        return [0] * k
    return row


def read_optima(path: Path | str) -> dict[str, int]:
    """Known optimal makespans from a ``problem,optimum`` CSV, keyed by file name."""
    path = Path(path)
    optima: dict[str, int] = {}
    problems: list[Problem] = []
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise InputError(
            [Problem(str(path), "file", type(exc).__name__, "a readable CSV file")]
        ) from exc
    if not rows or [c.strip() for c in rows[0]] != ["problem", "optimum"]:
        raise InputError(
            [Problem(str(path), "line 1", repr(rows[0] if rows else ""), "header problem,optimum")]
        )
    for lineno, row in enumerate(rows[1:], start=2):
        if len(row) != 2 or not row[1].strip().isdigit():
            problems.append(Problem(str(path), f"line {lineno}", repr(row), "NAME,INTEGER"))
            continue
        optima[row[0].strip()] = int(row[1])
    if problems:
        raise InputError(problems)
    return optima


def optima_beside(paths: Iterable[Path | str]) -> dict[str, int]:
    """Optima from any ``optimum.csv`` next to the given instance files."""
    optima: dict[str, int] = {}
    for folder in sorted({Path(p).resolve().parent for p in paths}):
        table = folder / "optimum.csv"
        if table.is_file():
            optima.update(read_optima(table))
    return optima


def instance_paths(paths: Sequence[Path | str]) -> list[Path]:
    """Expand folders into their ``.sm`` files (sorted naturally), keep files."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.glob("*.sm"), key=_natural))
        else:
            out.append(p)
    return out


def _natural(p: Path) -> list[int | str]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)]
