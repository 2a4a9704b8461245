"""How diff figures read: shares as percentages and points, counts with separators."""

from __future__ import annotations

import pytest

from peaceforce.presentation.run_diff import format_delta, format_figure, is_share


@pytest.mark.parametrize(
    ("figure", "share"),
    [
        ("fill", True),
        ("fill.land", True),
        ("first_tour_fill", True),
        ("baseline_fill_rate", True),
        ("drop", True),
        ("sustained_drop", True),
        ("firm_sustained_fill", True),
        ("deployment.ioc_share", True),
        ("protection.coverage.totals.population_share", True),
        ("missing_personnel", False),
        ("deployment.foc_day", False),
        ("filled", False),
    ],
)
def test_shares_are_recognised_by_the_model_name(figure: str, share: bool) -> None:
    assert is_share(figure) is share


def test_figures_and_changes_read_as_a_staff_officer_briefs_them() -> None:
    assert format_figure(2 / 3, share=True) == "66.7%"
    assert format_delta(2 / 3 - 1, share=True) == "-33.3 pp"
    assert format_figure(12500) == "12,500"
    assert format_delta(-1000) == "-1,000"
    assert format_delta(15) == "+15"
    assert format_figure(1234.567) == "1,234.57"
    assert format_figure(None) == "-"
    assert format_figure(True) == "yes"
    assert format_figure("blocked") == "blocked"
    assert format_delta(None) == ""
