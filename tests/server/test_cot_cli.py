"""The command-line contract of the TAK gateway: ``user add --cert``, ``serve --cot-*``."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from typer.testing import CliRunner

from cot_certs import TestCa
from peaceforce.cli import app
from peaceforce.monitoring.incidents import DEFAULT_INCIDENT_LABEL, Incident
from peaceforce.monitoring.intake import parse_cot
from peaceforce.monitoring.store.sql import SqlIncidentStore
from peaceforce.server.cot.events import OutEvent
from peaceforce.server.cot.identity import facts_of_der, read_certificate, user_for_certificate
from peaceforce.server.cot.package import data_package
from peaceforce.server.db import open_database
from peaceforce.server.settings import SECRET_ENV


@pytest.fixture
def in_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.delenv("PEACEFORCE_DATABASE_URL", raising=False)
    return tmp_path


def test_user_add_registers_a_certificate_by_fingerprint(in_folder: Path) -> None:
    issued = TestCa(in_folder / "ca").issue("field tablet 12")
    runner = CliRunner()
    args = ["user", "add", "kyiv-patrol", "--nation", "GBR", "--role", "monitor"]
    added = runner.invoke(app, [*args, "--cert", str(issued.cert), "--json"])
    assert added.exit_code == 0, added.output
    fingerprint = json.loads(added.output)["certificate"]
    found = read_certificate(issued.cert)
    assert fingerprint == found.fingerprint
    database = open_database(str(in_folder / ".peaceforce" / "peaceforce.db"))
    user = user_for_certificate(database, found)
    assert user is not None and user.name == "kyiv-patrol"
    database.dispose()
    again = runner.invoke(
        app,
        [
            "user",
            "add",
            "other",
            "--nation",
            "GBR",
            "--role",
            "monitor",
            "--cert",
            str(issued.cert),
        ],
    )
    assert again.exit_code != 0
    assert "a certificate no user has registered" in again.output


def test_user_add_refuses_a_file_that_is_no_certificate(in_folder: Path) -> None:
    bogus = in_folder / "not-a-cert.pem"
    bogus.write_text("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    result = CliRunner().invoke(
        app, ["user", "add", "x", "--nation", "GBR", "--role", "monitor", "--cert", str(bogus)]
    )
    assert result.exit_code != 0
    assert "an X.509 certificate, PEM or DER" in result.output
    assert "Traceback" not in result.output
    assert (
        not (in_folder / ".peaceforce" / "peaceforce.db").exists() or "added" not in result.output
    )


def test_serve_refuses_a_plain_port_without_its_user(in_folder: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "1", "--cot-port", "0"])
    assert result.exit_code != 0
    assert "--cot-user" in result.output


def test_facts_of_der_match_the_file(tmp_path: Path) -> None:
    issued = TestCa(tmp_path).issue("a")
    der = x509.load_pem_x509_certificate(issued.cert.read_bytes()).public_bytes(Encoding.DER)
    assert facts_of_der(der).fingerprint == read_certificate(issued.cert).fingerprint


def _incident(ident: str, releasable: list[str]) -> Incident:
    return Incident.model_validate(
        {
            "id": ident,
            "time": datetime.now(UTC).isoformat(),
            "lon": 37.8,
            "lat": 48.0,
            "type": "weapons_sighting",
            "weapon_class": "mlrs",
            "source": "uav",
            "label": {"classification": "UNCLASSIFIED", "releasable_to": releasable},
        }
    )


def test_cot_export_writes_the_users_picture_as_a_file_and_a_data_package(in_folder: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(app, ["user", "add", "monitor", "--nation", "GBR", "--role", "monitor"])
    assert added.exit_code == 0, added.output
    database = open_database(str(in_folder / ".peaceforce" / "peaceforce.db"))
    SqlIncidentStore(database).append(
        [_incident("seen-by-all", ["COALITION"]), _incident("../../ukr-only", ["UKR"])]
    )
    database.dispose()
    result = runner.invoke(app, ["cot", "export", "--user", "monitor", "--out", "tak", "--json"])
    assert result.exit_code == 0, result.output
    written = json.loads(result.output)
    assert written["events"] == 1 and written["kinds"] == {"incident": 1}
    # the CoT file reads back through the file intake as the same report
    back = parse_cot(
        Path(written["cot_file"]).read_text(encoding="utf-8"),
        file="picture.cot",
        label=DEFAULT_INCIDENT_LABEL,
    )
    assert [i.id for i in back.incidents] == ["seen-by-all"]
    assert back.incidents[0].weapon_class is not None
    with zipfile.ZipFile(written["package"]) as package:
        names = package.namelist()
        manifest = ET.fromstring(package.read("MANIFEST/manifest.xml"))
    assert names == ["seen-by-all/seen-by-all.cot", "MANIFEST/manifest.xml"]
    entries = [c.get("zipEntry") for c in manifest.iter("Content")]
    assert entries == ["seen-by-all/seen-by-all.cot"]
    unknown = runner.invoke(app, ["cot", "export", "--user", "nobody"])
    assert unknown.exit_code != 0 and "--user" in unknown.output


def test_data_package_entry_names_cannot_leave_the_package() -> None:
    now = datetime.now(UTC)
    label = DEFAULT_INCIDENT_LABEL
    events = [
        OutEvent(uid=uid, type="a-u-G", lon=1, lat=2, label=label, time=now, stale=now)
        for uid in ("../../etc/passwd", "../../etc/passwd", "/abs", "..")
    ]
    with zipfile.ZipFile(io.BytesIO(data_package(events, "p"))) as package:
        names = package.namelist()
    assert all(".." not in n.split("/") and not n.startswith("/") for n in names)
    assert len(set(names)) == len(names) == 5
