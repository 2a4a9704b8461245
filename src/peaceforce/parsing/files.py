"""Bytes from a path and text from bytes, each fault a :class:`~peaceforce.errors.Problem`.

A path may name a folder, a device, a pipe that never ends or a file far larger
than any real input; :func:`read_file` refuses each before reading a byte (a
pipe is opened without blocking, so it cannot hang the reader) and never reads
more than the limit it is given.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from peaceforce.errors import InputError, Problem

#: A byte-order mark: editors on Windows put one before the first character.
BOM = "\ufeff"


def _refuse(file: str, value: str, expected: str) -> InputError:
    return InputError([Problem(file, "-", value, expected)])


def read_file(path: Path | str, what: str, max_bytes: int, *, name: str | None = None) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; ``what`` says what it should be.

    ``name`` is how problems name the file (by default its path).

    Raises
    ------
    InputError
        No such file, a folder, not a regular file (a device, a pipe, a socket),
        larger than ``max_bytes``, or unreadable.
    """
    file = str(path) if name is None else name
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise _refuse(file, "no such file", what) from None
    except OSError as exc:
        raise _refuse(file, exc.strerror or type(exc).__name__, what) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise _refuse(file, "a folder", what)
        if not stat.S_ISREG(mode):
            raise _refuse(file, "not a regular file (a device, pipe or socket)", what)
        data = _read_at_most(descriptor, max_bytes + 1)
    except OSError as exc:
        raise _refuse(file, exc.strerror or type(exc).__name__, what) from None
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        raise _refuse(
            file, f"more than {max_bytes:,} bytes", f"{what} of at most {max_bytes:,} bytes"
        )
    return data


def _read_at_most(descriptor: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(descriptor, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def decode_text(data: bytes, file: str, encodings: Sequence[str] = ("utf-8",)) -> str:
    """Text from bytes in the first of ``encodings`` that fits, without a byte-order mark.

    Raises
    ------
    InputError
        When no encoding fits: the line and offset of the first byte the last
        encoding tried cannot read.
    """
    *first, last = encodings
    for encoding in first:
        try:
            return data.decode(encoding).removeprefix(BOM)
        except UnicodeDecodeError:
            continue
    try:
        return data.decode(last).removeprefix(BOM)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        value = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
        names = " or ".join(_ENCODING_NAMES.get(e, e) for e in encodings)
        raise InputError([Problem(file, f"line {line}", value, f"{names} text")]) from None


_ENCODING_NAMES = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}


def check_size(source: bytes | str, file: str, max_bytes: int, what: str) -> None:
    """Refuse bytes over ``max_bytes`` (a text over as many characters) before parsing them."""
    if len(source) > max_bytes:
        unit = "bytes" if isinstance(source, bytes) else "characters"
        raise _refuse(file, f"{len(source):,} {unit}", f"{what} of at most {max_bytes:,} {unit}")
