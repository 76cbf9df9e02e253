"""The attacker test of disclosure control (issue 12): what a reader can solve for.

A reader of a published table knows every shown cell, every published group total, and that a
withheld cell holds at least one person (zeros are always shown). For each withheld cell the
test solves the smallest and the largest value it can take under these facts with a linear
programme (`core.disclosure_check`, scipy's HiGHS – the solver the publication scanner runs on
the real artefacts; with one equation and lower bounds the optimum is an integer) –
independently of how `privacy` chose the cells – and asserts that it keeps at least
``threshold`` possible values, so it cannot be narrowed below the threshold. Hand-made cases
pin the rule's choices (smallest cell first, the total withheld where nothing protects).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from monitoring.core import privacy
from monitoring.core.disclosure_check import feasible_interval

RULE = privacy.DisclosureRule(3)


def attack(original: pd.Series, shown: pd.Series, total: float) -> list[tuple[float, float]]:
    """The feasible interval of every withheld cell of one group with published `total`."""
    withheld = shown.isna()
    rest = total - float(shown[~withheld].sum())
    assert rest == float(original[withheld].sum())  # the published facts are true
    return [feasible_interval(int(withheld.sum()), rest, i) for i in range(int(withheld.sum()))]


def assert_protected(intervals: list[tuple[float, float]], threshold: int) -> None:
    for low, high in intervals:
        possible = math.floor(high) - math.ceil(low) + 1
        assert possible >= threshold and high >= threshold, (low, high, threshold)


# -- hand-made cases (expected values computed by hand) ------------------------------------------
def _group(values: list[int], threshold: int = 3) -> privacy.Publishable:
    return privacy.protect(pd.DataFrame({"n": values, "g": ["x"] * len(values)}),
                           rule=privacy.DisclosureRule(threshold), counts=["n"], groups=["g"])


def test_issue_case_two_small_cells_and_one_large() -> None:
    # 1 and 2 are primary; their sum 3 over two cells leaves each in 1 … 2 → 10 is withheld
    # too: 13 over three cells, each in 1 … 11; the total 13 stays.
    out = _group([1, 2, 10])
    assert out.suppressed["n"].tolist() == [True, True, True]
    assert out.totals["n"] == {"x": 13.0}
    assert attack(pd.Series([1, 2, 10]), out.frame["n"], 13.0) == [(1.0, 11.0)] * 3


def test_small_cells_that_pin_each_other_get_a_secondary_cell() -> None:
    # four 1s: sum 4 over four cells, each in 1 … 1 (old rule: sum 4 ≥ 3, published);
    # the smallest positive shown cell (40, before 50) is withheld: 44 over five, each 1 … 40
    out = _group([1, 1, 50, 1, 1, 40, 0])
    assert out.suppressed["n"].tolist() == [True, True, False, True, True, True, False]
    assert out.totals["n"]["x"] == 94.0
    assert_protected(attack(pd.Series([1, 1, 50, 1, 1, 40, 0]), out.frame["n"], 94.0), 3)


def test_the_others_must_hold_the_threshold_for_each_small_cell() -> None:
    # 2 and 2: each in 1 … 3 (three values), but the other withheld cell holds only 2 < 3
    # persons → 40 withheld as well; 2, 2, 2: the others of each hold 4 ≥ 3 and each cell
    # keeps 1 … 4 → nothing more withheld
    assert _group([2, 2, 40]).suppressed["n"].tolist() == [True, True, True]
    assert _group([2, 2, 2, 40]).suppressed["n"].tolist() == [True, True, True, False]


def test_ties_are_broken_by_position() -> None:
    assert _group([7, 1, 7, 9]).suppressed["n"].tolist() == [True, True, False, False]


def test_zeros_are_facts_not_protection() -> None:
    # one withheld district, all others 0 (2025-Q1): nothing can protect it → total withheld
    out = _group([0, 0, 2, 0])
    assert out.suppressed["n"].tolist() == [False, False, True, False]
    assert out.suppressed_groups["n"] == ("x",)
    assert np.isnan(out.totals["n"]["x"])


def _panel(values: list[int]) -> pd.DataFrame:
    codes = [f"16{50 + i:03d}" for i in range(len(values))]
    rows = [{"indicator_id": "A28", "area_code": c, "period": "2025-Q2", "value": float(v),
             "numerator": float(v), "denominator": np.nan, "flags": None}
            for c, v in zip(codes, values, strict=True)]
    rows.append({"indicator_id": "A28", "area_code": "16", "period": "2025-Q2",
                 "value": float(sum(values)), "numerator": float(sum(values)),
                 "denominator": np.nan, "flags": None})
    return pd.DataFrame(rows)


def _protect_panel(values: list[int], threshold: int = 3) -> pd.Series:
    panel = _panel(values)
    districts = sorted(set(panel["area_code"]) - {"16"})
    out = privacy.protect_panel(panel, counts={"A28"}, districts=districts, state_code="16",
                                rule=privacy.DisclosureRule(threshold))
    return out.frame.set_index("area_code")["value"]


def test_a28_two_withheld_districts_twenty_zeros() -> None:
    # A28 2025-Q2: the state 3, two districts 1 and 2, twenty districts 0. The old rule
    # published the state 3 (each withheld district 1 or 2); now no positive district is
    # left to withhold, so the state value is withheld.
    values = [1, 2] + [0] * 20
    shown = _protect_panel(values)
    assert shown.isna().sum() == 3 and np.isnan(shown["16"])
    assert (shown.drop(["16", "16050", "16051"]) == 0).all()


def test_a28_one_withheld_district_others_zero() -> None:
    shown = _protect_panel([0] * 10 + [2] + [0] * 11)
    assert np.isnan(shown["16"]) and np.isnan(shown["16060"])
    assert shown.isna().sum() == 2


# -- the attacker, on generated tables -----------------------------------------------------------
@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.lists(st.integers(0, 15), min_size=1, max_size=8), min_size=1, max_size=4),
       st.integers(2, 5))
def test_no_withheld_cell_can_be_narrowed_below_the_threshold(groups: list[list[int]],
                                                               threshold: int) -> None:
    rows = [(f"G{g}", v) for g, values in enumerate(groups) for v in values]
    frame = pd.DataFrame(rows, columns=["group", "persons"])
    out = privacy.protect(frame, rule=privacy.DisclosureRule(threshold), counts=["persons"],
                          groups=["group"])
    shown = out.frame["persons"]
    assert not ((shown > 0) & (shown < threshold)).any()
    assert (shown.isna() == out.suppressed["persons"]).all()
    assert not (frame["persons"][shown.isna()] == 0).any()  # a zero is never withheld
    for key, part in frame.groupby("group"):
        total = out.totals["persons"][key]
        if np.isnan(total) or not shown[part.index].isna().any():
            continue  # total withheld: nothing bounds a withheld cell from above
        assert_protected(attack(part["persons"], shown[part.index], total), threshold)


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.integers(0, 12), min_size=2, max_size=10), st.integers(2, 5))
def test_no_withheld_district_can_be_narrowed_from_the_state_value(values: list[int],
                                                                    threshold: int) -> None:
    shown = _protect_panel(values, threshold)
    own = shown.drop("16")
    assert not ((shown > 0) & (shown < threshold)).any()
    if own.isna().any() and not np.isnan(shown["16"]):
        original = pd.Series(values, index=own.index, dtype=float)
        assert_protected(attack(original, own, float(shown["16"])), threshold)


@pytest.mark.parametrize("threshold", [2, 3, 5])
def test_protected_agrees_with_the_attacker(threshold: int) -> None:
    """`privacy.protected` (the rule) never calls a group protected that the LP can narrow."""
    for hidden in ([1, 1], [1, 2], [2, 2, 2], [1, 1, 1, 1, 9], [4, 4], [1, 6]):
        if privacy.protected(hidden, [v for v in hidden if v < threshold], threshold):
            rest = float(sum(hidden))
            assert_protected([feasible_interval(len(hidden), rest, i)
                              for i in range(len(hidden))], threshold)
