"""Writing result files so that a failure never leaves a half-written file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from peaceforce.errors import InputError, Problem, SolverError


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write a file through a temporary sibling and rename it into place.

    Raises
    ------
    InputError
        When the path cannot be written (a folder, no permission, no such device).
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        _write(path, data)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError([Problem(str(path), "-", reason, "a writable file path")]) from None


def write_highs_model(highs_model: Any, path: Path) -> None:
    """Write a HiGHS model as MPS or LP (by suffix) atomically, checking HiGHS's status."""
    if path.suffix.lower() not in {".mps", ".lp"}:
        raise InputError(
            [Problem(str(path), "-", repr(path.suffix), "a file name ending in .mps or .lp")]
        )
    with tempfile.TemporaryDirectory() as scratch:
        staged = Path(scratch) / path.name
        status = highs_model.writeModel(str(staged))
        # kWarning (e.g. about long names) still writes a valid file; kError does not.
        if str(status).rsplit(".", 1)[-1] == "kError" or not staged.is_file():
            raise SolverError(f"HiGHS could not write the model for {path} ({status})")
        write_atomic(path, staged.read_bytes())


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # mkstemp makes the file owner-only; give it the mode a plain open() would.
        Path(temporary).chmod(0o666 & ~_umask())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
