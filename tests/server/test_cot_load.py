"""The TAK load benchmark, bounded: each report is stored once and reaches every subscriber."""

from __future__ import annotations

from pathlib import Path

from cot_load import run_load


def test_small_load_run_delivers_every_report_to_every_subscriber(tmp_path: Path) -> None:
    result = run_load(
        tmp_path,
        senders=2,
        subscribers=2,
        events=100,
        rate=400,
        batch=1000,
        name="ours",
        timeout=60,
    )
    assert result.sent == 100
    assert result.stored == 100
    assert result.delivered == result.expected == 200
    assert result.p99_ms >= result.p50_ms > 0
