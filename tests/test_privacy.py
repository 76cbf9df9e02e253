import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from monitoring.core import privacy
from monitoring.errors import PrivacyError


def test_primary_and_secondary_suppression_and_rates() -> None:
    frame = pd.DataFrame({"district": ["A"] * 4 + ["B"] * 2,
                          "persons": [0, 2, 40, 7, 5, 9],
                          "offers": [1, 1, 2, 1, 1, 1]})
    frame["rate"] = frame["offers"] / frame["persons"].replace(0, np.nan) * 1000
    out = privacy.protect(frame, rule=privacy.DisclosureRule(), counts=["persons"],
                          rates={"rate": (None, "persons")}, groups=["district"])
    hidden = out.suppressed["persons"].tolist()
    # 2 is primary; 7 (smallest other positive in A) is secondary; 0 stays visible; B untouched.
    assert hidden == [False, True, False, True, False, False]
    assert out.suppressed_groups["persons"] == ()
    assert out.frame["persons"].tolist()[0] == 0
    # Rates: hidden where persons is hidden or below 20.
    assert out.suppressed["rate"].tolist() == [False, True, False, True, True, True]
    assert frame["persons"].tolist() == [0, 2, 40, 7, 5, 9]  # input untouched


def test_group_total_is_withheld_when_no_complement_exists() -> None:
    frame = pd.DataFrame({"district": ["A", "A", "B"], "persons": [1, 0, 50]})
    out = privacy.protect(frame, rule=privacy.DisclosureRule(), counts=["persons"],
                          groups=["district"])
    assert out.suppressed["persons"].tolist() == [True, False, False]
    assert out.suppressed_groups["persons"] == ("A",)


def test_outputs_refuse_unprotected_frames() -> None:
    with pytest.raises(PrivacyError):
        privacy.require(pd.DataFrame({"x": [1]}), "Die Karte")


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.lists(st.integers(0, 60), min_size=1, max_size=8), min_size=1, max_size=5),
       st.integers(2, 5))
def test_no_small_count_is_published_or_recoverable_from_group_totals(
        groups: list[list[int]], threshold: int) -> None:
    rows = [(f"G{g}", v) for g, values in enumerate(groups) for v in values]
    frame = pd.DataFrame(rows, columns=["group", "persons"])
    out = privacy.protect(frame, rule=privacy.DisclosureRule(threshold), counts=["persons"],
                          groups=["group"])
    shown = out.frame["persons"].dropna()
    assert not ((shown > 0) & (shown < threshold)).any()
    for key, part in out.suppressed.groupby(frame["group"]):
        hidden = part["persons"]
        original = frame.loc[hidden.index, "persons"]
        if not ((original > 0) & (original < threshold)).any():
            continue
        # Total minus the shown cells leaves the hidden cells' sum: it must not pin down a
        # small count, otherwise the group total itself is withheld.
        protected = hidden.sum() >= 2 and original[hidden].sum() >= threshold
        assert protected or key in out.suppressed_groups["persons"]
