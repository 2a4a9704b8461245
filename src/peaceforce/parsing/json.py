"""JSON within limits: size, nesting and number length checked before Python's parser runs.

Python's ``json`` raises ``RecursionError`` on a few thousand nested arrays
and ``ValueError`` on an integer of more than 4,300 digits, and reads ``NaN``,
``Infinity`` and ``1e400`` as numbers that are not finite. Here a document over
``MAX_JSON_BYTES``, nested deeper than ``MAX_JSON_DEPTH`` or holding a number
literal longer than ``MAX_JSON_NUMBER_CHARS`` is refused by a scan of its
skeleton (the text with its strings emptied, so brackets and digits inside
strings do not count), and a number that is not finite is refused as it is
read. Each fault is a :class:`~peaceforce.errors.Problem` at ``line L, column C``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np

from peaceforce.errors import InputError, Problem
from peaceforce.parsing.files import BOM, check_size, decode_text
from peaceforce.parsing.limits import MAX_JSON_BYTES, MAX_JSON_DEPTH, MAX_JSON_NUMBER_CHARS

#: A JSON string literal (unrolled, so it runs in linear time even when never closed).
_STRING = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_NUMBER_CHARS = b"-+.0123456789eE"
#: Bytes of the skeleton mapped to "0" (a character of a number literal) or " " (any other).
_AS_NUMBER = bytes(ord("0") if b in _NUMBER_CHARS else ord(" ") for b in range(256))
_LONG_NUMBER = b"0" * (MAX_JSON_NUMBER_CHARS + 1)
#: Each byte's change to the nesting depth: +1 for [ and {, -1 for ] and }.
_STEP = np.zeros(256, np.int8)
_STEP[list(b"[{")] = 1
_STEP[list(b"]}")] = -1
_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)
#: Brackets are counted in slices of this many, to bound the scan's memory.
_SLICE = 1 << 22


class _NotFiniteError(ValueError):
    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _NotFiniteError(literal)
    return value


def _refuse_constant(literal: str) -> float:
    raise _NotFiniteError(literal)


def _skeleton(text: str, *, keep_positions: bool) -> bytes:
    """The text as ASCII with every string literal emptied (blanked in place with
    ``keep_positions``); other non-ASCII characters, invalid outside strings, become ``?``."""
    if keep_positions:
        text = _STRING.sub(lambda m: '"' + " " * (len(m[0]) - 2) + '"', text)
    else:
        text = _STRING.sub('""', text)
    return text.encode("ascii", "replace")


def _too_deep(skeleton: bytes) -> int | None:
    """Index (among the skeleton's brackets) of the first bracket beyond the depth limit."""
    brackets = skeleton.translate(None, _NOT_BRACKETS)
    depth = 0
    for start in range(0, len(brackets), _SLICE):
        chunk = np.frombuffer(brackets, np.uint8, min(_SLICE, len(brackets) - start), start)
        levels = depth + np.cumsum(_STEP[chunk], dtype=np.int64)
        over = np.flatnonzero(levels > MAX_JSON_DEPTH)
        if over.size:
            return start + int(over[0])
        depth = int(levels[-1])
    return None


def _long_number(skeleton: bytes) -> int:
    """Where the first number literal over the length limit starts, or -1."""
    return skeleton.translate(_AS_NUMBER).find(_LONG_NUMBER)


def _where(text: str, index: int, first_line: int) -> str:
    line = text.count("\n", 0, index) + first_line
    column = index - text.rfind("\n", 0, index)
    return f"line {line}, column {column}"


def _check_skeleton(text: str, file: str, first_line: int) -> None:
    skeleton = _skeleton(text, keep_positions=False)
    deep = _too_deep(skeleton)
    if deep is None and _long_number(skeleton) < 0:
        return
    # the slow way, only for a document refused anyway: where is the fault in the text?
    skeleton = _skeleton(text, keep_positions=True)
    if deep is not None:
        brackets = np.flatnonzero(_STEP[np.frombuffer(skeleton, np.uint8)])
        where = _where(text, int(brackets[deep]), first_line)
        value = f"nesting deeper than {MAX_JSON_DEPTH} levels"
        expected = f"JSON nested at most {MAX_JSON_DEPTH} levels deep"
    else:
        start = _long_number(skeleton)
        length = len(skeleton.translate(_AS_NUMBER)[start:].split(b" ", 1)[0])
        where = _where(text, start, first_line)
        value = f"a number of {length:,} characters"
        expected = f"numbers of at most {MAX_JSON_NUMBER_CHARS} characters"
    raise InputError([Problem(file, where, value, expected)])


def _locate_literal(text: str, literal: str, first_line: int) -> str:
    """Where a number literal first stands on its own (not inside a longer one) in the text."""
    skeleton = _skeleton(text, keep_positions=True)
    numbers = skeleton.translate(_AS_NUMBER)
    start = skeleton.find(literal.encode("ascii"))
    while start >= 0:
        end = start + len(literal)
        alone = (start == 0 or numbers[start - 1] == ord(" ")) and (
            end == len(numbers) or numbers[end] == ord(" ")
        )
        if alone:
            return _where(text, start, first_line)
        start = skeleton.find(literal.encode("ascii"), start + 1)
    return "-"


def parse_json(source: bytes | str, file: str, *, first_line: int = 1) -> Any:
    """Parse one JSON document (UTF-8 bytes or text) within the limits of this module.

    ``file`` names the source in problems; ``first_line`` is the number of the
    text's first line in it (a line of a JSON Lines file, say).

    Raises
    ------
    InputError
        One problem: not UTF-8, too large, too deep, a number too long or not
        finite, or not well-formed JSON.
    """
    check_size(source, file, MAX_JSON_BYTES, "a JSON file")
    text = decode_text(source, file) if isinstance(source, bytes) else source.removeprefix(BOM)
    _check_skeleton(text, file, first_line)
    try:
        return json.loads(text, parse_float=_finite_float, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno + first_line - 1}, column {exc.colno}"
        raise InputError([Problem(file, where, exc.msg, "valid JSON")]) from None
    except _NotFiniteError as exc:
        where = _locate_literal(text, exc.literal, first_line)
        raise InputError([Problem(file, where, exc.literal, "a finite number")]) from None
