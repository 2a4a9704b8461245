"""The REST API on SQLite and PostgreSQL: intake, filters, 404 for what one may not read,
write rules, audit, scenarios, runs, and every GET route checked against the oracle.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from peaceforce.labels import Classification, Clearance, Label, may_read
from peaceforce.scenario.model import Scenario
from peaceforce.server.api import create_app
from peaceforce.server.db import Database
from peaceforce.server.label_rows import label_id
from peaceforce.server.models import AdjudicationRow, DailyReportRow, RunRow, UserRow
from peaceforce.server.records import (
    builtin_files,
    parse_agreement_text,
    seed_builtin,
    store_agreement,
    store_scenario,
)
from peaceforce.server.users import Role, add_user
from peaceforce.server.visibility import SYSTEM

SECRET = b"s" * 48
API = "/api/v1"


@dataclass(frozen=True)
class Person:
    """A user of the test server: their headers and what the oracle needs."""

    name: str
    headers: dict[str, str]
    clearance: Clearance


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(database, SECRET), client=("127.0.0.1", 50000)) as test_client:
        yield test_client


def person(  # noqa: PLR0917 (a test helper: a user in one line)
    database: Database,
    name: str,
    nation: str,
    role: Role,
    clearance: Classification = Classification.SECRET,
    release: list[str] | None = None,
) -> Person:
    added = add_user(
        database, SECRET, name, nation=nation, role=role, clearance=clearance, release=release
    )
    return Person(name, {"Authorization": f"Bearer {added.token}"}, added.user.reader())


def report(
    ident: str, release: list[str], classification: str = "RESTRICTED", **extra: Any
) -> dict[str, Any]:
    return {
        "id": ident,
        "time": "2025-04-05T10:00:00Z",
        "lon": 37.5,
        "lat": 48.0,
        "type": "artillery",
        "source": "patrol",
        "label": {"classification": classification, "releasable_to": release},
        **extra,
    }


def test_health_needs_no_token_and_everything_else_does(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"ok": True}
    answer = client.get(f"{API}/incidents")
    assert answer.status_code == 401
    assert answer.json() == {"status": 401, "error": "a valid API token is needed", "problems": []}
    bad = client.get(f"{API}/incidents", headers={"Authorization": "Bearer pf_nonsense"})
    assert bad.status_code == 401


def test_intake_is_idempotent_and_names_a_conflicting_row(
    client: TestClient, database: Database
) -> None:
    monitor = person(database, "mon", "FRA", Role.MONITOR)
    batch = [report(f"r{n}", ["COALITION"]) for n in range(5)]
    first = client.post(f"{API}/incidents", json=batch, headers=monitor.headers)
    assert first.json() == {"received": 5, "added": 5, "duplicates": 0}
    again = client.post(
        f"{API}/incidents", json=[*batch, report("r5", ["COALITION"])], headers=monitor.headers
    )
    assert again.json() == {"received": 6, "added": 1, "duplicates": 5}
    clash = client.post(
        f"{API}/incidents",
        json=[report("r6", ["COALITION"]), report("r2", ["COALITION"], lon=30.0)],
        headers=monitor.headers,
    )
    assert clash.status_code == 409
    assert clash.json()["problems"] == [
        {
            "location": "body[1]:id",
            "value": "r2",
            "expected": "a new id, or the same content as the report stored under it",
        }
    ]
    listed = client.get(f"{API}/incidents", headers=monitor.headers).json()
    assert listed["count"] == 6  # r6 was not stored: the batch is all or nothing
    one = client.post(
        f"{API}/incidents", json=report("single", ["COALITION"]), headers=monitor.headers
    )
    assert one.json()["added"] == 1


def test_filters_and_pagination(client: TestClient, database: Database) -> None:
    monitor = person(database, "mon", "FRA", Role.MONITOR)
    batch = [
        report(
            "a",
            ["COALITION"],
            lon=30.0,
            lat=50.0,
            type="drone",
            attributed_to="RUS",
            observation="seen",
        ),
        report("b", ["COALITION"], lon=37.0, lat=48.0, time="2025-04-06T00:00:00Z"),
        report("c", ["COALITION"], lon=37.0, lat=48.0, attributed_to="UKR", observation="heard"),
        report("d", ["COALITION"], lon=38.0, lat=47.0),  # on the box's corner: inside
    ]
    assert client.post(f"{API}/incidents", json=batch, headers=monitor.headers).status_code == 200

    def ids(**params: Any) -> list[str]:
        answer = client.get(f"{API}/incidents", params=params, headers=monitor.headers)
        assert answer.status_code == 200, answer.text
        return [i["id"] for i in answer.json()["data"]]

    assert ids(bbox="36,47,38,49") == ["b", "c", "d"]
    assert ids(type="drone") == ["a"]
    assert ids(type=["drone", "artillery"]) == ["a", "b", "c", "d"]
    assert ids(party="rus") == ["a"]
    assert ids(observation="heard") == ["c"]
    assert ids(observation=["seen", "heard"]) == ["a", "c"]  # the unstated ones never
    listed = client.get(f"{API}/incidents", params={"observation": "seen"}, headers=monitor.headers)
    assert listed.json()["data"][0]["observation"] == "seen"
    assert ids(start="2025-04-06T00:00:00Z") == ["b"]
    assert ids(end="2025-04-06T00:00:00Z") == ["a", "c", "d"]
    assert ids(limit=2, offset=1) == ["b", "c"]
    assert (
        client.get(f"{API}/incidents", params={"limit": 2}, headers=monitor.headers).json()["count"]
        == 4
    )
    bad = client.get(f"{API}/incidents", params={"bbox": "40,47,38,49"}, headers=monitor.headers)
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["location"] == "bbox"


def test_a_record_one_may_not_read_is_a_404_like_one_that_does_not_exist(
    client: TestClient, database: Database
) -> None:
    monitor = person(database, "mon", "FRA", Role.MONITOR, release=["COALITION"])
    liaison = person(database, "lia", "UKR", Role.LIAISON, Classification.SECRET)
    client.post(
        f"{API}/incidents",
        json=[report("coalition-only", ["COALITION"]), report("to-ukr", ["COALITION", "UKR"])],
        headers=monitor.headers,
    )
    hidden = client.get(f"{API}/incidents/coalition-only", headers=liaison.headers)
    missing = client.get(f"{API}/incidents/no-such-id", headers=liaison.headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"] == "no incident 'coalition-only'"
    assert [
        i["id"] for i in client.get(f"{API}/incidents", headers=liaison.headers).json()["data"]
    ] == ["to-ukr"]


def test_a_writer_cannot_write_a_label_they_could_not_read(
    client: TestClient, database: Database
) -> None:
    liaison = person(database, "lia", "UKR", Role.LIAISON, Classification.RESTRICTED)
    wider = client.post(
        f"{API}/incidents", json=report("x", ["COALITION"]), headers=liaison.headers
    )
    higher = client.post(
        f"{API}/incidents", json=report("y", ["UKR"], "SECRET"), headers=liaison.headers
    )
    assert wider.status_code == higher.status_code == 422
    assert wider.json()["problems"][0]["location"] == "body[0]:label"
    ok = client.post(
        f"{API}/incidents",
        json=report("z", ["UKR"], source="party_complaint"),
        headers=liaison.headers,
    )
    assert ok.status_code == 200
    analyst = person(database, "ana", "GBR", Role.ANALYST)
    assert (
        client.post(
            f"{API}/incidents", json=report("w", ["GBR"]), headers=analyst.headers
        ).status_code
        == 403
    )


def test_audit_records_writes_failed_logins_and_classified_reads(
    client: TestClient, database: Database
) -> None:
    admin = person(database, "adm", "GBR", Role.ADMIN)
    client.post(
        f"{API}/incidents",
        json=[report("s1", ["GBR"]), report("u1", ["GBR"], "UNCLASSIFIED")],
        headers=admin.headers,
    )
    client.get(f"{API}/incidents/s1", headers=admin.headers)
    client.get(f"{API}/incidents/u1", headers=admin.headers)
    client.get(f"{API}/incidents", headers={"Authorization": "Bearer wrong"})
    entries = client.get(f"{API}/audit", headers=admin.headers).json()["data"]
    summary = [(e["action"], e["resource"], e["record"], e["user"]) for e in entries]
    assert ("read", "incidents", '["s1"]', "adm") in summary
    assert not any(a == "read" and r == '["u1"]' for a, _, r, _ in summary)
    assert ("create", "incidents", '["s1"]', "adm") in summary
    failed = [e for e in entries if e["action"] == "auth_failed"]
    assert failed and failed[0]["remote"] == "127.0.0.1" and not failed[0]["ok"]
    analyst = person(database, "ana", "GBR", Role.ANALYST)
    assert client.get(f"{API}/audit", headers=analyst.headers).status_code == 403
    with database.engine.connect() as connection, pytest.raises(Exception, match="append-only"):
        connection.exec_driver_sql("DELETE FROM audit")


def test_scenarios_from_files_with_the_cli_s_errors_and_versions(
    client: TestClient, database: Database
) -> None:
    seed_builtin(database)
    planner = person(database, "pla", "GBR", Role.PLANNER)
    files = builtin_files()
    listed = client.get(f"{API}/scenarios", headers=planner.headers).json()
    assert [s["scenario_id"] for s in listed["data"]] == ["coalition-2025"]
    broken = dict(
        files, **{"nations.yaml": files["nations.yaml"].replace("code: GBR", "code: 123", 1)}
    )
    answer = client.post(
        f"{API}/scenarios/validate", json={"files": broken}, headers=planner.headers
    )
    assert answer.status_code == 422
    assert any(p["location"].startswith("nations.yaml:line") for p in answer.json()["problems"])
    assert all("peaceforce-scenario-" not in p["location"] for p in answer.json()["problems"])
    updated = client.put(
        f"{API}/scenarios/coalition-2025", json={"files": files}, headers=planner.headers
    )
    assert updated.status_code == 200 and updated.json()["version"] == 2
    detail = client.get(f"{API}/scenarios/coalition-2025", headers=planner.headers).json()
    assert detail["version"] == 2 and detail["scenario"]["id"] == "coalition-2025"
    again = client.post(
        f"{API}/scenarios", json={"scenario": detail["scenario"]}, headers=planner.headers
    )
    assert again.status_code == 422  # the id is taken: PUT makes a new version


def test_a_run_is_computed_in_the_background_and_its_result_kept(
    client: TestClient, database: Database
) -> None:
    seed_builtin(database)
    planner = person(database, "pla", "GBR", Role.PLANNER)
    started = client.post(f"{API}/runs", json={"kind": "mandate"}, headers=planner.headers)
    assert started.status_code == 202 and started.json()["status"] in {"queued", "running", "done"}
    run = started.json()["id"]
    for _ in range(240):
        status = client.get(f"{API}/runs/{run}", headers=planner.headers).json()
        if status["status"] in {"done", "failed"}:
            break
        time.sleep(0.25)
    assert status["status"] == "done", status
    result = client.get(f"{API}/runs/{run}/result", headers=planner.headers).json()
    assert result["run_key"] == status["run_key"] and result["scenario_id"] == "coalition-2025"
    wrong = client.post(f"{API}/runs", json={"kind": "source"}, headers=planner.headers)
    assert wrong.status_code == 422
    assert "mission and framework" in wrong.json()["problems"][0]["expected"]


# --- the oracle over every GET route ------------------------------------------------

CANARY = "CANARY-{}-7f3a"
NATIONS = ["GBR", "FRA", "UKR", "RUS"]


def _label(rng: random.Random) -> dict[str, Any]:
    return {
        "classification": rng.choice(["UNCLASSIFIED", "RESTRICTED", "SECRET"]),
        "releasable_to": sorted(rng.sample(["COALITION", *NATIONS], rng.randint(1, 2))),
        "caveats": rng.choice([[], [], ["MONITORS"]]),
    }


AGREEMENT_YAML = """\
id: {ident}
name: {name}
parties:
  - {{id: UKR, name: Ukraine, holds: unoccupied}}
  - {{id: RUS, name: Russian Federation, holds: occupied}}
period: {{start: 2025-04-03, days: null}}
scope: full
clauses:
  - {{kind: demilitarised_buffer, id: art-2, width_km: 15}}
"""
#: Record names whose canary the walk looks for (a name, not an id: runs have numeric ids).
CANARY_NAME = re.compile(r"(rec|scn|agr|run|adjudication|daily_report)\d+")


def _seed_every_resource(
    database: Database, rng: random.Random, scenario: Scenario
) -> dict[str, dict[str, Label]]:
    """Records of every resource but incidents, each with a random label and a canary.

    Stored straight through the library (the walk is about reads): a scenario and a
    finished run under the same label, an agreement, an adjudication and a daily
    report. Keyed by the path parameter that names them (``run_key`` split by kind);
    each record appears under its id and under its canary's name.
    """
    made: dict[str, dict[str, Label]] = {
        "scenario_id": {},
        "run_id": {},
        "agreement_id": {},
        "adjudication": {},
        "daily_report": {},
    }
    with database.session(SYSTEM, write=True) as session:
        admin = session.execute(select(UserRow.id).limit(1)).scalar_one()
        for n in range(6):
            label = Label.model_validate(_label(rng))
            ident = f"scn{n}"
            version = scenario.model_copy(
                update={
                    "id": ident,
                    "name": CANARY.format(ident),
                    "label": label,
                    "file_labels": {},
                }
            )
            row = store_scenario(session, version, None, user_id=None)
            made["scenario_id"][ident] = label
            run = RunRow(
                kind="mandate",
                scenario_row=row.id,
                settings='{"kind": "mandate"}',
                status="done",
                progress="done",
                run_key=f"{n:016x}",
                result=json.dumps({"run_key": f"{n:016x}", "note": CANARY.format(f"run{n}")}),
                label_id=label_id(session, label),
            )
            session.add(run)
            session.flush()
            made["run_id"][str(run.id)] = label
            made["run_id"][f"run{n}"] = label

            label = Label.model_validate(_label(rng))
            ident = f"agr{n}"
            text = AGREEMENT_YAML.format(ident=ident, name=CANARY.format(ident))
            agreement = parse_agreement_text(text).model_copy(update={"label": label})
            store_agreement(session, agreement, text, user_id=admin)
            made["agreement_id"][ident] = label

            for kind, table in (
                ("adjudication", AdjudicationRow),
                ("daily_report", DailyReportRow),
            ):
                label = Label.model_validate(_label(rng))
                key = ("a" if kind == "adjudication" else "d") + f"{n:015x}"
                ident = f"{kind}{n}"
                fields: dict[str, Any] = {
                    "run_key": key,
                    "agreement_id": f"agr{n}",
                    "day": "2025-04-10",
                    "content": json.dumps({"note": CANARY.format(ident)}),
                    "label_id": label_id(session, label),
                }
                if table is DailyReportRow:
                    fields["html"] = f"<p>{CANARY.format(ident)}</p>"
                session.add(table(**fields))
                made[kind][key] = label
                made[kind][ident] = label
    return made


def _by_id(records: dict[str, Label]) -> dict[str, Label]:
    """The records under their ids (not their canary names)."""
    return {
        k: v
        for k, v in records.items()
        if not CANARY_NAME.fullmatch(k) or k.startswith(("rec", "scn", "agr"))
    }


def _records_for(path: str, made: dict[str, dict[str, Label]]) -> tuple[str, dict[str, Label]]:
    """The path parameter of ``path`` and the records whose ids fill it."""
    name = re.findall(r"\{(\w+)\}", path)[0]
    if name == "run_key":
        return name, _by_id(made["adjudication" if "/adjudications/" in path else "daily_report"])
    return name, _by_id(made[name])


#: List routes, the records they list and the field that names each.
LISTS = {
    f"{API}/incidents": ("incident_id", "id"),
    f"{API}/scenarios": ("scenario_id", "scenario_id"),
    f"{API}/agreements": ("agreement_id", "agreement_id"),
    f"{API}/runs": ("run_id", "id"),
    f"{API}/adjudications": ("adjudication", "run_key"),
    f"{API}/daily-reports": ("daily_report", "run_key"),
}


def test_every_get_route_returns_exactly_what_the_oracle_allows(
    client: TestClient, database: Database, scenario: Scenario
) -> None:
    """Random labels and users; every GET route of the OpenAPI document, with the real ids of
    every resource (readable or not) and without ids."""
    seed_builtin(database)
    rng = random.Random(13)
    writer = person(database, "root", "GBR", Role.ADMIN, release=["COALITION", *NATIONS])
    people = [
        person(database, f"u{n}", rng.choice(NATIONS), role, rng.choice(list(Classification)))
        for n, role in enumerate(
            [Role.ADMIN, Role.ANALYST, Role.LIAISON, Role.LIAISON, Role.MONITOR]
        )
    ]
    records: dict[str, Label] = {}
    for n in range(16):
        label = _label(rng)
        ident = f"rec{n}"
        body = report(
            ident, label["releasable_to"], label["classification"], description=CANARY.format(ident)
        )
        body["label"]["caveats"] = label["caveats"]
        records[ident] = Label.model_validate(body["label"])
        writer_may = may_read(
            Clearance(
                classification=Classification.SECRET,
                releasable=frozenset(["COALITION", *NATIONS]),
                caveats=frozenset(),
            ),
            records[ident],
        )
        answer = client.post(f"{API}/incidents", json=body, headers=writer.headers)
        assert answer.status_code == (200 if writer_may else 422)
        if not writer_may:
            del records[ident]
    made = {**_seed_every_resource(database, rng, scenario), "incident_id": records}
    canaries = {
        name: label
        for kind in made.values()
        for name, label in kind.items()
        if CANARY_NAME.fullmatch(name)
    }
    paths = [
        path
        for path, operations in client.get("/openapi.json").json()["paths"].items()
        if "get" in operations
    ]
    assert len(paths) >= 12
    outcomes: dict[str, set[int]] = {path: set() for path in paths if "{" in path}
    for someone in people:
        received = b""
        for path in paths:
            if "{" in path:
                name, wanted = _records_for(path, made)
                assert wanted, path
                for ident, label in wanted.items():
                    answer = client.get(path.replace(f"{{{name}}}", ident), headers=someone.headers)
                    expected = 200 if may_read(someone.clearance, label) else 404
                    assert answer.status_code == expected, (someone.name, path, ident, answer.text)
                    outcomes[path].add(answer.status_code)
                    received += answer.content
                continue
            answer = client.get(path, params={"limit": 1000}, headers=someone.headers)
            assert answer.status_code in {200, 403, 404, 409}, (path, answer.text)
            received += answer.content
            if path in LISTS:
                kind, field = LISTS[path]
                mine = _by_id(made[kind])
                allowed = {i for i, label in mine.items() if may_read(someone.clearance, label)}
                listed = {str(item[field]) for item in answer.json()["data"]}
                assert listed & set(mine) == allowed, (someone.name, path)
                if path == f"{API}/incidents":
                    assert answer.json()["count"] == len(allowed)
        for ident, label in canaries.items():
            assert (CANARY.format(ident).encode() in received) == may_read(
                someone.clearance, label
            ), (someone.name, ident)
    # every route with an id was walked with ids some could read and some could not
    assert all(seen == {200, 404} for seen in outcomes.values()), outcomes


def test_nul_in_a_url_or_a_stored_value_is_a_422_on_every_backend(
    client: TestClient, database: Database
) -> None:
    """PostgreSQL cannot hold NUL: every backend refuses it with the reason, never a 500."""
    monitor = person(database, "mon", "FRA", Role.MONITOR)
    for url in (
        f"{API}/incidents/%00",
        f"{API}/incidents?party=%00",
        f"{API}/scenarios/a%00b",
        f"{API}/agreements/%00",
    ):
        answer = client.get(url, headers=monitor.headers)
        assert answer.status_code == 422, url
        assert answer.json()["problems"][0]["expected"] == "no NUL"
    upload = client.post(
        f"{API}/incidents/import",
        files={
            "file": (
                "a.csv",
                b"id,time,lon,lat,type,source\nx\x00,2025-04-05T10:00:00Z,30,48,artillery,uav\n",
                "text/csv",
            )
        },
        headers=monitor.headers,
    )
    assert upload.status_code in {200, 422}  # SQLite stores it; PostgreSQL refuses, named
    if upload.status_code == 422:
        assert upload.json()["error"] == "the database refused a value"
