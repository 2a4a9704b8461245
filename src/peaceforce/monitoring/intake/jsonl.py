"""JSON Lines: one incident object a line, the incident store's own format."""

from __future__ import annotations

from peaceforce.errors import InputError
from peaceforce.labels import Label
from peaceforce.monitoring.intake.common import RECORD_FIELDS, Collector, IntakeResult
from peaceforce.parsing import parse_json


def parse_jsonl(text: str, *, file: str, label: Label | None, first_line: int = 1) -> IntakeResult:
    """Read JSON Lines text; an object without ``label`` gets ``label``.

    With ``label`` ``None`` every object must carry its own, as in a store,
    whose records are labelled when they are accepted. ``first_line`` is the
    number of the text's first line in its file, for messages.
    """
    collector = Collector(file)
    where = {f: f for f in (*RECORD_FIELDS, "label")}
    # split on "\n" only: str.splitlines also breaks at U+2028 and U+0085, which JSON leaves raw
    for number, line in enumerate(text.split("\n"), start=first_line):
        if not line.strip():
            continue
        location = f"line {number}"
        try:
            data = parse_json(line, file, first_line=number)
        except InputError as exc:
            collector.rejected.extend(exc.problems)
            continue
        if not isinstance(data, dict):
            collector.reject(location, type(data).__name__, "a JSON object")
            continue
        if label is not None:
            data.setdefault("label", label)
        collector.validate(data, location, where)
    return collector.result()
