"""Power plants in the columns of the WRI Global Power Plant Database.

The database (CC BY 4.0) gives each plant an id (``gppd_idnr``), a name, its
generating capacity in MW, its primary fuel and its position. The protection
stage weighs plants by capacity (nuclear plants up); the monitoring cell guards
them as protected sites. Both read the file through :func:`read_power_plants`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from peaceforce.errors import InputError, Problem
from peaceforce.sources.tables import Table, read_table

#: Columns a power-plant CSV must have (the WRI Global Power Plant Database's names).
POWER_PLANT_COLUMNS = ("name", "capacity_mw", "latitude", "longitude", "primary_fuel")
#: Optional id column; rows without it are named by their line.
ID_COLUMN = "gppd_idnr"
#: Column of each field, for messages that name what the user sees.
_COLUMN_OF = {
    "id": ID_COLUMN,
    "fuel": "primary_fuel",
    "lon": "longitude",
    "lat": "latitude",
}


class PowerPlant(BaseModel):
    """One plant: where it is, what it burns, how much it generates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    name: str
    fuel: str = Field(description="primary fuel as in the database (Nuclear, Coal, Hydro, ...)")
    capacity_mw: float = Field(gt=0)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)

    @property
    def nuclear(self) -> bool:
        """Whether a hit risks a radiological release."""
        return self.fuel.strip().lower() == "nuclear"


def power_plants_in(table: Table) -> tuple[PowerPlant, ...]:
    """The plants of a CSV already read (e.g. a sites file that turns out to be WRI's).

    Raises
    ------
    InputError
        Missing columns, unreadable numbers or coordinates out of range, every row at once.
    """
    table.require(POWER_PLANT_COLUMNS)
    plants: list[PowerPlant] = []
    problems: list[Problem] = []
    for row in table.rows:
        try:
            plants.append(
                PowerPlant.model_validate(
                    {
                        "id": row.get(ID_COLUMN) or f"line-{row.line}",
                        "name": row.get("name"),
                        "fuel": row.get("primary_fuel"),
                        "capacity_mw": row.get("capacity_mw"),
                        "lon": row.get("longitude"),
                        "lat": row.get("latitude"),
                    }
                )
            )
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                field = str(error["loc"][0]) if error["loc"] else "row"
                problems.append(
                    Problem(
                        table.file,
                        f"line {row.line}, {_COLUMN_OF.get(field, field)}",
                        repr(error.get("input")),
                        str(error["msg"]).removeprefix("Input should be "),
                    )
                )
    if problems:
        raise InputError(problems)
    return tuple(plants)


def read_power_plants(path: Path | str) -> tuple[PowerPlant, ...]:
    """Read a power-plant CSV with the WRI columns; every bad row is reported with its line."""
    return power_plants_in(read_table(path, "a power-plant CSV (WRI Global Power Plant Database)"))
