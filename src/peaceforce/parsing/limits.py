"""Every limit the loading layer enforces, in one place (``docs/robustness.md`` explains them).

A file or an upload beyond one of these is refused with a
:class:`~peaceforce.errors.Problem` naming where and which limit, never read
half-way, so a hostile input costs at most a bounded time and memory. The
numbers are far above what the formats hold in practice: the built-in scenario
is about 100 KB of YAML nested 7 deep, a DeepStateMap snapshot about 80 KB of
GeoJSON nested 7 deep, and UCDP's whole event dataset for Ukraine 2.5 MB of CSV
whose longest field is under 2 KB; the built-in scenario as a workbook is
about 30 KB, unpacking to about 170 KB in 26 parts.
"""

from __future__ import annotations

from typing import Final

_MIB: Final = 1024 * 1024

#: Largest YAML file (scenario files, agreements) in bytes; a text is limited to as many characters.
MAX_YAML_BYTES: Final = 16 * _MIB
#: Deepest nesting of YAML collections, aliased content included.
MAX_YAML_DEPTH: Final = 64
#: Most nodes a YAML document may become once its aliases are expanded.
MAX_YAML_NODES: Final = 500_000
#: Aliases may make a document at most this many times the nodes written so far.
YAML_ALIAS_FACTOR: Final = 10

#: Largest JSON or GeoJSON document in bytes (characters for a text).
MAX_JSON_BYTES: Final = 64 * _MIB
#: Deepest nesting of JSON arrays and objects (GeoJSON needs 7).
MAX_JSON_DEPTH: Final = 100
#: Longest JSON number literal in characters (a float needs at most 25).
MAX_JSON_NUMBER_CHARS: Final = 100

#: Largest CSV file in bytes (characters for a text).
MAX_CSV_BYTES: Final = 256 * _MIB
#: Longest CSV field in characters; Python's own default is 128 KiB.
MAX_CSV_FIELD_CHARS: Final = _MIB

#: Largest XLSX workbook in bytes, as stored (a zip archive).
MAX_XLSX_BYTES: Final = 16 * _MIB
#: Most bytes the parts of one workbook may unpack to, all parts together (zip bombs).
MAX_XLSX_UNPACKED_BYTES: Final = 64 * _MIB
#: Most parts (files inside the zip archive) of one workbook.
MAX_XLSX_PARTS: Final = 1_000
#: Most rows one sheet may hold, the header included (Excel's own limit is 1,048,576).
MAX_XLSX_ROWS: Final = 100_000
#: Most columns one sheet may hold (Excel's own limit is 16,384).
MAX_XLSX_COLUMNS: Final = 256
