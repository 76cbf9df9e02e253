import numpy as np
import pandas as pd
import pytest

from monitoring import indicators
from monitoring.geography import AREA_CHANGES

DEFS = pd.DataFrame({"indicator_id": ["A19", "X1"], "scale": [100.0, 1.0]})


def obs(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator_id", "area_code", "period", "value",
                                       "numerator", "denominator", "flags"])


def test_rates_of_merged_areas_are_recomputed_not_averaged() -> None:
    frame = obs([
        ("A19", "16056", "2021-Q2", 20.0, 200, 1000, None),   # Eisenach 20 %
        ("A19", "16063", "2021-Q2", 10.0, 300, 3000, "p"),    # Wartburgkreis 10 %
        ("A19", "16063", "2021-Q3", 12.0, 480, 4000, None),
    ])
    panel = indicators.harmonised_panel(frame, DEFS, AREA_CHANGES)
    q2 = panel[(panel["area_code"] == "16063") & (panel["period"] == "2021-Q2")].iloc[0]
    # (200 + 300) / (1000 + 3000) = 12.5 %, not the mean of 20 and 10 (15 %).
    assert q2["value"] == pytest.approx(12.5)
    assert (q2["numerator"], q2["denominator"]) == (500, 4000)
    assert q2["flags"] == "p"
    assert set(panel["area_code"]) == {"16063"}


def test_values_without_parts_cannot_be_merged() -> None:
    frame = obs([("X1", "16056", "2020-Q1", 3.0, np.nan, np.nan, None),
                 ("X1", "16063", "2020-Q1", 5.0, np.nan, np.nan, None),
                 ("X1", "16051", "2020-Q1", 4.0, np.nan, np.nan, None)])
    panel = indicators.harmonised_panel(frame, DEFS, AREA_CHANGES).set_index("area_code")
    assert np.isnan(panel.loc["16063", "value"])
    assert panel.loc["16063", "flags"] == "nicht harmonisierbar"
    assert panel.loc["16051", "value"] == 4.0


def test_state_value_from_district_parts_and_only_when_complete() -> None:
    frame = obs([("A19", "16051", "2025-Q4", 10.0, 100, 1000, None),
                 ("A19", "16052", "2025-Q4", 30.0, 300, 1000, None),
                 ("A19", "16051", "2025-Q3", 10.0, 100, 1000, None)])
    panel = indicators.with_state(frame, DEFS, ["16051", "16052"], state_code="16")
    state = panel[panel["area_code"] == "16"].set_index("period")
    assert state.loc["2025-Q4", "value"] == pytest.approx(20.0)
    assert np.isnan(state.loc["2025-Q3", "value"])  # 16052 missing → no state value
    assert state.loc["2025-Q3", "flags"] == "unvollständig"
    s = indicators.series(panel, "A19", "16051", state_code="16")
    assert s["state_value"].tolist()[-1] == pytest.approx(20.0)


TARGET = pd.Series({"baseline_period": "2023-Q4", "baseline_value": 20.0,
                    "target_period": "2027-Q4", "target_value": 12.0})


def test_linear_target_path_and_traffic_light() -> None:
    # Half-way (2025-Q4) the path expects 16; planned change is -8.
    assert indicators.expected_on_path(TARGET, "2025-Q4") == pytest.approx(16.0)
    assert indicators.expected_on_path(TARGET, "2030-Q1") == pytest.approx(12.0)
    assert indicators.status(15.0, TARGET, "2025-Q4") == "green"   # ahead of the path
    assert indicators.status(16.7, TARGET, "2025-Q4") == "green"   # 0.7/8 = 9 % behind
    assert indicators.status(18.0, TARGET, "2025-Q4") == "amber"   # 25 % behind
    assert indicators.status(19.5, TARGET, "2025-Q4") == "red"     # 44 % behind
    assert indicators.status(np.nan, TARGET, "2025-Q4") == "none"
    up = TARGET.copy()
    up[["baseline_value", "target_value"]] = [50.0, 60.0]
    assert indicators.status(53.5, up, "2025-Q4") == "amber"       # expects 55, 15 % behind


def test_changes_against_previous_quarter_and_year() -> None:
    s = pd.DataFrame({"period": ["2024-Q4", "2025-Q3", "2025-Q4"], "value": [10.0, 11.0, 12.5]})
    got = indicators.changes(s, "2025-Q4")
    assert got == {"value": 12.5, "vs_previous": pytest.approx(1.5), "vs_year_ago": 2.5}


def test_counts_of_merged_areas_are_summed() -> None:
    defs = pd.DataFrame({"indicator_id": ["A28", "A19"], "scale": [1.0, 100.0],
                         "numerator_series": ["anerkennungen_positiv", "x"],
                         "denominator_series": [None, "y"]})
    frame = obs([("A28", "16056", "2021-Q2", 4.0, 4.0, np.nan, None),    # Eisenach
                 ("A28", "16063", "2021-Q2", 9.0, 9.0, np.nan, "p"),     # Wartburgkreis
                 ("A28", "16056", "2020-Q4", np.nan, np.nan, np.nan, "geheim"),
                 ("A28", "16063", "2020-Q4", 7.0, 7.0, np.nan, None)])
    panel = indicators.harmonised_panel(frame, defs, AREA_CHANGES).set_index("period")
    assert set(panel["area_code"]) == {"16063"}
    assert panel.loc["2021-Q2", "value"] == 13.0 and panel.loc["2021-Q2", "flags"] == "p"
    # a secret part makes the sum unknown rather than too small
    assert np.isnan(panel.loc["2020-Q4", "value"])
    assert panel.loc["2020-Q4", "flags"] == "geheim"
