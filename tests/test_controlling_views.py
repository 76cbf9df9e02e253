"""Monitoring views: an indicator over a period range with changes, peer comparison chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitoring.core import indicators, privacy
from monitoring.errors import PeriodError, PrivacyError
from monitoring.present import figures


def _panel() -> pd.DataFrame:
    # Area 16070: 2024-Q1 … 2025-Q2 without 2024-Q3; the state (16) only in 2025-Q2.
    periods = ["2024-Q1", "2024-Q2", "2024-Q4", "2025-Q1", "2025-Q2"]
    own = pd.DataFrame({"indicator_id": "A01", "area_code": "16070", "period": periods,
                        "value": [5.0, 6.0, 7.5, 8.0, 7.0], "numerator": [50, 60, 75, 80, 70],
                        "denominator": [1000] * 5, "flags": None})
    state = pd.DataFrame({"indicator_id": "A01", "area_code": "16", "period": ["2025-Q2"],
                          "value": [9.0], "numerator": [900], "denominator": [10000],
                          "flags": None})
    other = own.assign(indicator_id="A02", value=1.0)
    return pd.concat([own, state, other], ignore_index=True)


def test_period_range_changes_hand_computed() -> None:
    out = indicators.period_range(_panel(), "A01", "16070", "2024-Q3", "2025-Q2",
                                  state_code="16").set_index("period")
    assert list(out.index) == ["2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"]
    assert np.isnan(out.loc["2024-Q3", "value"])                     # no observation: a gap
    assert np.isnan(out.loc["2024-Q4", "vs_previous"])               # previous is the gap
    assert out.loc["2025-Q1", "vs_previous"] == pytest.approx(0.5)   # 8.0 - 7.5
    assert out.loc["2025-Q1", "vs_year_ago"] == pytest.approx(3.0)   # 8.0 - 5.0 (outside range)
    assert out.loc["2025-Q2", "vs_previous"] == pytest.approx(-1.0)  # 7.0 - 8.0
    assert out.loc["2025-Q2", "vs_year_ago"] == pytest.approx(1.0)   # 7.0 - 6.0
    assert out.loc["2025-Q2", "state_value"] == pytest.approx(9.0)
    assert np.isnan(out.loc["2025-Q1", "state_value"])
    with pytest.raises(PeriodError):
        indicators.period_range(_panel(), "A01", "16070", "2025-Q2", "2024-Q1", state_code="16")


def test_peer_chart_highlights_own_district_and_draws_state_line() -> None:
    peers = pd.DataFrame({
        "area_code": ["16070", "16071", "16072", "16"], "name": ["Ilm", "Weimarer L.", "Sbg", "TH"],
        "kind": ["Landkreis", "Landkreis", "Landkreis", "Land"], "value": [7.0, 2.0, 50.0, 6.5],
        "numerator": [70.0, 20.0, 1.0, 650.0], "denominator": [1000.0, 1000.0, 2.0, 10000.0],
        "flags": None, "own": [True, False, False, False]})
    with pytest.raises(PrivacyError):
        figures.peer_chart(peers, name="Quote", unit="%")
    safe = privacy.protect(peers, rule=privacy.DisclosureRule(), counts=["numerator"],
                          rates={"value": ("numerator", "denominator")})
    fig = figures.peer_chart(safe, name="Quote", unit="%")
    bar = fig.data[0]
    # Sonneberg's 1 person is suppressed, Weimarer Land's 20 as well (secondary suppression:
    # the smallest other cell): both listed first with the sign "." (withheld, not missing)
    # and no bar, then ascending values.
    assert list(bar.y) == ["Weimarer L. .", "Sbg .", "Ilm"]
    assert bar.x[0] is None and bar.x[1] is None and bar.x[2] == 7.0  # no bar drawn
    assert bar.marker.color[2] != bar.marker.color[1]                 # own district highlighted
    assert [s.x0 for s in fig.layout.shapes] == [6.5]                  # state value line
