"""Intake at volume: N Cursor-on-Target events against N CSV rows of the same reports.

Both go through the product's intake, ``peaceforce.monitoring.intake.parse_incidents``,
exactly as ``peaceforce monitor import`` and an API upload call it. The reports
are generated from one seed: a time, a place over eastern and southern Ukraine,
a type, a source, a confidence, a remark and two pieces of evidence each; every
hundredth one is broken (a latitude of 147) so the rejected path is timed too.
CSV is the baseline: one row per report through ``csv``; CoT must keep pace
with it, since a TAK feed carries as many reports as a CSV export.

Run: ``.venv/bin/python benchmarks/intake.py [N ...] [--seed S] [--repeat R]``
(default 5,000 20,000 200,000, the fastest of 3 runs each); prints a Markdown
table and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime, timedelta

from peaceforce.monitoring.intake import IntakeFormat, IntakeResult, parse_incidents

START = datetime(2025, 4, 1, tzinfo=UTC)
TYPES = ("artillery", "mlrs", "drone", "small_arms", "explosion", "air_strike")
SOURCES = ("patrol", "uav", "fixed_sensor", "osint")
BROKEN_EVERY = 100


def reports(n: int, seed: int) -> list[dict[str, str]]:
    """``n`` reports as text fields, the same for both formats."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        moment = START + timedelta(seconds=rng.randrange(90 * 86400))
        rows.append(
            {
                "id": f"r{i:07d}",
                "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "lon": f"{rng.uniform(30.0, 40.0):.5f}",
                "lat": "147.0" if i % BROKEN_EVERY == 0 else f"{rng.uniform(44.5, 51.0):.5f}",
                "type": rng.choice(TYPES),
                "source": rng.choice(SOURCES),
                "confidence": f"{rng.random():.2f}",
                "description": f"impacts observed in grid square {rng.randrange(10**6):06d}",
                "evidence": f"photo-{i};acoustic-{i % 97}",
            }
        )
    return rows


def as_csv(rows: list[dict[str, str]]) -> str:
    """The reports as a CSV file with a column per field (no quoting needed)."""
    header = list(rows[0])
    return "\n".join([",".join(header), *(",".join(r[c] for c in header) for r in rows)]) + "\n"


def as_cot(rows: list[dict[str, str]]) -> str:
    """The reports as a CoT file: an ``<events>`` wrapper, one multi-line ``<event>`` each."""
    events = [
        f'<event version="2.0" uid="{r["id"]}" type="b-m-p-s-p-i" time="{r["time"]}"'
        f' start="{r["time"]}" stale="{r["time"]}" how="h-e">\n'
        f'  <point lat="{r["lat"]}" lon="{r["lon"]}" hae="0" ce="25" le="10"/>\n'
        f'  <detail><__incident type="{r["type"]}" source="{r["source"]}"'
        f' confidence="{r["confidence"]}" evidence="{r["evidence"]}"/>\n'
        f"    <remarks>{r['description']}</remarks></detail>\n"
        "</event>"
        for r in rows
    ]
    header = '<?xml version="1.0" encoding="UTF-8"?>\n<events>\n'
    return header + "\n".join(events) + "\n</events>\n"


def timed(data: bytes, kind: IntakeFormat, repeat: int) -> tuple[float, IntakeResult]:
    """The fastest of ``repeat`` intakes of ``data`` through the product, and what it gave.

    The fastest, because the machine is shared: the others measure the neighbours' load.
    """
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        result = parse_incidents(data, kind)
        best = min(best, time.perf_counter() - began)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[5_000, 20_000, 200_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per format; the fastest counts")
    options = parser.parse_args()
    load = os.getloadavg()
    columns = ["reports", "CSV MB", "CSV s", "CoT MB", "CoT s", "CoT / CSV", "CoT reports/s"]
    columns += ["kept", "rejected"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---:|" * len(columns))
    for n in options.sizes:
        rows = reports(n, options.seed)
        csv_data, cot_data = as_csv(rows).encode(), as_cot(rows).encode()
        csv_s, csv_result = timed(csv_data, IntakeFormat.CSV, options.repeat)
        cot_s, cot_result = timed(cot_data, IntakeFormat.COT, options.repeat)
        # both formats must give the same reports, or the comparison means nothing
        if csv_result.incidents != cot_result.incidents:
            raise SystemExit(f"CSV and CoT disagree on {n} reports")
        if len(cot_result.rejected) != len(csv_result.rejected):
            raise SystemExit(f"CSV and CoT reject different reports of {n}")
        print(
            f"| {n:,} | {len(csv_data) / 1e6:.1f} | {csv_s:.2f} | {len(cot_data) / 1e6:.1f} "
            f"| {cot_s:.2f} | {cot_s / csv_s:.2f} | {n / cot_s:,.0f} "
            f"| {len(cot_result.incidents):,} | {len(cot_result.rejected):,} |"
        )
    after = os.getloadavg()
    print(
        f"\nload average before: {', '.join(f'{x:.2f}' for x in load)}; "
        f"after: {', '.join(f'{x:.2f}' for x in after)} ({os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
