"""Protected sites (power plants, substations, ports, hospitals) and their CSV reader."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from peaceforce.errors import InputError, Problem
from peaceforce.sources.power_plants import power_plants_in
from peaceforce.sources.tables import read_table


class Site(BaseModel):
    """A protected site: a power plant, a substation, a port, a hospital..."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    name: str
    categories: frozenset[str]
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    capacity_mw: float | None = None


def _plant_categories(fuel: str) -> frozenset[str]:
    """A power plant is energy infrastructure of its fuel (``nuclear``, ``hydro``, ...)."""
    return frozenset({"power_plant", "energy_infrastructure", fuel.strip().lower()} - {""})


def load_sites(path: Path | str) -> tuple[Site, ...]:
    """Read protected sites from a CSV: the WRI power-plant database or any list of sites.

    A file with ``primary_fuel`` and no ``category`` column is WRI's, read by
    :func:`peaceforce.sources.power_plants.power_plants_in`. Any other needs
    ``name``, ``latitude``, ``longitude``; optional ``id`` (or ``gppd_idnr``),
    ``capacity_mw``, ``category`` (``;``-separated) and ``primary_fuel``. A power
    plant's categories are ``power_plant``, ``energy_infrastructure`` and its fuel.
    """
    table = read_table(path, "a CSV of sites")
    table.require(("name", "latitude", "longitude"))
    if "primary_fuel" in table.columns and "category" not in table.columns:
        return tuple(
            Site(
                id=p.id,
                name=p.name,
                categories=_plant_categories(p.fuel),
                lon=p.lon,
                lat=p.lat,
                capacity_mw=p.capacity_mw,
            )
            for p in power_plants_in(table)
        )
    stem = Path(path).stem
    sites: list[Site] = []
    problems: list[Problem] = []
    for row in table.rows:
        categories = frozenset(
            c.strip().lower() for c in row.get("category").split(";") if c.strip()
        )
        if not categories and row.get("primary_fuel"):
            categories = _plant_categories(row.get("primary_fuel"))
        data = {
            "id": row.get("id") or row.get("gppd_idnr") or f"{stem}-{row.line}",
            "name": row.get("name"),
            "categories": categories,
            "lon": row.get("longitude"),
            "lat": row.get("latitude"),
            "capacity_mw": row.get("capacity_mw") or None,
        }
        try:
            sites.append(Site.model_validate(data))
        except ValidationError as exc:
            problems.extend(
                Problem(
                    table.file,
                    f"line {row.line}, {e['loc'][0] if e['loc'] else ''}",
                    repr(e["input"]),
                    e["msg"],
                )
                for e in exc.errors(include_url=False)
            )
    if problems:
        raise InputError(problems)
    return tuple(sites)
