"""The GAP engine and its OR-Library instance readers, run by ``benchmarks/gap.py``.

::

    gap_model.py   instance, known bounds, result
    gap_io.py      OR-Library files and bounds.tsv
    gap_search.py  Lagrangian bounds and heuristics without a solver
    gap_mip.py     exact HiGHS and CP-SAT models, MPS export
    gap_lns.py     pruned and neighbourhood solves around a shared incumbent
    gap.py         the engine (solve_gap) and plain single-solver peers
    gap_bench.py   a run over files, reported against known bounds
"""
