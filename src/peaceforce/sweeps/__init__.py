"""What-if sweeps: many cases of one scenario, stored by content, analysed in plain words.

Flow: :mod:`.spec` (the YAML an analyst writes) → :mod:`.design` (which cases)
→ :mod:`.cases` (one case: inputs → what-if scenario → sourcing → outcomes)
→ :mod:`.store` (Parquet, keyed by content) → :mod:`.run` (in-process or Dask)
→ :mod:`.analysis` and :mod:`.prim` → :mod:`.report` (HTML, Parquet, CSV).
"""
