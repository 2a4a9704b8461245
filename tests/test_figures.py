"""The drawing pool: each figure built once, saved as PNG and SVG, in a worker or here."""

from __future__ import annotations

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
