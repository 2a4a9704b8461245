"""One CSV reader for every public dataset: the file's faults as problems, rows with their line.

Public CSVs come with a byte-order mark or without, and some hold quoted fields
with line breaks (one record over several lines); :func:`read_table` reads them
with the strict reader of :mod:`peaceforce.parsing.csv`, whose ``Row`` and
``Table`` it returns, and refuses a file with any fault at all.
"""

from __future__ import annotations

from pathlib import Path

from peaceforce.errors import InputError
from peaceforce.parsing.csv import Row, Table, parse_table
from peaceforce.parsing.files import read_file
from peaceforce.parsing.limits import MAX_CSV_BYTES

__all__ = ["Row", "Table", "read_table"]


def read_table(path: Path | str, what: str = "a CSV file") -> Table:
    """Read a CSV file with a header line; ``what`` says what the file should be, for messages.

    Raises
    ------
    InputError
        Every fault: a missing, unreadable or oversized file, bytes that are not
        UTF-8, no header or a name twice in it, a broken quote, a field over the
        size limit, a row with more cells than the header.
    """
    table = parse_table(read_file(path, what, MAX_CSV_BYTES), str(path), what=what)
    if table.problems:
        raise InputError(list(table.problems))
    return table
