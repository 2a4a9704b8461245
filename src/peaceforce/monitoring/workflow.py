"""The monitoring cell's steps from files, as the command line (and an API) runs them.

Each function reads its inputs with the library's readers, which name the
file, line and expected value of every fault, and calls the library: the line
of contact chosen from what was given, zones compiled with their preconditions
checked, the reports of a store or of intake files, the daily report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, time, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from peaceforce.errors import InputError, Problem
from peaceforce.geo.frontline import (
    LineOfContact,
    line_of_contact_from_file,
    load_occupied,
    read_line_of_contact,
)
from peaceforce.monitoring.agreement import (
    CompiledZones,
    agreement_path,
    compile_zones,
    load_agreement,
    load_sites,
)
from peaceforce.monitoring.importer import read_reports
from peaceforce.monitoring.report import DailyReport, daily_report, report_window
from peaceforce.monitoring.store import IncidentQuery
from peaceforce.sources.boundaries import load_regions
from peaceforce.sources.cities import ukrainian_cities


class ZoneFiles(BaseModel):
    """The files an agreement's zones are compiled from (every one optional on its own).

    ``occupied`` is an occupied-territory snapshot: the line is derived from it
    (with ``outline`` as Ukraine's outline, default Natural Earth) and it gives the
    sides. ``line`` is a line of contact file; with ``occupied`` too, that line is
    used and the snapshot gives the sides. ``sites`` is a CSV of protected sites.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    line: Path | None = None
    occupied: Path | None = None
    outline: Path | None = None
    sites: Path | None = None

    def line_of_contact(self) -> LineOfContact:
        """The line of contact these files give; ``InputError`` when they give none."""
        if self.line is not None:
            area = load_occupied(self.occupied)[0] if self.occupied is not None else None
            return read_line_of_contact(self.line, occupied=area)
        if self.occupied is not None:
            return line_of_contact_from_file(self.occupied, ukraine_path=self.outline)
        raise InputError(
            [
                Problem(
                    "occupied / line",
                    "-",
                    "neither",
                    "an occupied-territory snapshot (occupied) or a line of contact (line)",
                )
            ]
        )

    def compile(
        self,
        agreement: Path | str,
        default_line: LineOfContact | None = None,
        *,
        sites_optional: bool = False,
    ) -> CompiledZones:
        """Compile an agreement (a file, or a built-in one by name) on these files.

        ``default_line`` (a plan's own line) stands in when neither ``line`` nor
        ``occupied`` is given. With ``sites_optional`` a clause protecting sites
        may go without them (a map that shows no sites, not a check that misses them).
        """
        loaded = load_agreement(agreement_path(agreement))
        sites = load_sites(self.sites) if self.sites is not None else None
        given = self.line is not None or self.occupied is not None
        line = self.line_of_contact() if given or default_line is None else default_line
        return compile_zones(loaded, line, () if sites is None and sites_optional else sites)


def daily_report_from_files(
    agreement: Path | str,
    incidents: Sequence[Path],
    *,
    day: date,
    cutoff: time,
    zone_files: ZoneFiles,
    regions: Path | None = None,
    on_step: Callable[[str], None] | None = None,
) -> tuple[DailyReport, CompiledZones]:
    """The daily report from an agreement, stores or intake files, and the zones' files.

    ``on_step`` hears what is being done, for a progress display. The zones are
    returned too, for the map of an HTML page.
    """
    step = on_step or (lambda _: None)
    step("compiling zones")
    zones = zone_files.compile(agreement)
    zones.require_sides()  # before reading thousands of reports for nothing
    step("reading reports")
    first, end = report_window(day, cutoff)
    # the store's end is exclusive, the report's inclusive: one more second, filtered again
    reports = read_reports(incidents, IncidentQuery(start=first, end=end + timedelta(seconds=1)))
    areas = load_regions(regions) if regions is not None else ()
    step(f"adjudicating {len(reports):,} reports")
    settlements = ukrainian_cities()
    report = daily_report(
        zones, reports, date=day, cutoff=cutoff, regions=areas, settlements=settlements
    )
    return report, zones
