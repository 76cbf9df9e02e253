from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from monitoring import views
from monitoring.core import indicators
from monitoring.core.areas import PARTIAL, current_code, harmonise, successor_map
from monitoring.io import geography, import_catalogue, import_figures
from monitoring.io.geography import AREA_CHANGES
from monitoring.periods import Quarter
from monitoring.store.database import open_store

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


# -- flags of combined rows: vectorised vs. a straightforward reference -----------------------
CODES = ["16051", "16052", "16053", "16054"]
PERIODS = [str(Quarter(2019, 1) + i) for i in range(8)]            # 2019-Q1 … 2020-Q4
EFFECTIVE = [date(2019, 4, 1), date(2019, 6, 30), date(2019, 8, 15), date(2020, 1, 1),
             date(2020, 3, 31), date(2020, 10, 1), date(2021, 1, 1)]  # some on a quarter end
FLAGS = st.one_of(st.none(), st.just(np.nan), st.text(alphabet="abAÄß ,", max_size=8),
                  st.sampled_from(["vorläufig", "p", "geheim,p", "p,p,,", "Nenner p"]))
CATALOGUE = pd.DataFrame({
    "indicator_id": ["R1", "C1", "P1"], "scale": [100.0, 1.0, 1.0], "unit": ["%", "Anzahl",
                                                                           "Prozentpunkte"],
    "numerator_series": ["r_num", "c_num", None], "denominator_series": ["r_den", None, None]})


@st.composite
def area_changes(draw: st.DrawFn, *, partial: bool = True) -> pd.DataFrame:
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        old, new = draw(st.lists(st.sampled_from(CODES), min_size=2, max_size=2, unique=True))
        is_partial = partial and draw(st.booleans())
        share = draw(st.one_of(st.none(), st.floats(0.05, 0.95))) if is_partial else None
        rows.append((old, new, draw(st.sampled_from(EFFECTIVE)),
                     PARTIAL if is_partial else "eingliederung", share))
    return pd.DataFrame(rows, columns=["old_code", "new_code", "effective", "kind", "share"]
                        ).astype({"share": float})


def per_group_flags(frame: pd.DataFrame, changes: pd.DataFrame, keys: list[str]) -> pd.Series:
    """The definition, one group at a time: distinct non-empty flags, sorted, joined."""
    recoded = harmonise(frame, changes)
    flags = recoded.groupby(keys, sort=True)["flags"].agg(
        lambda s: ",".join(sorted({f for v in s.dropna() for f in str(v).split(",") if f}))
        or None)
    return flags.reset_index(drop=True)


@settings(max_examples=examples(200), deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["R1", "C1"]), st.sampled_from(CODES),
                               st.sampled_from(PERIODS), FLAGS), max_size=30),
       changes=area_changes(partial=False), as_object=st.booleans())
def test_joined_flags_equal_the_per_group_definition(rows: list[tuple], changes: pd.DataFrame,
                                                     as_object: bool) -> None:
    frame = pd.DataFrame(rows, columns=["indicator_id", "area_code", "period", "flags"])
    if as_object:  # flags as Python objects (e.g. all None) rather than the str dtype
        frame["flags"] = frame["flags"].astype(object)
    keys = ["indicator_id", "area_code", "period"]
    pd.testing.assert_series_equal(indicators._joined_flags(frame, changes, keys),
                                   per_group_flags(frame, changes, keys))


def _reference_panel(observations: pd.DataFrame, changes: pd.DataFrame) -> dict:
    """Rates (R1) and counts (C1) on today's areas, written out row by row.

    Partial changes split the counts of the old area before the change (share s to the new
    area, 1 − s stay, both flagged „anteilig umgerechnet“; unknown share: missing, „Anteil
    unbekannt“); then every row goes to its current code and rows meeting there are summed
    (missing if a part is missing) and get the union of their flags.
    """
    lookup = successor_map(changes[changes["kind"] != PARTIAL])
    out: dict[tuple[str, str, str], dict] = {}
    for indicator, values in (("R1", ["numerator", "denominator"]), ("C1", ["numerator"])):
        rows = []
        for r in observations[observations["indicator_id"] == indicator].to_dict("records"):
            if indicator == "C1" and pd.isna(r["numerator"]):
                r["numerator"] = r["value"]
            rows.append(r)
        extra = []
        for change in changes[changes["kind"] == PARTIAL].itertuples(index=False):
            for r in rows:
                if Quarter.parse(r["period"]).end >= change.effective \
                        or r["area_code"] not in (change.old_code, change.new_code):
                    continue
                if pd.isna(change.share):
                    r.update(dict.fromkeys(values, np.nan), flags="Anteil unbekannt")
                elif r["area_code"] == change.old_code:
                    extra.append({**r, "area_code": change.new_code,
                                  "flags": "anteilig umgerechnet",
                                  **{v: r[v] * change.share for v in values}})
                    r.update({v: r[v] * (1 - change.share) for v in values},
                             flags="anteilig umgerechnet")
        for r in rows + extra:
            code = r["area_code"]
            if code in lookup:
                code = current_code(code, Quarter.parse(r["period"]).end, lookup)
            entry = out.setdefault((indicator, code, r["period"]),
                                   {"flags": set(), **dict.fromkeys(values, 0.0)})
            for v in values:
                entry[v] += r[v]          # NaN + x is NaN: a missing part makes the sum missing
            if isinstance(r["flags"], str):
                entry["flags"] |= {f for f in r["flags"].split(",") if f}
    return {key: {**e, "flags": ",".join(sorted(e["flags"])) or None} for key, e in out.items()}


@st.composite
def observations(draw: st.DrawFn) -> pd.DataFrame:
    keys = draw(st.lists(st.tuples(st.sampled_from(["R1", "C1", "P1"]), st.sampled_from(CODES),
                                   st.sampled_from(PERIODS)), unique=True, max_size=40))
    rows = []
    for indicator, code, period in keys:
        flags = draw(FLAGS)
        if indicator == "R1":
            num, den = draw(st.integers(0, 500)), draw(st.integers(1, 5000))
            rows.append((indicator, code, period, num / den * 100, num, den, flags))
        elif indicator == "C1":
            count = draw(st.one_of(st.none(), st.integers(0, 500).map(float)))
            rows.append((indicator, code, period, count,
                         draw(st.sampled_from([count, np.nan])), np.nan, flags))
        else:
            rows.append((indicator, code, period, draw(st.floats(-5, 5)), np.nan, np.nan,
                         flags))
    # flags as the store reads them: str, or object when all are missing (never float)
    return obs(rows).astype({"value": float, "numerator": float, "denominator": float,
                             "flags": object})


@settings(max_examples=examples(150), deadline=None)
@given(frame=observations(), changes=area_changes())
def test_harmonised_rates_and_counts_equal_a_row_by_row_reference(frame: pd.DataFrame,
                                                                  changes: pd.DataFrame) -> None:
    panel = indicators.harmonised_panel(frame, CATALOGUE, changes)
    summed = panel[panel["indicator_id"].isin(["R1", "C1"])]
    expected = _reference_panel(frame, changes)
    got = {(r.indicator_id, r.area_code, r.period): r for r in summed.itertuples(index=False)}
    assert set(got) == set(expected)
    for key, want in expected.items():
        row = got[key]
        assert (None if pd.isna(row.flags) else row.flags) == want["flags"], key
        assert row.numerator == pytest.approx(want["numerator"], rel=1e-9, nan_ok=True), key
        if key[0] == "R1":
            assert row.denominator == pytest.approx(want["denominator"], rel=1e-9, nan_ok=True)
            assert row.value == pytest.approx(want["numerator"] / want["denominator"] * 100,
                                              rel=1e-9, nan_ok=True), key
        else:
            assert row.value == pytest.approx(want["numerator"], nan_ok=True)
            assert np.isnan(row.denominator)


# -- state values of counts ---------------------------------------------------------------------
STATE_DEFS = pd.DataFrame({
    "indicator_id": ["A28", "A19", "Z1", "Z2", "A13"],
    "unit": ["Anzahl", "%", "je 1.000", "%", "Prozentpunkte"],
    "scale": [1.0, 100.0, 1000.0, 1.0, 1.0],
    "numerator_series": ["anerkennungen_positiv", "arbeitslose_ausl", "z1", "z2", None],
    "denominator_series": [None, "bezugsgroesse_ausl", None, None, None]})


def test_state_value_of_a_count_is_the_sum_of_the_districts() -> None:
    frame = obs([
        ("A28", "16051", "2025-Q4", 4.0, 4.0, np.nan, None),
        ("A28", "16052", "2025-Q4", 9.0, 9.0, np.nan, "p"),
        ("A28", "16053", "2025-Q4", 0.0, 0.0, np.nan, None),
        ("A28", "16051", "2025-Q3", 5.0, 5.0, np.nan, None),      # 16052, 16053 missing
        ("A28", "16052", "2025-Q3", np.nan, np.nan, np.nan, "geheim"),
    ])
    panel = indicators.with_state(frame, STATE_DEFS, ["16051", "16052", "16053"],
                                  state_code="16")
    state = panel[panel["area_code"] == "16"].set_index("period")
    assert state.loc["2025-Q4", "value"] == 13.0 and state.loc["2025-Q4", "numerator"] == 13.0
    assert np.isnan(state.loc["2025-Q4", "denominator"]) and pd.isna(state.loc["2025-Q4", "flags"])
    assert np.isnan(state.loc["2025-Q3", "value"])         # not 5: two districts are missing
    assert state.loc["2025-Q3", "flags"] == "unvollständig"
    s = indicators.series(panel, "A28", "16052", state_code="16")
    assert s.set_index("period").loc["2025-Q4", "state_value"] == 13.0


def test_values_that_cannot_be_summed_get_no_state_value() -> None:
    frame = obs([
        ("Z1", "16051", "2025-Q4", 2.5, 2.5, np.nan, None),      # per 1,000: neither 6.0 nor 3.0
        ("Z1", "16052", "2025-Q4", 3.5, 3.5, np.nan, None),
        ("Z2", "16051", "2025-Q4", 40.0, 40.0, np.nan, None),    # % without denominator
        ("Z2", "16052", "2025-Q4", 60.0, 60.0, np.nan, None),
        ("A13", "16051", "2025-Q4", 1.2, np.nan, np.nan, None),  # difference of two rates
        ("A13", "16052", "2025-Q4", 0.8, np.nan, np.nan, None),
    ])
    panel = indicators.with_state(frame, STATE_DEFS, ["16051", "16052"], state_code="16")
    assert panel[panel["area_code"] == "16"].empty
    assert len(panel) == 6
    assert indicators.count_indicators(STATE_DEFS) == {"A28"}


def test_a_published_state_value_is_kept_unless_the_districts_give_a_complete_one() -> None:
    frame = obs([
        ("A28", "16051", "2025-Q4", 4.0, 4.0, np.nan, None),
        ("A28", "16052", "2025-Q4", 9.0, 9.0, np.nan, None),
        ("A28", "16", "2025-Q4", 99.0, 99.0, np.nan, None),      # replaced by 4 + 9
        ("A28", "16", "2025-Q2", 20.0, 20.0, np.nan, "p"),       # no district values: kept
        ("A28", "16051", "2025-Q1", 3.0, 3.0, np.nan, None),
        ("A28", "16", "2025-Q1", 7.0, 7.0, np.nan, None),        # districts incomplete: kept
        ("Z2", "16", "2025-Q4", 71.3, np.nan, np.nan, None),     # published for the Land only
    ])
    panel = indicators.with_state(frame, STATE_DEFS, ["16051", "16052"], state_code="16")
    state = panel[panel["area_code"] == "16"].set_index(["indicator_id", "period"])
    assert state.index.is_unique
    assert state.loc[("A28", "2025-Q4"), "value"] == 13.0
    assert state.loc[("A28", "2025-Q2"), "value"] == 20.0
    assert state.loc[("A28", "2025-Q2"), "flags"] == "p"
    assert state.loc[("A28", "2025-Q1"), "value"] == 7.0
    assert state.loc[("Z2", "2025-Q4"), "value"] == 71.3
    assert len(state) == 4


def test_a_rate_without_a_districts_denominator_has_no_state_value() -> None:
    # 16052 reports unemployed but no reference figure ("Nenner fehlt"): summing the other
    # denominators would give 400 / 1000 = 40 %, a rate of nothing real.
    frame = obs([("A19", "16051", "2025-Q4", 10.0, 100.0, 1000.0, None),
                 ("A19", "16052", "2025-Q4", np.nan, 300.0, np.nan, "Nenner fehlt"),
                 ("A19", "16051", "2025-Q3", 10.0, 100.0, 1000.0, None),
                 ("A19", "16052", "2025-Q3", 15.0, 300.0, 2000.0, None)])
    panel = indicators.with_state(frame, STATE_DEFS, ["16051", "16052"], state_code="16")
    state = panel[panel["area_code"] == "16"].set_index("period")
    assert np.isnan(state.loc["2025-Q4", "value"])
    assert state.loc["2025-Q4", "flags"] == "unvollständig"
    assert state.loc["2025-Q3", "value"] == pytest.approx(400 / 3000 * 100)   # 13.33 %


def test_shipped_catalogue_counts_are_a28_and_b05(tmp_path: Path) -> None:
    # Read off data/indicators.csv: only A28 and B05 have a numerator series, no denominator
    # series and unit „Anzahl“; B04 („Personen“) has no series at all.
    with open_store(tmp_path / "k.duckdb", read_only=False, create=True) as store:
        import_catalogue.load_catalogue(store)
        assert indicators.count_indicators(store.read_indicators()) == {"A28", "B05"}


def test_count_state_value_in_the_panel_of_a_store(tmp_path: Path) -> None:
    """Own figures for every district → `views.indicator_panel` sums them for Thüringen.

    2024-Q4: district i (1 … 22 in code order) reports i recognitions → 1 + … + 22 = 253.
    2020-Q4: Eisenach (16056, in the Wartburgkreis since July 2021) 5, every district 10
    → 22 × 10 + 5 = 225. 2024-Q3: one district missing → no state value.
    """
    path = tmp_path / "s.duckdb"
    with open_store(path, read_only=False, create=True) as store:
        geography.load_reference_geography(store)
        import_catalogue.load_catalogue(store)
        codes = sorted(views.districts(store)["area_code"])
        assert len(codes) == 22
        lines = ["reihe;gebiet;zeitraum;wert"]
        lines += [f"anerkennungen_positiv;{c};2024-Q4;{i}" for i, c in enumerate(codes, 1)]
        lines += [f"anerkennungen_positiv;{c};2024-Q3;{i}" for i, c in enumerate(codes[1:], 1)]
        lines += [f"anerkennungen_positiv;{c};2020-Q4;10" for c in codes]
        lines += ["anerkennungen_positiv;16056;2020-Q4;5"]
        figures = tmp_path / "anerkennungen.csv"
        figures.write_text("\n".join(lines) + "\n", encoding="utf-8")
        import_figures.import_figures(store, figures)
    with open_store(path) as store:
        panel = views.indicator_panel(store)
    a28 = panel[panel["indicator_id"] == "A28"].set_index(["area_code", "period"])
    assert a28.loc[("16", "2024-Q4"), "value"] == 253.0
    assert a28.loc[("16063", "2020-Q4"), "value"] == 15.0
    assert a28.loc[("16", "2020-Q4"), "value"] == 225.0
    assert np.isnan(a28.loc[("16", "2024-Q3"), "value"])
    assert a28.loc[("16", "2024-Q3"), "flags"] == "unvollständig"
