"""HiGHS, configured once and read back once: every MIP in peaceforce goes through here."""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any

from peaceforce.solvers import highs as highspy
from peaceforce.solvers.status import SolveStatus


def new_highs(*, mip_rel_gap: float = 0.0) -> Any:
    """A silent HiGHS model that proves optimality unless told otherwise.

    No "threads" option: HiGHS sizes one thread pool per process, and a later solve
    asking for a different size returns at once without a solution.
    """
    h = highspy().Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", mip_rel_gap)
    return h


#: One solve at a time may point standard output elsewhere.
_STDOUT_SWAP = threading.Lock()
_LIBC = ctypes.CDLL(None)


def run(h: Any) -> None:
    """``h.run()``, with nothing HiGHS prints reaching standard output.

    HiGHS 1.12 prints ``HighsMipSolverData::transformNewIntegerFeasibleSolution
    tmpSolver.run();`` from its C++ core, whatever ``output_flag`` says (the
    built-in reassurance sourcing does it five times); on standard output it
    would corrupt ``--json``. During the solve file descriptor 1 points at
    ``/dev/null``, and C's buffers are flushed before it points back.
    """
    with _STDOUT_SWAP:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h.run()
        finally:
            _LIBC.fflush(None)
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)


@dataclass(frozen=True)
class HighsOutcome:
    """How a HiGHS run ended, in our vocabulary, with HiGHS's own words for messages."""

    status: SolveStatus
    objective: float | None
    model_status: str
    #: Ended by a limit (time, iterations, an interrupt), not by what it established:
    #: another run of the same model may end elsewhere.
    limited: bool = False

    @property
    def has_solution(self) -> bool:
        """Whether ``getSolution()`` holds a feasible point."""
        return self.objective is not None


def outcome(h: Any) -> HighsOutcome:
    """Map HiGHS's model status and primal solution status to a :class:`SolveStatus`."""
    hs = highspy()
    model_status = h.getModelStatus()
    info = h.getInfo()
    feasible = info.primal_solution_status == hs.SolutionStatus.kSolutionStatusFeasible
    words = h.modelStatusToString(model_status)
    status = hs.HighsModelStatus
    limited = model_status in (
        status.kTimeLimit,
        status.kIterationLimit,
        status.kSolutionLimit,
        status.kInterrupt,
        status.kHighsInterrupt,
        status.kMemoryLimit,
        status.kNotset,
        status.kUnknown,
    )
    if model_status == hs.HighsModelStatus.kOptimal:
        return HighsOutcome(SolveStatus.OPTIMAL, float(info.objective_function_value), words)
    if model_status == hs.HighsModelStatus.kInfeasible:
        return HighsOutcome(SolveStatus.INFEASIBLE, None, words)
    if feasible:  # an incumbent at the time limit (or another interruption)
        value = float(info.objective_function_value)
        return HighsOutcome(SolveStatus.FEASIBLE, value, words, limited)
    return HighsOutcome(SolveStatus.NO_SOLUTION, None, words, limited)
