"""Solver runs that ended proven, kept by the content of what they were given.

HiGHS is deterministic: the same model, from the same start, with the same
settings, gives the same answer when no time limit cuts it short. A run that
ended so can therefore be reused for a model equal to it value for value,
provided it took no longer than the time the new run has. Sweep cases whose
settings differ only in what no model reads (a nation joining under a frame
that refuses its units, a tour length that no first tour depends on) make
such equal models again and again.

Keys are digests of the values themselves (:func:`digest`), never of object
identities, so nothing that differs is ever merged. Each process keeps its
own runs, the latest ``size``; processes of one machine that work on one job
(the workers of a local Dask cluster running a sweep) also find each other's
in a private folder (:func:`share_between_processes`), so that no equal model
is solved once per worker.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import threading
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

Kept = TypeVar("Kept")


def digest(kind: str, *parts: Any) -> bytes:
    """A digest of ``parts`` (arrays, numbers, bytes; None counts as -1), each as its values
    after its length, so that no two different sequences of parts read the same."""
    hashed = hashlib.sha256(kind.encode())
    for part in parts:
        data = (
            part
            if isinstance(part, bytes)
            else np.asarray(-1.0 if part is None else part, dtype=float).tobytes()
        )
        hashed.update(len(data).to_bytes(8, "little"))
        hashed.update(data)
    return hashed.digest()


class _Shared:
    """The folder this process's proven runs are shared in, if any."""

    folder: Path | None = None


def share_between_processes(folder: Path | None) -> None:
    """Keep proven runs in ``folder`` as well, and look there for runs of other processes.

    The folder must be private to one job (made with ``tempfile.mkdtemp``, say):
    runs are read back with ``pickle``. None stops the sharing.
    """
    _Shared.folder = folder


def _path(folder: Path, key: bytes) -> Path:
    return folder / f"{key.hex()}.pickle"


def _read(key: bytes) -> tuple[float, Any] | None:
    """A run another process kept, its arrays read-only as every reuse shares them, or None;
    a folder gone means none."""
    if _Shared.folder is None:
        return None
    try:
        found: tuple[float, Any] = pickle.loads(_path(_Shared.folder, key).read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError):
        return None
    _read_only(found)
    return found


def _read_only(value: Any) -> None:
    """Make every array in ``value`` (in tuples, lists and dataclasses, at any depth) read-only:
    pickle gives them back writable."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, tuple | list):
        for item in value:
            _read_only(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            _read_only(getattr(value, field.name))


def _write(key: bytes, kept: tuple[float, Any]) -> None:
    """Write a run aside, then rename it into place: a reader sees all of it or nothing."""
    if _Shared.folder is None:
        return
    final = _path(_Shared.folder, key)
    aside = final.with_name(f".{final.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        aside.write_bytes(pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))
        aside.replace(final)
    except OSError:  # the job ended and took the folder with it: the run stays in memory
        aside.unlink(missing_ok=True)


def forget_all() -> None:
    """Drop every run this process kept, as if it had just started (benchmarks time cold runs)."""
    for store in list(_STORES):
        store.forget()


class ProvenRuns(Generic[Kept]):
    """What proven runs gave back, by the digest of what they were given (thread-safe)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._runs: OrderedDict[bytes, tuple[float, Kept]] = OrderedDict()
        self._lock = threading.Lock()
        _STORES.add(self)

    def forget(self) -> None:
        """Drop every run kept in this process."""
        with self._lock:
            self._runs.clear()

    def get(self, key: bytes, seconds_left: float) -> Kept | None:
        """The run kept under ``key``, if it took no longer than ``seconds_left``."""
        with self._lock:
            found = self._runs.get(key)
            if found is not None:
                self._runs.move_to_end(key)
        if found is None:
            found = _read(key)
            if found is not None:  # another process's run: read from disk once, not per use
                self._remember(key, found)
        if found is None or found[0] > seconds_left:
            return None
        return found[1]

    def _remember(self, key: bytes, kept: tuple[float, Kept]) -> None:
        """Keep a run in this process, the latest ``size`` of them."""
        with self._lock:
            self._runs[key] = kept
            self._runs.move_to_end(key)
            while len(self._runs) > self.size:
                self._runs.popitem(last=False)

    def keep(self, key: bytes, kept: Kept, seconds: float) -> None:
        """Keep what a proven run gave back, and the seconds it took.

        Arrays in it are shared by every reuse: make them read-only first.
        """
        self._remember(key, (seconds, kept))
        _write(key, (seconds, kept))


#: Every store of this process, for :func:`forget_all`.
_STORES: weakref.WeakSet[ProvenRuns[Any]] = weakref.WeakSet()
