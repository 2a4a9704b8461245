"""``peaceforce cot export``: the TAK picture as files, for devices off the network.

Thin wrapper over ``peaceforce.server.cot``: options are parsed here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from peaceforce.cli.common import JsonOption, console, new_group
from peaceforce.cli.server import DatabaseOption, _database
from peaceforce.presentation.text import plain

cot_app = new_group(
    "cot", "The TAK picture (laydown, agreement zones, incidents) as CoT for offline devices."
)


@cot_app.command("export")
def export(
    user: Annotated[
        str,
        typer.Option("--user", help="Whose picture: only what this user may read is written."),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write the two files into.")
    ] = Path(),
    name: Annotated[
        str, typer.Option("--name", help="File name stem of the CoT file and the package.")
    ] = "peaceforce-picture",
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the picture the TAK gateway sends a user as NAME.cot and NAME-datapackage.zip.

    The data package (a zip with MANIFEST/manifest.xml) imports into ATAK and WinTAK;
    the .cot file is the same events side by side (``monitor import`` reads it too).
    """
    from peaceforce.errors import InputError, Problem
    from peaceforce.server.cot.identity import user_by_name
    from peaceforce.server.cot.package import write_export
    from peaceforce.server.cot.picture import load_picture
    from peaceforce.server.visibility import SYSTEM

    if not name or name != Path(name).name or name.startswith("."):
        raise InputError([Problem("--name", "-", repr(name), "a plain file name stem")])
    opened = _database(database)
    reader = user_by_name(opened, user, option="--user")
    with opened.session(SYSTEM) as session:
        picture = load_picture(session)
    written = write_export(picture.visible_to(reader.reader()), out, name)
    if as_json:
        sys.stdout.write(written.model_dump_json(indent=2) + "\n")
        return
    table = Table(title=f"TAK picture for {reader.name}: {written.events} event(s)")
    table.add_column("kind")
    table.add_column("events", justify="right")
    for kind, count in sorted(written.kinds.items()):
        table.add_row(kind, f"{count:,}")
    console.print(table)
    console.print(plain(f"wrote {written.cot_file} and {written.package}"))


__all__ = ["cot_app"]
