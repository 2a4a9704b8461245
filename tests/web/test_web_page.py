"""The web page end to end: ``peaceforce serve`` on 127.0.0.1 and Debian's Chromium.

One server (a temporary SQLite database, the built-in plan computed on start)
and one browser serve the whole module; each test opens its own browser context
that lets nothing leave 127.0.0.1 and fails on any request that goes elsewhere
or fails. The numbers the page shows are checked against the TPFDD computed
here from the plan run's result, not against the page's own API.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

import peaceforce
from peaceforce.deployment.planner import DeploymentResult
from peaceforce.presentation.tpfdd import Calendar, tpfdd_rows
from peaceforce.scenario.model import Scenario
from peaceforce.server.db import migrate, open_database
from peaceforce.server.users import Role, add_user
from peaceforce.server.web import is_built

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import (
    Browser,
    Page,
    Request,
    Response,
    Route,
    sync_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SECRET = "w" * 48
REFERENCE = Path(__file__).with_name("reference") / "planner-map.png"
#: Set to write the reference screenshot (and docs/web.png) instead of comparing.
UPDATE = os.environ.get("PEACEFORCE_UPDATE_SCREENSHOTS") == "1"
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "web.png"
#: A pixel counts as changed when a channel differs by more than this (0-255).
PIXEL_TOLERANCE = 48
#: The screenshot matches when at most this share of its pixels changed.
CHANGED_SHARE = 0.03
#: Layers drawn from the plan, left out of the reference screenshot.
PLANNED_LAYERS = ("units", "air_defence", "incidents")
COALITION_ONLY = "coalition-only-report"
SHARED = "shared-report"

if not (CHROMIUM.exists() and is_built()):
    missing = "Debian's chromium" if not CHROMIUM.exists() else "the built page (make web)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing} is missing: .ci/run installs it", pytrace=False)
    pytest.skip(f"{missing} is missing", allow_module_level=True)


@dataclass
class Served:
    """The running server: its address and the users' tokens."""

    url: str
    tokens: dict[str, str]
    outside: list[str] = field(default_factory=list)

    def get(self, path: str, user: str) -> Any:
        """A GET on the API as ``user``."""
        answer = httpx.get(
            f"{self.url}/api/v1{path}",
            headers={"Authorization": f"Bearer {self.tokens[user]}"},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()

    def post(self, path: str, user: str, body: Any) -> Any:
        """A POST on the API as ``user``."""
        answer = httpx.post(
            f"{self.url}/api/v1{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.tokens[user]}"},
            timeout=30,
        )
        assert answer.status_code < 300, answer.text
        return answer.json()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _report(ident: str, release: list[str]) -> dict[str, Any]:
    return {
        "id": ident,
        "time": "2026-08-20T10:00:00Z",
        "lon": 37.62 if ident == SHARED else 35.9,
        "lat": 47.95 if ident == SHARED else 47.62,
        "type": "artillery",
        "source": "patrol",
        "description": ident,
        "label": {"classification": "UNCLASSIFIED", "releasable_to": release},
    }


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[Served]:
    """``peaceforce serve`` with the built-in plan, a planner, a monitor and a liaison."""
    folder = tmp_path_factory.mktemp("web")
    database_path = folder / "web.db"
    database = open_database(str(database_path))
    migrate(database)
    tokens = {
        name: add_user(database, SECRET.encode(), name, nation=nation, role=role).token
        for name, nation, role in (
            ("planner", "GBR", Role.PLANNER),
            ("monitor", "FRA", Role.MONITOR),
            ("liaison", "UKR", Role.LIAISON),
        )
    }
    database.dispose()
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "peaceforce",
        "serve",
        "--port",
        str(port),
        "--database",
        str(database_path),
        "--snapshots",
        str(shared_data / "frontline"),
        "--regions",
        str(shared_data / "boundaries/ukraine_adm1_geoboundaries.geojson"),
        "--sites",
        str(shared_data / "infrastructure/power_plants_ukraine.csv"),
        "--plan-builtin",
    ]
    # the server runs this checkout's package, wherever the test runs it from
    source = str(Path(peaceforce.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH", "")) if p)
    environment = {**os.environ, "PEACEFORCE_SECRET": SECRET, "PYTHONPATH": path}
    log = (folder / "serve.log").open("w")
    server = subprocess.Popen(command, cwd=folder, env=environment, stdout=log, stderr=log)
    served = Served(f"http://127.0.0.1:{port}", tokens)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (folder / "serve.log").read_text()
            try:
                if httpx.get(f"{served.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer in 120 s"
            time.sleep(0.2)
        agreement = Path(__file__).resolve().parents[2] / "src/peaceforce/data/agreements"
        text = (agreement / "ceasefire-2025.yaml").read_text(encoding="utf-8")
        served.post("/agreements", "monitor", {"text": text})
        served.post(
            "/incidents",
            "monitor",
            [_report(SHARED, ["COALITION", "UKR"]), _report(COALITION_ONLY, ["COALITION"])],
        )
        while not any(
            r["kind"] == "plan" and r["status"] == "done"
            for r in served.get("/runs", "planner")["data"]
        ):
            assert time.monotonic() < deadline + 180, "the built-in plan took over 5 minutes"
            time.sleep(0.5)
        yield served
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        yield launched
        launched.close()


class Pages:
    """One logged-in page per user for the module, in contexts that keep to 127.0.0.1.

    Every request beyond the server is aborted and recorded, and so is every failed
    request; the API responses each user's page received are kept for inspection.
    """

    def __init__(self, browser: Browser, served: Served) -> None:
        self.browser = browser
        self.served = served
        self.pages: dict[str, Page] = {}
        self.responses: dict[str, list[Response]] = {}
        self.outside: list[str] = []
        self.failed: list[str] = []

    def _block(self, route: Route) -> None:
        if route.request.url.startswith((self.served.url, "data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _failure(self, request: Request) -> None:
        self.failed.append(f"{request.url} {request.failure}")

    def __call__(self, user: str) -> Page:
        """``user``'s page, logged in with their token and the picture loaded."""
        if user in self.pages:
            return self.pages[user]
        context = self.browser.new_context(
            viewport={"width": 1600, "height": 950}, accept_downloads=True
        )
        context.route("**/*", self._block)
        page = context.new_page()
        page.on("requestfailed", self._failure)
        received = self.responses.setdefault(user, [])
        page.on("response", lambda r: received.append(r) if "/api/" in r.url else None)
        page.goto(self.served.url + "/")
        page.fill("#token", self.served.tokens[user])
        page.click("#login button[type=submit]")
        page.wait_for_selector("body[data-ready=true]", timeout=120_000)
        self.pages[user] = page
        return page

    def close(self) -> None:
        """Close every page's context."""
        for page in self.pages.values():
            page.context.close()


@pytest.fixture(scope="module")
def pages(browser: Browser, served: Served) -> Iterator[Pages]:
    """The module's pages; nothing may leave 127.0.0.1, and no request may fail."""
    opened = Pages(browser, served)
    yield opened
    opened.close()
    assert opened.outside == [], f"requests beyond 127.0.0.1: {opened.outside}"
    assert opened.failed == [], f"failed requests: {opened.failed}"


def _settled(page: Page) -> None:
    """Wait until the map has its data and has drawn a frame with it.

    (A frame after a change compiles its shaders first: slow in a software renderer.)
    """
    page.wait_for_function(
        "() => window.peaceforce.map.loaded() && window.peaceforce.map.areTilesLoaded()",
        timeout=120_000,
    )
    page.evaluate(
        "() => new Promise((done) => { window.peaceforce.map.once('render', done);"
        " window.peaceforce.map.triggerRepaint(); })"
    )


def _in_theatre(deployment: DeploymentResult, scenario: Scenario) -> dict[str, int]:
    """Each unit's day in theatre as the TPFDD says: the last arrival of its legs with an RDD."""
    arrived: dict[str, int] = {}
    for row in tpfdd_rows(deployment, Calendar.of(scenario)):
        if row["kind"] == "deployment" and row["rdd_day"] is not None:
            arrived[row["requirement"]] = max(
                arrived.get(row["requirement"], 0), row["arrival_day"]
            )
    return arrived


def test_a_planner_sees_the_line_a_symbol_per_sourced_nation_and_the_reference_view(
    served: Served, pages: Pages
) -> None:
    page = pages("planner")
    page.wait_for_selector("body[data-plan=ready]", timeout=60_000)
    _settled(page)
    picture = served.get("/picture/plan", "planner")
    option = picture["options"][0]
    line = page.evaluate(
        "window.peaceforce.map.queryRenderedFeatures({layers: ['frontline-line']}).length"
    )
    assert line > 0
    nations = page.evaluate(
        "[...new Set(window.peaceforce.map.queryRenderedFeatures({layers: ['units-symbol']})"
        ".map((f) => f.properties.nation))]"
    )
    assert set(option["nations"]) <= set(nations)
    sites = page.evaluate(
        "window.peaceforce.map.queryRenderedFeatures({layers: ['zones-sites']}).length"
    )
    assert sites > 0, "the protected sites of the agreement's zones are drawn"
    # the token lives in memory only
    stored = page.evaluate(
        "JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie"
    )
    assert served.tokens["planner"] not in stored

    if UPDATE:
        page.screenshot(path=str(DOCS_SCREENSHOT))
    # the reference view holds what the public data decides (basemap, oblasts, settlements,
    # the line, zones and sites), not what a change to the planners' models may move
    for layer in PLANNED_LAYERS:
        page.uncheck(f"#layers input[data-layer={layer}]")
    _settled(page)
    shot = Image.open(io.BytesIO(page.locator("#map").screenshot())).convert("RGB")
    for layer in PLANNED_LAYERS:
        page.check(f"#layers input[data-layer={layer}]")
    if UPDATE:
        REFERENCE.parent.mkdir(exist_ok=True)
        shot.resize((shot.width // 2, shot.height // 2)).save(REFERENCE, optimize=True)
    reference = Image.open(REFERENCE).convert("RGB")
    small = np.asarray(shot.resize(reference.size), dtype=np.int16)
    difference = np.abs(small - np.asarray(reference, dtype=np.int16)).max(axis=2)
    share = float((difference > PIXEL_TOLERANCE).mean())
    assert share <= CHANGED_SHARE, f"{share:.1%} of the map differs from {REFERENCE.name}"

    # under the cursor: latitude, longitude and the MGRS grid reference; a scale bar
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    cursor = page.inner_text("#cursor")
    assert re.fullmatch(r"\d+\.\d{4}° N \d+\.\d{4}° E · MGRS \d{2}[C-X][A-Z]{2}\d{10}", cursor)
    assert "km" in page.inner_text(".maplibregl-ctrl-scale")


def test_the_slider_replays_the_deployment_as_the_tpfdd_says(
    served: Served, pages: Pages, scenario: Scenario
) -> None:
    page = pages("planner")
    page.wait_for_selector("body[data-plan=ready]", timeout=60_000)
    picture = served.get("/picture/plan", "planner")
    result = served.get(f"/runs/{picture['run_id']}/result", "planner")
    deployment = DeploymentResult.model_validate(result["deployments"][0])
    arrived = _in_theatre(deployment, scenario)
    option = picture["options"][0]
    seen = []
    for day in sorted({0, *arrived.values(), option["last_day"]})[::3]:
        page.evaluate(
            "(day) => { const s = document.querySelector('#day'); s.value = String(day);"
            " s.dispatchEvent(new Event('input')); }",
            day,
        )
        count = int(page.get_attribute("#units-in-theatre", "data-count") or "-1")
        assert count == sum(1 for d in arrived.values() if d <= day), f"day {day}"
        seen.append(count)
    assert len(set(seen)) >= 3, "the count in theatre changes as units arrive"
    for name, day in (("IOC", deployment.ioc.day), ("FOC", deployment.foc.day)):
        tick = page.inner_text(f"#ticks [data-milestone={name}]")
        assert tick.startswith(f"{name} D+{day}" if day is not None else f"{name} not reached")


def test_a_monitor_submits_an_incident_with_its_label_and_sees_it(
    served: Served, pages: Pages
) -> None:
    page = pages("monitor")
    page.click("#tabs button[data-tab=incident]")
    form = page.locator("#incident-form")
    form.locator("[name=lon]").fill("36.25")
    form.locator("[name=lat]").fill("47.50")
    form.locator("[name=time]").fill("2026-08-21T09:30")
    form.locator("[name=type]").select_option("mlrs")
    form.locator("[name=description]").fill("submitted from the page")
    form.locator("[name=releasable_to]").fill("COALITION, UKR")
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        "() => document.querySelector('#incident-result').dataset.id", timeout=20_000
    )
    ident = page.get_attribute("#incident-result", "data-id")
    stored = {i["id"]: i for i in served.get("/incidents?limit=1000", "monitor")["data"]}
    assert ident in stored
    assert stored[ident]["label"]["releasable_to"] == ["COALITION", "UKR"]
    assert stored[ident]["description"] == "submitted from the page"
    drawn = page.evaluate(
        "window.peaceforce.state.layers.incidents.features.map((f) => f.properties.id)"
    )
    assert ident in drawn


def test_a_liaison_sees_no_coalition_only_record(served: Served, pages: Pages) -> None:
    page = pages("liaison")
    page.wait_for_selector("body[data-plan=none]", timeout=60_000)
    bodies = [r.text() for r in pages.responses["liaison"]]
    drawn = page.evaluate(
        "window.peaceforce.state.layers.incidents.features.map((f) => f.properties.id)"
    )
    assert SHARED in drawn
    assert COALITION_ONLY not in drawn
    planned = served.get("/picture/plan", "planner")
    everything = "\n".join(bodies) + page.content()
    assert COALITION_ONLY not in everything
    assert planned["run_key"] not in everything, "the coalition's plan reached the liaison"


def test_the_pickers_and_the_exports(served: Served, pages: Pages) -> None:
    """The front line's date picker and the threat picker change what is drawn; exports."""
    page = pages("planner")
    with page.expect_download() as png:
        page.click("#export-png")
    picture = png.value.path().read_bytes()
    assert picture.startswith(b"\x89PNG") and len(picture) > 20_000

    first = served.get("/picture/context", "planner")["snapshots"][0]
    page.select_option("#snapshot", first)
    page.wait_for_function(
        "(day) => window.peaceforce.state.layers.frontline.features[0].properties.as_of === day",
        arg=first,
        timeout=60_000,
    )
    page.select_option("#export-layer", "frontline")
    with page.expect_download() as geojson:
        page.click("#export-geojson")
    layer = json.loads(geojson.value.path().read_text(encoding="utf-8"))
    assert layer["type"] == "FeatureCollection"
    assert {f["properties"]["kind"] for f in layer["features"]} == {"line_of_contact", "occupied"}
    assert layer["features"][0]["properties"]["as_of"] == first

    threats = page.eval_on_selector_all(
        "#threat option", "(options) => options.map((o) => o.value)"
    )
    assert threats[0] == "" and len(threats) > 2, "all, and each threat class of the mix"
    page.select_option("#threat", threats[1])
    drawn = page.evaluate(
        "window.peaceforce.state.layers.air_defence.features.map((f) => f.properties.threat)"
    )
    assert drawn and set(drawn) == {threats[1]}
