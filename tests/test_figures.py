"""The drawing pool: each figure built once, saved as PNG and SVG, in a worker or here."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from constructed_results import deployment_result
from peaceforce.presentation.deployment_charts import deployment_drawings
from peaceforce.presentation.figures import FORMATS, HERE, Drawing, FigurePool, render


def test_a_figure_is_built_once_and_saved_in_every_format(monkeypatch: pytest.MonkeyPatch) -> None:
    [gantt, _] = deployment_drawings(deployment_result())
    built = []

    def counted(*args: object) -> object:
        built.append(args)
        return gantt.draw(*args)

    rendered = render(Drawing(gantt.stem, counted, gantt.args, gantt.options))
    assert len(built) == 1
    assert set(rendered) == set(FORMATS)
    assert rendered["png"].startswith(b"\x89PNG")
    assert b"<svg" in rendered["svg"]


def test_a_worker_draws_what_the_calling_process_would(tmp_path: Path) -> None:
    drawings = deployment_drawings(deployment_result())
    with FigurePool(workers=1) as pool:
        for drawing in drawings:
            pool.submit(drawing)
        from_worker = [p for d in drawings for p in pool.write(d, tmp_path / "worker")]
    here = [p for d in drawings for p in HERE.write(d, tmp_path / "here")]
    assert (
        [p.name for p in from_worker]
        == [p.name for p in here]
        == [
            "deploy-m-coalition-gantt.png",
            "deploy-m-coalition-gantt.svg",
            "deploy-m-coalition-arrivals.png",
            "deploy-m-coalition-arrivals.svg",
        ]
    )
    pngs = [(a.read_bytes(), b.read_bytes()) for a, b in zip(from_worker, here, strict=True)
            if a.suffix == ".png"]  # fmt: skip
    assert all(a == b for a, b in pngs)


def test_a_failed_drawing_reaches_the_writer(tmp_path: Path) -> None:
    broken = Drawing("broken", deployment_drawings, ("not a result",))
    with FigurePool(workers=1) as pool:
        pool.submit(broken)
        with pytest.raises(AttributeError):
            pool.write(broken, tmp_path)
    assert not list(tmp_path.iterdir())


def _running(pid: int) -> bool:
    """Whether a process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_worker_ends_when_the_plan_is_killed() -> None:
    # The pool's owner is killed outright (as SIGTERM outside a write would end `plan`):
    # its drawing worker must not live on as an orphan.
    script = (
        "import os, sys\n"
        "from peaceforce.presentation.figures import FigurePool\n"
        "pool = FigurePool(workers=1)\n"
        "print(pool._executor.submit(os.getpid).result(), flush=True)\n"
        "sys.stdin.read()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as owner:
        assert owner.stdout is not None
        worker = int(owner.stdout.readline())
        assert _running(worker)
        owner.kill()
        owner.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(worker)
