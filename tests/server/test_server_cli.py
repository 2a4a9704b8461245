"""The command-line contract: ``peaceforce user add/list/revoke``, ``monitor import --database``."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peaceforce.cli import app
from peaceforce.monitoring.store.sql import SqlIncidentStore
from peaceforce.server.db import open_database
from peaceforce.server.settings import SECRET_ENV
from peaceforce.server.users import authenticate


@pytest.fixture
def in_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.delenv("PEACEFORCE_DATABASE_URL", raising=False)
    return tmp_path


def test_user_add_prints_the_token_once_and_it_authenticates(in_folder: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(
        app,
        [
            "user",
            "add",
            "alice",
            "--nation",
            "GBR",
            "--role",
            "admin",
            "--clearance",
            "SECRET",
            "--json",
        ],
    )
    assert added.exit_code == 0, added.output
    answer = json.loads(added.output)
    assert set(answer) == {"name", "token"} and answer["name"] == "alice"
    secret = in_folder / ".peaceforce" / "secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    database = open_database(str(in_folder / ".peaceforce" / "peaceforce.db"))
    user = authenticate(database, secret.read_bytes().strip(), answer["token"])
    assert user is not None and user.releasable == ("COALITION", "GBR")
    assert (
        answer["token"].encode() not in (in_folder / ".peaceforce" / "peaceforce.db").read_bytes()
    )

    listed = json.loads(runner.invoke(app, ["user", "list", "--json"]).output)
    assert [(u["name"], u["role"], u["clearance"]) for u in listed] == [
        ("alice", "admin", "SECRET")
    ]
    assert "token" not in listed[0]
    assert runner.invoke(app, ["user", "revoke", "alice"]).exit_code == 0
    assert authenticate(database, secret.read_bytes().strip(), answer["token"]) is None


def test_user_add_refuses_bad_input_with_problems(in_folder: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["user", "add", "bob", "--nation", "XXX", "--role", "king", "--json"])
    assert bad.exit_code == 2
    assert json.loads(bad.output)["problems"][0]["file"] == "--role"
    liaison = runner.invoke(
        app,
        [
            "user",
            "add",
            "ivan",
            "--nation",
            "RUS",
            "--role",
            "liaison",
            "--release",
            "COALITION",
            "--json",
        ],
    )
    assert liaison.exit_code == 2
    assert json.loads(liaison.output)["problems"][0]["file"] == "--release"
    runner.invoke(app, ["user", "add", "bob", "--nation", "FRA", "--role", "analyst"])
    again = runner.invoke(
        app, ["user", "add", "bob", "--nation", "FRA", "--role", "analyst", "--json"]
    )
    assert again.exit_code == 2


def test_a_secret_readable_by_others_is_refused(in_folder: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["user", "add", "a", "--nation", "GBR", "--role", "analyst"])
    (in_folder / ".peaceforce" / "secret").chmod(0o644)
    refused = runner.invoke(
        app, ["user", "add", "b", "--nation", "GBR", "--role", "analyst", "--json"]
    )
    assert refused.exit_code == 2
    assert "0600" in refused.output


def test_monitor_import_into_the_database(in_folder: Path) -> None:
    feed = in_folder / "feed.csv"
    feed.write_text(
        "id,time,lon,lat,type,source\n"
        "p1,2025-04-05T10:00:00Z,37.5,48.0,artillery,patrol\n"
        "p2,2025-04-05T11:00:00Z,37.6,48.1,explosion,uav\n",
        encoding="utf-8",
    )
    target = str(in_folder / "db.sqlite")
    runner = CliRunner()
    first = runner.invoke(app, ["monitor", "import", str(feed), "--database", target, "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["accepted"] == 2
    again = json.loads(
        runner.invoke(app, ["monitor", "import", str(feed), "--database", target, "--json"]).output
    )
    assert (again["accepted"], again["duplicates"], again["stored"]) == (0, 2, 2)
    assert [i.id for i in SqlIncidentStore(target).query()] == ["p1", "p2"]
    both = runner.invoke(
        app, ["monitor", "import", str(feed), "--database", target, "--store", "x.jsonl"]
    )
    assert both.exit_code == 2
