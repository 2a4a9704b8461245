"""Protected sites (power plants, substations, ports, hospitals) and their CSV reader."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from peaceforce.errors import InputError, Problem


class Site(BaseModel):
    """A protected site: a power plant, a substation, a port, a hospital..."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    name: str
    categories: frozenset[str]
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    capacity_mw: float | None = None


def load_sites(path: Path | str) -> tuple[Site, ...]:
    """Read protected sites from a CSV like the WRI power-plant database.

    Columns: ``name``, ``latitude``, ``longitude``; optional ``gppd_idnr`` or
    ``id``, ``capacity_mw``, and ``category`` (``;``-separated). Without a
    ``category`` column a row with ``primary_fuel`` is a power plant: its
    categories are ``power_plant``, ``energy_infrastructure`` and the fuel
    (``nuclear``, ``hydro``, ...).
    """
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError([Problem(file, "-", "no such file", "a CSV of sites")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            [Problem(file, "-", type(exc).__name__, "a readable UTF-8 CSV of sites")]
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = set(reader.fieldnames or [])
    if not {"name", "latitude", "longitude"} <= header:
        raise InputError(
            [Problem(file, "line 1", f"columns {sorted(header)}", "name, latitude, longitude")]
        )
    sites: list[Site] = []
    problems: list[Problem] = []
    for row in reader:
        location = f"line {reader.line_num}"
        if row.get("category"):
            categories = {c.strip().lower() for c in row["category"].split(";") if c.strip()}
        else:
            fuel = (row.get("primary_fuel") or "").strip().lower()
            categories = {"power_plant", "energy_infrastructure", fuel} - {""} if fuel else set()
        data = {
            "id": (
                row.get("id") or row.get("gppd_idnr") or f"{path.stem}-{reader.line_num}"
            ).strip(),
            "name": (row.get("name") or "").strip(),
            "categories": categories,
            "lon": row.get("longitude"),
            "lat": row.get("latitude"),
            "capacity_mw": (row.get("capacity_mw") or "").strip() or None,
        }
        try:
            sites.append(Site.model_validate(data))
        except ValidationError as exc:
            problems.extend(
                Problem(
                    file,
                    f"{location}, {e['loc'][0] if e['loc'] else ''}",
                    repr(e["input"]),
                    e["msg"],
                )
                for e in exc.errors(include_url=False)
            )
    if problems:
        raise InputError(problems)
    return tuple(sites)
