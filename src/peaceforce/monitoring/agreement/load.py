"""Reading ``agreement.yaml``: every fault named with its file, line and field, all at once.

Example ``agreement.yaml``::

    id: minsk-ii
    name: Package of measures (Minsk II)
    label: {classification: RESTRICTED, releasable_to: [COALITION, UKR, RUS]}   # optional
    parties:
      - {id: UKR, name: Ukraine, holds: unoccupied}
      - {id: RUS, name: Russian Federation and forces it backs, holds: occupied}
    period: {start: 2015-02-15, days: null}        # null: open-ended
    scope: full                                     # or {kind: partial, domains: [black_sea]}
    clauses:
      - {kind: no_fire_across_line, id: art1}
      - {kind: demilitarised_buffer, id: buffer, width_km: 15}
      - {kind: heavy_weapon_withdrawal, id: art2,
         security_zone_km: {artillery_100mm_plus: 50, mlrs: 70, heavy_mlrs: 140}}
      - {kind: protected_sites, id: energy, categories: [power_plant], radius_km: 5}
      - {kind: no_naval_attacks, id: sea, zone: {type: Polygon, coordinates: [...]}}
      - {kind: window_of_silence, id: harvest,
         windows: [{start: 2020-07-27T00:00:00Z, end: 2020-08-27T00:00:00Z}]}

Without ``label`` the agreement is UNCLASSIFIED and releasable to ``COALITION``
and to every party: the parties must be able to read what they signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from peaceforce.errors import InputError, Problem
from peaceforce.monitoring.agreement.model import Agreement
from peaceforce.parsing import format_path, parse_yaml, read_file
from peaceforce.parsing.limits import MAX_YAML_BYTES
from peaceforce.results import Result


def parse_agreement(source: bytes | str, *, file: str = "<agreement>") -> Agreement:
    """Validate an ``agreement.yaml`` (bytes or text); ``InputError`` lists every fault, by line."""
    document = parse_yaml(source, file)
    data = document.data
    if not isinstance(data, Mapping):
        raise InputError(
            [Problem(file, "line 1", type(data).__name__, "a mapping with id, name, parties, ...")]
        )
    try:
        return Agreement.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = []
        for error in errors:
            loc = error["loc"]
            # a list too short only because one of its items failed says nothing new
            if error["type"] == "too_short" and any(
                e["loc"][: len(loc)] == loc and e is not error for e in errors
            ):
                continue
            line, path = document.locate(loc)
            value = error["input"]
            shown = repr(value) if not isinstance(value, Mapping | list) else type(value).__name__
            shown = "nothing" if error["type"] == "missing" else shown
            where = f"line {line}: {format_path(path) or '(top level)'}"
            problems.append(Problem(file, where, shown[:80], error["msg"]))
        raise InputError(problems) from None


def load_agreement(path: Path | str) -> Agreement:
    """Read and validate ``agreement.yaml``."""
    return parse_agreement(
        read_file(path, "an agreement YAML file", MAX_YAML_BYTES), file=str(path)
    )


def builtin_agreements() -> dict[str, Path]:
    """The sample agreements shipped inside the package, by name."""
    folder = Path(str(resources.files("peaceforce") / "data" / "agreements"))
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))}


def agreement_path(name_or_path: Path | str) -> Path:
    """An agreement file: an existing path, else a built-in agreement of that name."""
    path = Path(name_or_path)
    if path.exists():
        return path
    builtin = builtin_agreements()
    if str(name_or_path) in builtin:
        return builtin[str(name_or_path)]
    raise InputError(
        [
            Problem(
                str(name_or_path),
                "-",
                "no such file",
                f"an agreement YAML file or a built-in agreement: {', '.join(builtin)}",
            )
        ]
    )


class AgreementCheck(Result):
    """The outcome of checking an agreement file: where it was found, and the agreement."""

    ok: bool
    file: str
    agreement: Agreement


def check_agreement(name_or_path: Path | str) -> AgreementCheck:
    """Find an agreement (a path or a built-in name) and validate it; ``InputError`` if bad."""
    path = agreement_path(name_or_path)
    return AgreementCheck(ok=True, file=str(path), agreement=load_agreement(path))
