"""Shared test fixtures: where the real public data lives, and the built-in scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from peaceforce.protection.data import ProtectionData, load_protection_data
from peaceforce.scenario.loader import load_scenario
from peaceforce.scenario.model import Scenario

#: Real public data shared by every project here; never copied into the repository.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ``../shared/data`` folder, or skip loudly if this checkout has none."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data folder not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    """The built-in coalition-2025 scenario (immutable, so one copy serves every test)."""
    return load_scenario()


@pytest.fixture(scope="session")
def protection_data(scenario: Scenario) -> ProtectionData:
    """The built-in scenario's protection.yaml."""
    loaded = load_protection_data(scenario)
    assert loaded is not None
    return loaded
