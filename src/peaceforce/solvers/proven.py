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
own runs, the latest ``size``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
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


class ProvenRuns(Generic[Kept]):
    """What proven runs gave back, by the digest of what they were given (thread-safe)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._runs: OrderedDict[bytes, tuple[float, Kept]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes, seconds_left: float) -> Kept | None:
        """The run kept under ``key``, if it took no longer than ``seconds_left``."""
        with self._lock:
            found = self._runs.get(key)
            if found is None or found[0] > seconds_left:
                return None
            self._runs.move_to_end(key)
            return found[1]

    def keep(self, key: bytes, kept: Kept, seconds: float) -> None:
        """Keep what a proven run gave back, and the seconds it took.

        Arrays in it are shared by every reuse: make them read-only first.
        """
        with self._lock:
            self._runs[key] = (seconds, kept)
            self._runs.move_to_end(key)
            while len(self._runs) > self.size:
                self._runs.popitem(last=False)
