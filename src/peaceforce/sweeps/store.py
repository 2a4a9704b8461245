"""The case store: one row per solved case, addressed by its content, in partitioned Parquet.

Each case's key hashes its inputs, the scenario version (content and code) and
what it measures (:func:`peaceforce.sweeps.cases.case_keys`). Rows are written
in small files as batches finish, under ``scenario=<version>/`` (Hive
partitioning), each file written aside and renamed into place: a sweep cut off
at any moment leaves whole files only, and the next run solves just the keys
that are missing. A key found twice (two runs raced) is read once.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from peaceforce.sweeps.spec import Outcome

_INT_OUTCOMES = {
    Outcome.MISSING_PERSONNEL,
    Outcome.WORST_GAP_PERSONNEL,
    Outcome.IOC_DAY,
    Outcome.FOC_DAY,
}


def _outcome_type(outcome: Outcome) -> pa.DataType:
    if outcome is Outcome.WORST_GAP:
        return pa.string()
    return pa.int64() if outcome in _INT_OUTCOMES else pa.float64()


#: Columns of every stored case, partition column aside.
SCHEMA = pa.schema(
    [
        pa.field("key", pa.string(), nullable=False),
        pa.field("inputs", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("error", pa.string()),
        *(pa.field(o.value, _outcome_type(o)) for o in Outcome),
        pa.field("solve_seconds", pa.float64()),
    ]
)
_PARTITION = "scenario"


class CaseStore:
    """Solved cases on disk; safe to stop at any point, shared by every sweep of a scenario."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def _dataset(self, version: str) -> ds.Dataset | None:
        part = self.folder / f"{_PARTITION}={version}"
        if not part.is_dir() or not any(part.glob("*.parquet")):
            return None
        return ds.dataset(part, format="parquet", schema=SCHEMA)

    def done_keys(self, version: str) -> set[str]:
        """Keys already solved under one scenario version."""
        data = self._dataset(version)
        if data is None:
            return set()
        return set(data.to_table(columns=["key"]).column("key").to_pylist())

    def write(self, version: str, rows: Sequence[dict[str, Any]]) -> Path | None:
        """Add finished cases as one new file (written aside, then renamed into place)."""
        if not rows:
            return None
        part = self.folder / f"{_PARTITION}={version}"
        part.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(
            [{name: row.get(name) for name in SCHEMA.names} for row in rows], schema=SCHEMA
        )
        name = f"part-{uuid.uuid4().hex}.parquet"
        aside = part / f".{name}.tmp"
        pq.write_table(table, aside)
        with aside.open("rb") as written:
            os.fsync(written.fileno())
        final = part / name
        aside.replace(final)
        return final

    def read(self, version: str, keys: Iterable[str] | None = None) -> pa.Table:
        """Stored cases of one scenario version (only ``keys`` if given), one row per key."""
        data = self._dataset(version)
        if data is None:
            return SCHEMA.empty_table()
        wanted = None if keys is None else ds.field("key").isin(pa.array(sorted(set(keys))))
        table = data.to_table(filter=wanted)
        if table.num_rows == 0:
            return table
        first = (
            pa.table({"key": table.column("key"), "i": pa.array(range(table.num_rows), pa.int64())})
            .group_by("key")
            .aggregate([("i", "min")])
        )
        return table.take(first.column("i_min")).sort_by("key")
