"""End-to-end time of the main job: `peaceforce plan` on the built-in scenario, as a user runs it.

Runs the installed command as a whole process (start-up, imports, every stage,
tables, files) several times and prints a markdown table of min / median / max
wall seconds, beside the issue's 30 s budget. Usage:
``.venv/bin/python benchmarks/plan.py [RUNS]``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_S = 30.0


def _one_run(command: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([str(command), "plan", "--out", str(out)], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    """Time the command and print the table."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    command = Path(sys.executable).with_name("peaceforce")
    with tempfile.TemporaryDirectory() as scratch:
        _one_run(command, Path(scratch))  # warm-up: file caches, compiled bytecode
        times = [_one_run(command, Path(scratch)) for _ in range(runs)]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average after the runs: {load} (2 cores)\n")
    print("| command | runs | min s | median s | max s | budget s |")
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| `peaceforce plan` (built-in scenario) | {runs} | {min(times):.1f} | "
        f"{statistics.median(times):.1f} | {max(times):.1f} | {BUDGET_S:.0f} |"
    )


if __name__ == "__main__":
    main()
