"""The command-line contract of the TAK gateway: ``user add --cert``, ``serve --cot-*``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from typer.testing import CliRunner

from cot_certs import TestCa
from peaceforce.cli import app
from peaceforce.server.cot.identity import facts_of_der, read_certificate, user_for_certificate
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
