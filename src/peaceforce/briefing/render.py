"""Render the briefing pack: one set of Jinja2 templates for the HTML and, via WeasyPrint, the PDF.

The PDF is tagged and archival (PDF/A-3b) and carries the run's ``plan.json`` as an
attachment, so the figures it shows travel with the data they came from. Maps and
Gantt charts are the run's own files: the HTML shows their SVG, the PDF embeds
their PNG (WeasyPrint draws a large SVG map several times slower than it places a
picture).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, Literal

from peaceforce.briefing import charts
from peaceforce.briefing.model import BriefingPack, Figure
from peaceforce.errors import PeaceforceError
from peaceforce.monitoring.agreement import CompiledZones
from peaceforce.presentation.figures import HERE, Drawing, FigurePool

#: The file names the pack takes in a run's folder.
HTML_FILE = "briefing.html"
PDF_FILE = "briefing.pdf"
XLSX_FILE = "briefing.xlsx"

Medium = Literal["html", "pdf"]

#: The Debian packages WeasyPrint needs (.ci/run installs them where missing).
SYSTEM_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core")


@cache
def environment() -> Any:
    """The one Jinja2 environment of the pack's and the daily report's templates."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("peaceforce.briefing", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["cite"] = cite
    environment.filters["pct"] = lambda share: f"{share:.0%}"
    return environment


def cite(numbers: Iterable[int]) -> str:
    """Source numbers as a short citation: ``[1–4, 7]``."""
    ordered = sorted(set(numbers))
    if not ordered:
        return ""
    runs: list[str] = []
    start = previous = ordered[0]
    for number in [*ordered[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        runs.append(str(start) if start == previous else f"{start}–{previous}")
        if number is not None:
            start = previous = number
    return "[" + ", ".join(runs) + "]"


def _charts(pack: BriefingPack) -> dict[str, Any]:
    """The stems of the pack's chart files, by where the page shows them."""
    stems = [drawing.stem for drawing in charts.chart_drawings(pack)]
    outcomes = list(dict.fromkeys((c.mission_id, c.framework_id) for c in pack.contributions))
    return {
        "fill": "briefing-fill" if "briefing-fill" in stems else None,
        "contributions": [
            (mission, framework, f"briefing-contributions-{mission}-{framework}")
            for mission, framework in outcomes
        ],
    }


def render_html(pack: BriefingPack, medium: Medium = "html") -> str:
    """The pack as one HTML page; ``medium`` picks the pictures (SVG for screens, PNG for PDF)."""
    template = environment().get_template("briefing.html.j2")
    return str(
        template.render(
            pack=pack,
            medium=medium,
            charts=_charts(pack),
            picture=lambda stem: f"{stem}.{'svg' if medium == 'html' else 'png'}",
            mark=charts.MARK,
            marked=_marked,
        )
    )


def _marked(figure: Figure | None) -> bool:
    return figure is not None and figure.illustrative


def pdf_bytes(page: str, attachments: dict[str, bytes], base: Path | None = None) -> bytes:
    """A page rendered as a tagged PDF/A-3b, with these files attached (name: content).

    ``base`` is the folder the page's relative pictures are read from.

    Raises
    ------
    PeaceforceError
        When WeasyPrint cannot load Pango (a machine without the Debian packages).
    """
    try:
        from weasyprint import HTML, Attachment
    except OSError as exc:  # WeasyPrint loads Pango through ctypes when imported
        raise PeaceforceError(
            f"the PDF needs Pango, which WeasyPrint could not load ({exc}); install it with "
            f"apt-get install {' '.join(SYSTEM_PACKAGES)}"
        ) from None

    # WeasyPrint opens its sRGB profile for a PDF/A and never closes the file: it is
    # closed when dropped, inside this block, where its ResourceWarning is silenced.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        document = HTML(string=page, base_url=str(base) if base else None).render()
        pdf: bytes = document.write_pdf(
            pdf_variant="pdf/a-3b",
            pdf_tags=True,
            attachments=[
                Attachment(
                    string=content,
                    name=name,
                    description="the result as JSON",
                    relationship="Data",
                )
                for name, content in attachments.items()
            ],
        )
    return pdf


def write_html_and_pdf(
    pack: BriefingPack,
    folder: Path,
    attachment: Path,
    figures: FigurePool = HERE,
    zones: CompiledZones | None = None,
) -> list[Path]:
    """Write the pack's charts, ``briefing.html`` and ``briefing.pdf`` into the run's folder
    (the pages show the pictures there); charts submitted to ``figures`` are collected.

    ``zones`` are the agreement's of ``pack.agreement_zones``, drawn on its map.
    """
    from peaceforce.outputs import write_atomic
    from peaceforce.presentation.agreement_map import draw_agreement_map

    drawings = charts.chart_drawings(pack)
    if pack.agreement_zones is not None and zones is not None:
        stem = pack.agreement_zones.map_png.removesuffix(".png")
        drawings.append(Drawing(stem, draw_agreement_map, (zones,), charts.SAVE))
    written = [p for d in drawings for p in figures.write(d, folder)]
    html_path = folder / HTML_FILE
    write_atomic(html_path, render_html(pack, "html"))
    pdf = pdf_bytes(
        render_html(pack, "pdf"),
        attachments={attachment.name: attachment.read_bytes()},
        base=folder,
    )
    pdf_path = folder / PDF_FILE
    write_atomic(pdf_path, pdf)
    return [*written, html_path, pdf_path]
