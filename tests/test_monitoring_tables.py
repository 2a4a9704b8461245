"""Monitoring tables: readable columns, and user data printed as itself, never as markup."""

from __future__ import annotations

from datetime import UTC, date, datetime

from rich.console import Console

from peaceforce.geo.frontline import FrontlineSummary
from peaceforce.labels import Classification, Label
from peaceforce.monitoring.agreement import (
    ZoneRow,
    ZonesSummary,
    builtin_agreements,
    load_agreement,
)
from peaceforce.monitoring.importer import FileIntake, ImportResult
from peaceforce.monitoring.report import Count, DailyReport, DayCount, SiteStrike
from peaceforce.presentation.monitoring_tables import (
    agreement_table,
    frontline_table,
    import_table,
    plain,
    report_headline,
    report_tables,
    zones_table,
)


def shown(*renderables: object) -> str:
    console = Console(width=200, record=True, color_system=None)
    for renderable in renderables:
        console.print(renderable)
    return console.export_text()


def test_plain_text_is_not_markup_and_shows_control_characters() -> None:
    assert plain("[/x] [bold]id[/bold]").plain == "[/x] [bold]id[/bold]"
    assert plain("bell\x07 escape\x1b[31m").plain == "bell\\x07 escape\\x1b[31m"
    assert plain(None).plain == ""


def test_import_table_prints_file_names_as_they_are() -> None:
    result = ImportResult(
        store="incidents.jsonl",
        files=(FileIntake(file="[/red]feed.csv", reports=3, accepted=2, duplicates=0, rejected=1),),
        accepted=2,
        duplicates=0,
        rejected=(),
        stored=2,
    )
    text = shown(import_table(result))
    assert "[/red]feed.csv" in text and "│       3 │        2 │" in text


def test_agreement_zones_and_line_tables() -> None:
    agreement = load_agreement(builtin_agreements()["ceasefire-2025"])
    text = shown(agreement_table(agreement))
    assert "15 km each side of the line" in text and "UNCLASSIFIED REL COALITION, RUS, UKR" in text
    summary = ZonesSummary(
        agreement="ceasefire-2025",
        as_of=date(2025, 4, 2),
        line_km=1150.2,
        zones=(
            ZoneRow(
                id="art-4:[b]x",
                clause="art-4",
                kind="site",
                limit_km=5.0,
                area_km2=78.5,
                weapon_class=None,
                site="Plant [i]",
            ),
        ),
    )
    text = shown(zones_table(summary))
    assert "art-4:[b]x" in text and "Plant [i]" in text and "as of 2025-04-02" in text
    line = FrontlineSummary(
        file="occupied_20250402.geojson",
        as_of=date(2025, 4, 2),
        length_km=1150.0,
        parts_km=(700.0, 300.0, 100.0, 20.0, 10.0, 10.0, 10.0),
        out=None,
    )
    assert "700.0, 300.0, 100.0, 20.0, 10.0, ..." in shown(frontline_table(line))


def test_report_tables_and_headline() -> None:
    moment = datetime(2025, 4, 10, 12, tzinfo=UTC)
    report = DailyReport(
        agreement_id="a",
        agreement_name="Truce [/x]",
        date=date(2025, 4, 10),
        period_start=moment,
        period_end=moment,
        reports=3,
        events=2,
        violations=2,
        previous_violations=3,
        by_region=(Count(key="Kyiv [b]", count=2, previous=3),),
        by_type=(),
        by_clause=(),
        weapons=(),
        site_strikes=(
            SiteStrike(
                incident_id="[/s]1",
                time=moment,
                region="Kyiv",
                site_id="p",
                site_name="Darnytska",
                distance_km=1.04,
                type="drone",
                attributed_to="RUS",
                attribution_confidence=0.7,
            ),
        ),
        trend=(
            DayCount(day=date(2025, 4, 9), violations=3),
            DayCount(day=date(2025, 4, 10), violations=2),
        ),
        findings=(),
        label=Label(classification=Classification.RESTRICTED, releasable_to=frozenset({"FRA"})),
        run_key="0123456789abcdef",
    )
    text = shown(report_headline(report), *report_tables(report))
    assert text.startswith("RESTRICTED REL FRA\nTruce [/x]: daily report 2025-04-10")
    assert "(-1 on the previous 24 hours)" in text
    assert "Kyiv [b]" in text and "-1" in text and "none" in text  # an empty count table
    assert "[/s]1" in text and "1.0" in text and "RUS (70%)" in text
    assert "█" * 30 in text and "█" * 20 in text
