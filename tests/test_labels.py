"""Labels: the access rule on its full truth table, combining labels, JSON round trips."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from peaceforce.labels import (
    Classification,
    Clearance,
    Label,
    combine_labels,
    may_read,
)

LEVELS = list(Classification)
U, R, C, S = LEVELS

# Each access condition, realised on concrete data as (label part, clearance part, passes).
POLICY = [("PEACEFORCE", {"PEACEFORCE"}, True), ("NATO", {"PEACEFORCE"}, False)]
RELEASE = [
    (frozenset({"FRA", "GBR"}), frozenset({"GBR", "COALITION"}), True),  # one token shared
    (frozenset({"COALITION"}), frozenset({"COALITION"}), True),
    (frozenset({"FRA"}), frozenset({"GBR", "COALITION"}), False),  # none shared
    (frozenset(), frozenset({"GBR", "COALITION"}), False),  # released to nobody
]
CAVEATS = [
    (frozenset(), frozenset(), True),
    (frozenset({"JMC"}), frozenset({"JMC", "FG"}), True),
    (frozenset({"JMC", "FG"}), frozenset({"JMC"}), False),  # one missing
    (frozenset({"JMC"}), frozenset(), False),
]


@pytest.mark.parametrize(
    ("label_level", "reader_level", "policy", "release", "caveats"),
    list(itertools.product(LEVELS, LEVELS, POLICY, RELEASE, CAVEATS)),
)
def test_may_read_truth_table(
    label_level: Classification,
    reader_level: Classification,
    policy: tuple[str, set[str], bool],
    release: tuple[frozenset[str], frozenset[str], bool],
    caveats: tuple[frozenset[str], frozenset[str], bool],
) -> None:
    label = Label(
        policy=policy[0],
        classification=label_level,
        releasable_to=release[0],
        caveats=caveats[0],
    )
    clearance = Clearance(
        policies=frozenset(policy[1]),
        classification=reader_level,
        releasable=release[1],
        caveats=caveats[1],
    )
    level_ok = LEVELS.index(reader_level) >= LEVELS.index(label_level)
    assert may_read(clearance, label) is (level_ok and policy[2] and release[2] and caveats[2])


def test_classification_order_and_spelling() -> None:
    assert U < R < C < S
    assert max(R, S, U) is S
    assert [level.value for level in LEVELS] == [
        "UNCLASSIFIED",
        "RESTRICTED",
        "CONFIDENTIAL",
        "SECRET",
    ]
    label = Label(classification=C, releasable_to={"GBR"})
    assert '"classification":"CONFIDENTIAL"' in label.model_dump_json()


def test_combine_takes_highest_intersection_and_union() -> None:
    combined = combine_labels(
        [
            Label(
                classification=R, releasable_to={"GBR", "FRA", "COALITION"}, review=date(2027, 1, 1)
            ),
            Label(classification=S, releasable_to={"FRA", "COALITION"}, caveats={"JMC"}),
            Label(
                classification=U,
                releasable_to={"FRA", "DEU"},
                caveats={"FG"},
                review=date(2026, 6, 1),
            ),
        ]
    )
    assert combined.classification is S
    assert combined.releasable_to == {"FRA"}
    assert combined.caveats == {"JMC", "FG"}
    assert combined.review == date(2026, 6, 1)


def test_combine_can_release_to_nobody() -> None:
    combined = combine_labels(
        [
            Label(classification=U, releasable_to={"GBR"}),
            Label(classification=U, releasable_to={"FRA"}),
        ]
    )
    assert combined.releasable_to == frozenset()
    everyone = Clearance(classification=S, releasable=frozenset({"GBR", "FRA", "COALITION"}))
    assert not may_read(everyone, combined)
    assert str(combined) == "UNCLASSIFIED REL NONE"


def test_combine_refuses_nothing_and_mixed_policies() -> None:
    with pytest.raises(ValueError, match="at least one"):
        combine_labels([])
    with pytest.raises(ValueError, match="different policies"):
        combine_labels(
            [
                Label(classification=U, releasable_to={"GBR"}),
                Label(policy="NATO", classification=U, releasable_to={"GBR"}),
            ]
        )


@pytest.mark.parametrize("token", ["gbr", "GB R", "[/x]", "", "GBR\x1b"])
def test_tokens_are_plain_upper_case_words(token: str) -> None:
    with pytest.raises(ValidationError, match="upper-case tokens"):
        Label(classification=U, releasable_to={token})


tokens = st.frozensets(st.sampled_from(["GBR", "FRA", "DEU", "UKR", "COALITION", "NATO"]))
labels = st.builds(
    Label,
    classification=st.sampled_from(LEVELS),
    releasable_to=tokens,
    caveats=st.frozensets(st.sampled_from(["JMC", "FG", "NOFORN_X"])),
    originator=st.none() | st.sampled_from(["GBR", "FRA"]),
    created=st.none() | st.dates(),
    review=st.none() | st.dates(),
)


@given(labels)
def test_label_json_round_trip(label: Label) -> None:
    assert Label.model_validate_json(label.model_dump_json()) == label


@given(st.lists(labels, min_size=1, max_size=4), tokens, st.sampled_from(LEVELS))
def test_combined_label_is_never_more_readable(
    parts: list[Label], releasable: frozenset[str], level: Classification
) -> None:
    """Whoever may read a derived result may read every record it came from."""
    clearance = Clearance(classification=level, releasable=releasable, caveats=frozenset({"JMC"}))
    if may_read(clearance, combine_labels(parts)):
        assert all(may_read(clearance, part) for part in parts)
