"""Figures drawn once, saved as PNG and SVG, in worker processes beside the plan's stages.

Drawing with matplotlib was most of the time ``peaceforce plan`` spent writing
files (6 maps and 6 charts, each built twice, once per format). Here each figure
is built once and saved in both formats, and a :class:`FigurePool` draws in a few
worker processes started when the plan starts, so a stage's figures are drawn
while the next stage solves; the file writer collects the bytes. The workers are
*spawned*, not forked: the parent holds solver threads, which a fork would copy
in whatever state they were in. A pool of ``workers=0`` draws in the calling
process, when asked for the bytes (tests, the server, the single-stage commands).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from peaceforce.outputs import write_atomic

#: Every figure is written in these formats: PNG for slides, SVG for print and the web.
FORMATS = ("png", "svg")
#: Drawing workers of a plan. One keeps the second core busy while the stages
#: solve; a second costs its own imports (about a second of CPU) and, on a machine
#: with two shared cores, slowed the stages more than it sped the drawing.
PLAN_WORKERS = 1
#: How often a worker checks that the process that started it is still there.
_PARENT_POLL_S = 0.5


@dataclass(frozen=True)
class Drawing:
    """One figure to draw: the function that builds it (a module-level function returning a
    matplotlib ``Figure``, so a worker can import it), its arguments, and ``savefig`` options.
    """

    stem: str
    draw: Callable[..., Any]
    args: tuple[Any, ...]
    options: Mapping[str, Any] = field(default_factory=dict)


def render(drawing: Drawing) -> dict[str, bytes]:
    """Build the figure once and save it in every format of :data:`FORMATS`."""
    figure = drawing.draw(*drawing.args)
    rendered = {}
    for fmt in FORMATS:
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, **drawing.options)
        rendered[fmt] = buffer.getvalue()
        # The first save laid the figure out; the next formats keep that layout instead
        # of computing it again (a constrained layout is about a third of a map's time).
        figure.set_layout_engine("none")
    return rendered


def _follow_parent(parent: int) -> None:
    """End this worker when the process that started it has gone (killed, or ended by a
    signal before it could stop its pool), instead of living on as an orphan.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


def _warm_up() -> None:
    """Import the drawing libraries in a new worker while the parent is still solving."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.backends.backend_agg
    import matplotlib.backends.backend_svg
    import matplotlib.figure


class FigurePool:
    """Draws submitted figures in ``workers`` processes (none: drawn when written).

    Use it as a context manager: leaving the block stops the workers, and cancels
    drawings nobody collected when the block failed.
    """

    def __init__(self, workers: int = PLAN_WORKERS) -> None:
        self._executor = (
            ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_follow_parent,
                initargs=(os.getpid(),),
            )
            if workers > 0
            else None
        )
        self._futures: dict[str, Future[dict[str, bytes]]] = {}
        for _ in range(workers):  # workers start on demand: start them now, importing
            self._executor.submit(_warm_up)  # type: ignore[union-attr]

    def submit(self, drawing: Drawing) -> None:
        """Start drawing a figure in a worker (without workers: nothing until it is written)."""
        if self._executor is not None:
            self._futures[drawing.stem] = self._executor.submit(render, drawing)

    def write(self, drawing: Drawing, folder: Path) -> list[Path]:
        """Write a figure as ``<folder>/<stem>.<format>``: the worker's, or drawn here if it
        was never submitted.
        """
        future = self._futures.pop(drawing.stem, None)
        rendered = future.result() if future is not None else render(drawing)
        written = []
        for fmt, content in rendered.items():
            path = folder / f"{drawing.stem}.{fmt}"
            write_atomic(path, content)
            written.append(path)
        return written

    def __enter__(self) -> FigurePool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=error is None, cancel_futures=True)


#: Draws every figure in the calling process, when it is written.
HERE = FigurePool(workers=0)
