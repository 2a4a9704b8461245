"""The one loading layer: bytes from files, YAML, JSON and CSV, each fault a ``Problem``.

Every reader of the product reads through these functions, so a hostile or
careless file meets the same defences wherever it comes in (a scenario folder,
an agreement, an incident feed, a public dataset): a size limit before any
parsing, limits on nesting and expansion while parsing, and a
:class:`~peaceforce.errors.InputError` naming the file, the line or field, the
value found and what was expected as the only way out for bad input. The
limits are in :mod:`peaceforce.parsing.limits`.
"""

from __future__ import annotations

from peaceforce.parsing.csv import Row, Table, parse_table
from peaceforce.parsing.files import decode_text, read_file
from peaceforce.parsing.json import parse_json
from peaceforce.parsing.yaml import YamlDocument, YamlPath, format_path, parse_yaml

__all__ = [
    "Row",
    "Table",
    "YamlDocument",
    "YamlPath",
    "decode_text",
    "format_path",
    "parse_json",
    "parse_table",
    "parse_yaml",
    "read_file",
]
