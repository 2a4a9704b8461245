"""Shared test fixtures: where the real public data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

#: Real public data shared by every project here; never copied into the repository.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ``../shared/data`` folder, or skip loudly if this checkout has none."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data folder not found at {SHARED_DATA}")
    return SHARED_DATA
