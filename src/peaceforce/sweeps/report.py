"""The sweep's files: the table (Parquet and CSV), the analysis (JSON), charts and an HTML report.

The report is rendered by Jinja2 with autoescaping on: ids and labels from the
spec are text, never markup. Charts are PNG files beside it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

from peaceforce.outputs import write_atomic
from peaceforce.results import StageResult
from peaceforce.scenario.model import Scenario
from peaceforce.sweeps.analysis import SHARE_OUTCOMES, SweepAnalysis
from peaceforce.sweeps.run import SweepRun
from peaceforce.sweeps.spec import Outcome

#: Tornado bars drawn per outcome.
_TORNADO_ROWS = 10

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Sweep {{ run.spec.name }}</title>
<style>
body { font-family: sans-serif; max-width: 70em; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
td, th { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; }
td.n { text-align: right; }
img { max-width: 100%; }
.box { background: #f4f4f4; padding: 0.5em 1em; margin: 0.5em 0; }
</style></head><body>
<h1>Sweep {{ run.spec.name }}</h1>
<p><strong>Question.</strong> {{ run.spec.question }}</p>
<p>{{ "{:,}".format(run.cases) }} cases ({{ "{:,}".format(run.distinct_cases) }} distinct),
{{ "{:,}".format(run.stored_before) }} found in the store, {{ "{:,}".format(run.solved_cases) }}
solved as {{ "{:,}".format(run.subproblems_solved) }} distinct sub-problems, {{ where }},
in {{ "%.1f"|format(run.seconds) }} s.
{% if analysis.errors %}{{ analysis.errors }} cases ended in an error (see the table's
<code>error</code> column) and are left out below.{% endif %}</p>
<p><strong>Failure:</strong> {{ analysis.failure_sentence }}.</p>
<h2>Where the force fails (scenario discovery)</h2>
{% for box in analysis.prim %}<div class="box">PRIM: {{ box.sentence }}</div>{% else %}
<p>No PRIM box: {% if analysis.failures %}every case fails{% else %}no case fails{% endif %}.</p>
{% endfor %}
{% for box in analysis.cart %}<div class="box">CART: {{ box.sentence }}</div>{% endfor %}
<h2>What moves each outcome</h2>
{% for chart in tornado_charts %}<img src="{{ chart }}" alt="tornado chart">{% endfor %}
{% if analysis.indices %}<h3>{{ analysis.index_kind }}</h3>
<table><tr><th>outcome</th><th>input</th><th>first</th><th>total</th></tr>
{% for i in analysis.indices %}<tr><td>{{ i.outcome.value }}</td><td>{{ i.input }}</td>
<td class="n">{{ "%.3f"|format(i.first) }}</td><td class="n">{{ "%.3f"|format(i.total) }}</td></tr>
{% endfor %}</table>{% endif %}
<h2>Distribution of the fills</h2>
{% if fills_chart %}<img src="{{ fills_chart }}" alt="fill distributions">{% endif %}
<h2>Files</h2>
<p><a href="table.parquet">table.parquet</a>, <a href="table.csv">table.csv</a>,
<a href="analysis.json">analysis.json</a>. One row per case: its inputs, solver status,
any error, and the outcomes.</p>
</body></html>
"""


def _png(figure: Any) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def _tornado_png(analysis: SweepAnalysis, outcome: Outcome) -> bytes | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [s for s in analysis.swings if s.outcome is outcome][:_TORNADO_ROWS]
    if not rows:
        return None
    scale = 100.0 if outcome in SHARE_OUTCOMES else 1.0
    figure, axes = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.2))
    for y, swing in enumerate(reversed(rows)):
        low, high = swing.low_mean * scale, swing.high_mean * scale
        axes.barh(y, high - low, left=low, color="#4a7ab0")
        axes.text(low, y, f"{swing.low_value} ", ha="right", va="center", fontsize=8)
        axes.text(high, y, f" {swing.high_value}", ha="left", va="center", fontsize=8)
    axes.set_yticks(range(len(rows)), [s.input for s in reversed(rows)])
    unit = " (%)" if scale == 100.0 else ""
    axes.set_xlabel(f"mean {outcome.value.replace('_', ' ')}{unit}, worst to best value")
    axes.set_title(f"Tornado: {outcome.value.replace('_', ' ')}")
    lows = [s.low_mean * scale for s in rows]
    highs = [s.high_mean * scale for s in rows]
    pad = 0.25 * max(max(highs) - min(lows), 1e-9)
    axes.set_xlim(min(lows) - pad, max(highs) + pad)  # room for the value labels
    return _png(figure)


def _fills_png(table: pd.DataFrame, outcomes: tuple[Outcome, ...]) -> bytes | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shares = [o for o in outcomes if o in SHARE_OUTCOMES]
    if not shares:
        return None
    figure, axes = plt.subplots(figsize=(8, 3.5))
    for outcome in shares:
        values = pd.to_numeric(table[outcome.value], errors="coerce").dropna() * 100
        axes.hist(values, bins=20, range=(0, 100), alpha=0.5, label=outcome.value.replace("_", " "))
    axes.set_xlabel("fill (%)")
    axes.set_ylabel("cases")
    axes.legend(fontsize=8)
    return _png(figure)


def write_report(run: SweepRun, analysis: SweepAnalysis, out: Path) -> list[Path]:
    """Write the table, the analysis, the charts and ``report.html`` into ``out``."""
    from jinja2 import Environment

    out.mkdir(parents=True, exist_ok=True)
    written = []
    parquet = io.BytesIO()
    run.table.to_parquet(parquet, index=False)
    for name, content in (
        ("table.parquet", parquet.getvalue()),
        ("table.csv", run.table.to_csv(index=False)),
        ("analysis.json", analysis.model_dump_json(indent=2)),
    ):
        write_atomic(out / name, content)
        written.append(out / name)
    tornado_charts = []
    for outcome in run.spec.outcomes:
        png = _tornado_png(analysis, outcome)
        if png is not None:
            name = f"tornado-{outcome.value}.png"
            write_atomic(out / name, png)
            written.append(out / name)
            tornado_charts.append(name)
    fills = _fills_png(run.table, run.spec.outcomes)
    if fills is not None:
        write_atomic(out / "fills.png", fills)
        written.append(out / "fills.png")
    html = (
        Environment(autoescape=True)
        .from_string(_TEMPLATE)
        .render(
            run=run,
            where=run.where,
            analysis=analysis,
            tornado_charts=tornado_charts,
            fills_chart="fills.png" if fills is not None else None,
        )
    )
    write_atomic(out / "report.html", html)
    written.append(out / "report.html")
    return written


class SweepResult(StageResult):
    """What ``peaceforce sweep`` answers: the counts, the analysis and the files written."""

    name: str
    question: str
    cases: int
    distinct_cases: int
    stored_before: int
    solved_cases: int
    subproblems_solved: int
    seconds: float
    cases_per_second: float
    where: str
    analysis: SweepAnalysis
    folder: str
    files: tuple[str, ...]


def sweep_result(
    run: SweepRun, analysis: SweepAnalysis, files: list[Path], scenario: Scenario
) -> SweepResult:
    """The sweep's result, labelled and keyed by the scenario it ran on."""
    return SweepResult(
        name=run.spec.name,
        question=run.spec.question,
        cases=run.cases,
        distinct_cases=run.distinct_cases,
        stored_before=run.stored_before,
        solved_cases=run.solved_cases,
        subproblems_solved=run.subproblems_solved,
        seconds=round(run.seconds, 3),
        cases_per_second=round(run.cases_per_second, 2),
        where=run.where,
        analysis=analysis,
        folder=str(files[0].parent) if files else "",
        files=tuple(p.name for p in files),
        **scenario.stamp(),
    )
