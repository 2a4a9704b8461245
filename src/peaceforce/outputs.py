"""Writing result files: one writer, boring and safe.

A write either replaces the whole file or leaves the old one untouched: the bytes
go to a temporary sibling, are flushed to disk, and are renamed into place; the
folder is flushed too, so the rename survives a power cut. The writer refuses to
replace what is not a regular file (a device, a folder, a pipe), keeps the mode
of the file it replaces (a 0600 store stays 0600), and writes *through* a
symbolic link on purpose: the link stays and its target gets the new content.
A SIGTERM during the write removes the temporary file before the process ends.

A set of files that belong together (a run's outputs) is written into a fresh
folder that takes the old folder's place only once every file is there
(:func:`replacing_folder`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from peaceforce.errors import InputError, Problem, SolverError


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write a file atomically (see the module's docstring for the guarantees).

    Raises
    ------
    InputError
        When the path cannot be written (a folder, a device, no permission, disk full).
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        _write(Path(path), data)
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


@contextlib.contextmanager
def replacing_folder(out: Path) -> Iterator[Path]:
    """Yield a fresh empty folder beside ``out``; when the block succeeds it becomes ``out``.

    The earlier ``out`` (if any) is moved aside, the new folder renamed into place, and
    only then the earlier one deleted. When the block fails, ``out`` is untouched and
    the fresh folder is removed.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new-"))
    try:
        staging.chmod(0o777 & ~process_umask())
        yield staging
        if not out.exists():
            staging.rename(out)
            return
        retired = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
        retired.rmdir()
        out.rename(retired)
        try:
            staging.rename(out)
        except BaseException:
            retired.rename(out)
            raise
        shutil.rmtree(retired, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


class _NotARegularFileError(OSError):
    """The path names something a file must not replace."""


def _write(path: Path, data: bytes) -> None:
    target = path.resolve() if path.is_symlink() else path
    mode = _mode_to_keep(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _terminate_raises():
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fchmod(stream.fileno(), mode)
                os.fsync(stream.fileno())
            Path(temporary).replace(target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        fsync_folder(target.parent)


def _mode_to_keep(target: Path) -> int:
    """The permission bits the new file gets: the old file's, or what ``open()`` would give."""
    try:
        found = target.stat()
    except FileNotFoundError:
        return 0o666 & ~process_umask()
    if not stat.S_ISREG(found.st_mode):
        raise _NotARegularFileError(0, "not a regular file (a folder, device or pipe)")
    return stat.S_IMODE(found.st_mode)


def fsync_folder(folder: Path) -> None:
    """Flush the folder entry, so the rename itself is on disk."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class TerminatedError(BaseException):
    """SIGTERM arrived during a write; raised so the temporary file is cleaned up."""


@contextlib.contextmanager
def _terminate_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises instead of ending the process where it stands.

    Only the main thread may set signal handlers; elsewhere the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum: int, frame: FrameType | None) -> None:
        raise TerminatedError(signum)

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    except TerminatedError:
        # The temporary file is gone; now end the way SIGTERM would have ended us.
        signal.signal(signal.SIGTERM, previous)
        os.kill(os.getpid(), signal.SIGTERM)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def process_umask() -> int:
    """The process umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
