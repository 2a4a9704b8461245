"""The briefing pack's files: HTML, PDF/A and XLSX written by plan and by ``peaceforce brief``."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from constructed_results import deployment_result
from peaceforce.briefing import BRIEFING_FILES, BriefingPack, build_briefing, write_briefing
from peaceforce.cli import app
from peaceforce.plan import PlanResult, run_plan
from peaceforce.presentation.deployment_charts import deployment_drawings
from peaceforce.presentation.figures import render
from peaceforce.presentation.plan_files import write_plan_files
from peaceforce.runs import WrittenRun
from peaceforce.runs.folders import read_manifest
from peaceforce.scenario.model import Scenario
from tiny_scenario import line, pledge, tiny_scenario

runner = CliRunner()
SECTIONS = (
    "summary",
    "contents",
    "mandate",
    "fill",
    "contributions",
    "deployment",
    "maps",
    "agreement",
    "sources",
)


class _Links(HTMLParser):
    """Every id, image source and link of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.images: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "img":
            self.images.append(str(found.get("src")))
        if tag == "a":
            self.links.append(str(found.get("href")))


@pytest.fixture(scope="module")
def planned() -> tuple[PlanResult, Scenario]:
    scenario = tiny_scenario(
        [
            pledge("fra", "FRA", "inf", 2, illustrative=True),
            pledge("gbr", "GBR", "armd", 1),
            pledge("pol", "POL", "ship", 1),
        ],
        [line("l", "inf", 4, "far"), line("s", "ship", 1, "sea", priority=2)],
    )
    return run_plan(scenario), scenario


@pytest.fixture(scope="module")
def run(
    planned: tuple[PlanResult, Scenario], tmp_path_factory: pytest.TempPathFactory
) -> WrittenRun:
    plan, scenario = planned
    return write_plan_files(plan, scenario, None, tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="module")
def pack(run: WrittenRun, planned: tuple[PlanResult, Scenario]) -> BriefingPack:
    return build_briefing(*planned, run.manifest.written_at.date(), run.folder)


def test_plan_writes_the_three_files_and_lists_them(run: WrittenRun) -> None:
    names = {p.name for p in run.files}
    assert set(BRIEFING_FILES) <= names
    assert set(BRIEFING_FILES) <= set(read_manifest(run.folder / "run.json").files)


def test_html_has_every_section_and_no_broken_image_or_link(run: WrittenRun) -> None:
    page = _Links()
    page.feed((run.folder / "briefing.html").read_text(encoding="utf-8"))
    assert set(SECTIONS) <= page.ids
    assert page.images  # the fill and contribution charts at least
    for source in page.images:
        assert source.startswith("data:image/svg+xml;base64,") or (run.folder / source).is_file()
    for link in page.links:
        assert link.startswith("#") and link[1:] in page.ids, link


def test_marks_on_every_illustrative_figure(run: WrittenRun, pack: BriefingPack) -> None:
    html = (run.folder / "briefing.html").read_text(encoding="utf-8")
    assert pack.illustrative_marks > 0
    # one mark per marked figure, and one in the note that explains it
    assert html.count('<span class="mark"') == pack.illustrative_marks + 1
    assert f"{pack.illustrative_marks} figures and charts in this pack are marked" in html


def test_pdf_pages_contents_text_and_attached_json(run: WrittenRun, pack: BriefingPack) -> None:
    reader = PdfReader(run.folder / "briefing.pdf")
    assert 4 <= len(reader.pages) <= 10
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    assert "Contents" in flat and "Sources" in flat
    assert f"{pack.illustrative_marks} figures and charts in this pack are marked" in flat
    for mission in pack.missions:
        assert f"first tour {mission.first_tour.value}" in flat
        assert f"sustained {mission.sustained.value}" in flat
    for page in reader.pages:  # the run key and the date on every page
        assert pack.run_key in page.extract_text(extraction_mode="layout") or pack.run_key in str(
            page.extract_text()
        )
    attached = reader.attachments["plan.json"][0]
    assert json.loads(attached) == json.loads((run.folder / "plan.json").read_bytes())
    root = reader.trailer["/Root"]
    metadata = root["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in metadata or b"<pdfaid:part>3</pdfaid:part>" in metadata
    assert "/StructTreeRoot" in root  # tagged


def test_xlsx_totals_equal_the_json(run: WrittenRun, planned: tuple[PlanResult, Scenario]) -> None:
    plan, _ = planned
    book = load_workbook(run.folder / "briefing.xlsx")
    summary = book["Summary"]
    header = [c.value for c in summary[1]]
    rows = [
        dict(zip(header, (c.value for c in row), strict=True))
        for row in summary.iter_rows(min_row=2)
    ]
    for sourced, row in zip(plan.sourcing, rows, strict=True):
        assert row["first tour fill"] == sourced.fills().first_tour
        assert row["sustained fill"] == sourced.fills().sustained
    contributions = book["Contributions"]
    header = [c.value for c in contributions[1]]
    deployed = sum(
        row[header.index("deployed")] or 0
        for row in contributions.iter_rows(min_row=2, values_only=True)
        if row[0] is not None
    )
    assert deployed == sum(c.deployed_personnel for s in plan.sourcing for c in s.contributions)
    assert contributions._charts  # native Excel charts


def test_pack_shows_the_runs_charts(planned: tuple[PlanResult, Scenario], tmp_path: Path) -> None:
    plan, scenario = planned
    (tmp_path / "plan.json").write_text(plan.model_dump_json(), encoding="utf-8")
    drawn = deployment_result(mission_id="m", framework_id="coalition")
    for drawing in deployment_drawings(drawn):
        for fmt, content in render(drawing).items():
            (tmp_path / f"{drawing.stem}.{fmt}").write_bytes(content)
    write_briefing(plan, scenario, tmp_path, date(2026, 12, 2))
    page = _Links()
    page.feed((tmp_path / "briefing.html").read_text(encoding="utf-8"))
    assert "deploy-m-coalition-gantt.svg" in page.images
    assert "deploy-m-coalition-arrivals.svg" in page.images
    reader = PdfReader(tmp_path / "briefing.pdf")
    assert any("Deployment timeline: M" in page.extract_text() for page in reader.pages)


def test_brief_renders_a_stored_run(run: WrittenRun, pack: BriefingPack) -> None:
    (run.folder / "briefing.pdf").unlink()
    result = runner.invoke(app, ["brief", str(run.folder)])
    assert result.exit_code == 0, result.output
    assert (run.folder / "briefing.pdf").is_file()
    assert "briefing.pdf" in read_manifest(run.folder / "run.json").files
    result = runner.invoke(app, ["brief", str(run.folder), "--json"])
    assert BriefingPack.model_validate_json(result.stdout) == pack


def test_brief_of_a_folder_that_is_no_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["brief", str(tmp_path)])
    assert result.exit_code == 2
    assert "run.json" in result.output


def test_pdf_reads_from_bytes(run: WrittenRun) -> None:
    reader = PdfReader(io.BytesIO((run.folder / "briefing.pdf").read_bytes()))
    assert reader.outline  # bookmarks from the headings


def test_a_machine_without_pango_gets_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from peaceforce.briefing.render import pdf_bytes
    from peaceforce.errors import PeaceforceError

    real_import = builtins.__import__

    def without_pango(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_pango)
    with pytest.raises(PeaceforceError, match=re.escape("apt-get install libpango-1.0-0")):
        pdf_bytes("<p>x</p>", attachments={})


def test_a_pack_with_the_builtin_agreement_draws_and_lists_its_zones(
    planned: tuple[PlanResult, Scenario], tmp_path: Path
) -> None:
    """ceasefire-2025 on the scenario's line: a 15 km buffer, four withdrawal lines at half
    Minsk-II's security zones, the energy clause with no sites file drawing nothing."""
    plan, scenario = planned
    written = write_plan_files(plan, scenario, None, tmp_path)
    before = (written.folder / "briefing.html").read_text(encoding="utf-8")
    assert "No ceasefire agreement was given" in before
    result = runner.invoke(app, ["brief", str(written.folder), "--agreement", "ceasefire-2025"])
    assert result.exit_code == 0, result.output
    html = (written.folder / "briefing.html").read_text(encoding="utf-8")
    page = _Links()
    page.feed(html)
    assert {"agreement", "agreement-zones"} <= page.ids
    assert "briefing-agreement.svg" in page.images
    assert (written.folder / "briefing-agreement.png").is_file()
    assert "No ceasefire agreement was given" not in html
    result = runner.invoke(
        app, ["brief", str(written.folder), "--agreement", "ceasefire-2025", "--json"]
    )
    pack = BriefingPack.model_validate_json(result.stdout)
    section = pack.agreement_zones
    assert section is not None and section.source == "built-in agreement ceasefire-2025"
    depths = {z.name.split(": ")[-1]: (z.kind, z.depth_km, z.drawn) for z in section.zones}
    assert depths["a demilitarised buffer of 15 km on each side of the line"] == ("buffer", 15, 1)
    assert depths["mlrs"] == ("withdrawal", 35, 1)
    assert depths["artillery 100mm plus"] == ("withdrawal", 25, 1)
    assert depths["no strikes within 5 km of power plants"] == ("protected_sites", 5, 0)
    assert all(
        z.source.startswith("built-in agreement ceasefire-2025, clause ") for z in section.zones
    )
    reader = PdfReader(written.folder / "briefing.pdf")
    flat = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in reader.pages))
    assert "Agreement zones" in flat and "fire of any kind" in flat
