"""The picture for offline devices: one CoT file, and a TAK data package (zip with a manifest).

ATAK and WinTAK import a data package (``Import > Local SD``) as a zip holding
``MANIFEST/manifest.xml`` (a ``MissionPackageManifest`` version 2 naming each
entry) and one ``.cot`` file per event, in a folder named after the event.
Entry names are built from the event uid with anything but letters, digits,
``.``, ``_`` and ``-`` replaced, so no uid can name a path outside the package.
"""

from __future__ import annotations

import io
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from peaceforce.outputs import write_atomic
from peaceforce.results import Result
from peaceforce.server.cot.events import OutEvent
from peaceforce.server.cot.picture import cot_document

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
#: The fixed timestamp of every zip entry, so the same picture gives the same bytes.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class CotExport(Result):
    """What ``cot export`` wrote: the two files, how many events, and of which kinds."""

    cot_file: str
    package: str
    events: int
    kinds: dict[str, int]


def _entry(uid: str, taken: set[str]) -> str:
    base = _UNSAFE.sub("_", uid)[:100].strip(".") or "event"
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    taken.add(name)
    return f"{name}/{name}.cot"


def data_package(events: Sequence[OutEvent], name: str, package_uid: str | None = None) -> bytes:
    """A TAK data package (zip) holding each event as a ``.cot`` file, with its manifest."""
    package_uid = package_uid or str(uuid.uuid4())
    manifest = ET.Element("MissionPackageManifest", {"version": "2"})
    configuration = ET.SubElement(manifest, "Configuration")
    ET.SubElement(configuration, "Parameter", {"name": "uid", "value": package_uid})
    ET.SubElement(configuration, "Parameter", {"name": "name", "value": name})
    ET.SubElement(configuration, "Parameter", {"name": "onReceiveDelete", "value": "false"})
    contents = ET.SubElement(manifest, "Contents")
    buffer = io.BytesIO()
    taken: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for event in events:
            entry = _entry(event.uid, taken)
            archive.writestr(zipfile.ZipInfo(entry, _ZIP_TIME), event.xml())
            content = ET.SubElement(contents, "Content", {"ignore": "false", "zipEntry": entry})
            ET.SubElement(content, "Parameter", {"name": "uid", "value": event.uid})
        archive.writestr(
            zipfile.ZipInfo("MANIFEST/manifest.xml", _ZIP_TIME),
            ET.tostring(manifest, encoding="utf-8", xml_declaration=True),
        )
    return buffer.getvalue()


def write_export(events: Sequence[OutEvent], folder: Path, name: str) -> CotExport:
    """Write ``<name>.cot`` and ``<name>-datapackage.zip`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    cot_file = folder / f"{name}.cot"
    package = folder / f"{name}-datapackage.zip"
    write_atomic(cot_file, cot_document(events))
    write_atomic(package, data_package(events, name))
    kinds = Counter(_kind(e) for e in events)
    return CotExport(
        cot_file=str(cot_file), package=str(package), events=len(events), kinds=dict(kinds)
    )


def _kind(event: OutEvent) -> str:
    """What an event stands for, by its uid and type: unit, zone, incident or track."""
    if event.uid.startswith("peaceforce.unit."):
        return "unit"
    if event.uid.startswith("peaceforce.zone."):
        return "drawing"
    if event.type.startswith("a-f-"):
        return "track"
    return "incident"
