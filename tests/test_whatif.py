"""What-if settings: applied to the assumptions, recorded on the scenario, part of the run key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from peaceforce.scenario.loader import load_scenario
from peaceforce.scenario.whatif import WhatIf, apply_what_if


def test_empty_settings_change_nothing() -> None:
    scenario = load_scenario()
    assert apply_what_if(scenario, WhatIf()) is scenario


def test_settings_apply_and_are_recorded() -> None:
    plain = load_scenario()
    changed = apply_what_if(plain, WhatIf(rotation_ratio=4, us_backstop=True))
    assert changed.assumptions.rotation_ratio == 4
    assert changed.assumptions.us_backstop is True
    assert changed.what_if == WhatIf(rotation_ratio=4, us_backstop=True)
    assert changed.run_key != plain.run_key
    again = apply_what_if(load_scenario(), WhatIf(rotation_ratio=4, us_backstop=True))
    assert again.run_key == changed.run_key


def test_later_settings_replace_earlier_ones() -> None:
    first = apply_what_if(load_scenario(), WhatIf(rotation_ratio=4))
    second = apply_what_if(first, WhatIf(us_backstop=True))
    assert second.what_if == WhatIf(rotation_ratio=4, us_backstop=True)
    assert second.assumptions.rotation_ratio == 4


def test_a_setting_equal_to_the_file_still_counts_as_a_what_if() -> None:
    """Asking for the file's own value is recorded: the run says what was asked."""
    plain = load_scenario()
    same = apply_what_if(plain, WhatIf(rotation_ratio=plain.assumptions.rotation_ratio))
    assert same.assumptions == plain.assumptions
    assert same.run_key != plain.run_key


def test_invalid_ratio_is_refused() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 2"):
        WhatIf(rotation_ratio=1)
