"""Catalogue, traffic lights, partial area changes, SQL builder (hand-computed small cases)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from monitoring.core import concept
from monitoring.core.areas import split_partial
from monitoring.errors import DataValidationError
from monitoring.io import geography, import_catalogue
from monitoring.store import panel_sql
from monitoring.store.database import open_store


def test_catalogue_has_all_40_and_marks_needs_input(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb", read_only=False, create=True) as store:
        import_catalogue.load_catalogue(store)
        cat = store.read_indicators().set_index("indicator_id")
        ids = {f"A{i:02d}" for i in range(1, 29)} | {f"B{i:02d}" for i in range(1, 13)}
        assert set(cat.index) == ids
        assert bool(cat.loc["A13", "needs_input"]) and not bool(cat.loc["A19", "needs_input"])
        own = tmp_path / "eigene.csv"
        header = "indicator_id;name_de;name_en;definition;numerator_series;denominator_series;" \
                 "unit;scale;direction;source;availability;field\n"
        own.write_text(header + "X01;Kursabbruch;Drop-out;Abbrüche / Teilnehmende;abbrueche;"
                       "teilnehmende;%;100;down;VHS;ja;sprache\n", encoding="utf-8")
        import_catalogue.load_catalogue(store, own)
        assert "X01" in set(store.read_indicators()["indicator_id"])
        own.write_text(header + "A01;Neu;New;x;a;b;%;100;sideways;x;ja;\n", encoding="utf-8")
        with pytest.raises(DataValidationError) as info:
            import_catalogue.load_catalogue(store, own)
        assert {p["spalte"] for p in info.value.problems} == {"indicator_id", "direction"}


def _target(baseline: float = 10.0, goal: float = 20.0) -> pd.DataFrame:
    return pd.DataFrame([{"indicator_id": "A16", "area_code": "16070", "goal_id": "Z1",
                          "baseline_period": "2023-Q4", "baseline_value": baseline,
                          "target_period": "2027-Q4", "target_value": goal}])


@pytest.mark.parametrize("actual, light", [(14.5, "green"), (13.0, "amber"), (11.0, "red"),
                                           (16.0, "green")])
def test_traffic_light_against_linear_path(actual: float, light: str) -> None:
    # 2025-Q4 is 8 of 16 quarters: expected 15; gap = (15 - actual) / 10
    panel = pd.DataFrame([{"indicator_id": "A16", "area_code": "16070", "period": "2025-Q4",
                           "value": actual, "numerator": 1.0, "denominator": 1.0}])
    defs = pd.DataFrame([{"indicator_id": "A16", "name_de": "Beschäftigung", "unit": "%"}])
    goals = pd.DataFrame([{"goal_id": "Z1", "area_code": "16070", "field": "arbeit",
                           "title": "Mehr Beschäftigung"}])
    out = concept.traffic_lights(panel, _target(), defs, goals, area_code="16070",
                                 period="2025-Q4")
    assert out.loc[0, "expected"] == 15.0 and out.loc[0, "status"] == light
    strict = concept.traffic_lights(panel, _target(), defs, goals, area_code="16070",
                                    period="2025-Q4",
                                    thresholds=concept.Thresholds(tolerance=0.0, at_risk=0.0))
    assert strict.loc[0, "status"] == ("green" if actual >= 15 else "red")


def test_lower_is_better_target_and_summary_counts() -> None:
    lights = pd.DataFrame({"status": ["green", "amber", "red", "none"],
                           "indicator": ["a", "b", "c", "d"]})
    progress = {"total": 4, "on_track": 3, "verzoegert": 1, "geplant": 0}
    text = concept.summary_de(lights, progress)
    assert text[0] == "1 von 4 Zielen im Plan, 1 gefährdet, 1 nicht im Plan."
    assert "1 Ziel ist mangels aktueller Werte ohne Bewertung." in text
    assert text[-1].startswith("3 von 4 Maßnahmen sind abgeschlossen")
    # lower is better: baseline 20 → target 10; at half time expected 15; 15.5 is 5 % behind
    panel = pd.DataFrame([{"indicator_id": "A16", "area_code": "16070", "period": "2025-Q4",
                           "value": 15.5, "numerator": 1.0, "denominator": 1.0}])
    out = concept.traffic_lights(panel, _target(20.0, 10.0), pd.DataFrame(
        columns=["indicator_id", "name_de", "unit"]), pd.DataFrame(), area_code="16070",
        period="2025-Q4")
    assert out.loc[0, "status"] == "green"


def test_partial_change_splits_counts_by_share_or_refuses_without() -> None:
    frame = pd.DataFrame({"area_code": ["16063", "16066", "16063"],
                          "period": ["2018-Q4", "2018-Q4", "2019-Q1"],
                          "value": [1000.0, 500.0, 990.0], "flags": [None, None, None]})
    change = geography.AREA_CHANGES[geography.AREA_CHANGES["kind"] == "teilausgliederung"]
    known = change.assign(share=0.02)
    out = split_partial(frame, known, values=["value"], flag_col="flags")
    sums = out.groupby(["area_code", "period"])["value"].sum()
    assert sums[("16063", "2018-Q4")] == 980.0 and sums[("16066", "2018-Q4")] == 520.0
    assert sums[("16063", "2019-Q1")] == 990.0  # after the change: untouched
    unknown = split_partial(frame, change, values=["value"], flag_col="flags")
    before = unknown[unknown["period"] == "2018-Q4"]
    assert before["value"].isna().all() and set(before["flags"]) == {"Anteil unbekannt"}


def test_sql_builder_numbers_in_duckdb(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb", read_only=False, create=True) as store:
        import_catalogue.load_catalogue(store)
        rows = pd.DataFrame({
            "series_id": ["auslaender", "bevoelkerung", "auslaender", "bevoelkerung",
                          "auslaender", "bevoelkerung", "auslaender"],
            "area_code": ["16070001", "16070001", "16070002", "16070002", "16070003",
                          "16070003", "16070004"],
            "period": ["2025-Q4"] * 7, "value": [10.0, 200.0, 30.0, 300.0, 5.0, 0.0, 1.0],
            "flag": [None, None, None, None, None, None, None], "source": "test"})
        with store.transaction():
            store.write("series_value", rows)
        values = store.query(panel_sql.indicator_values_sql(indicator_ids=["A01"]))
        got = values.set_index("area_code")
        assert got.loc["16070001", "value"] == pytest.approx(5.0)        # 10 / 200
        assert pd.isna(got.loc["16070003", "value"])
        assert got.loc["16070003", "flags"] == "Division durch null"
        assert got.loc["16070004", "flags"] == "Nenner fehlt"
        with store.transaction():
            store.execute("CREATE TABLE v AS " + panel_sql.indicator_values_sql(
                indicator_ids=["A01"], area_codes=["16070001", "16070002"]))
        kreis = store.query(panel_sql.aggregate_sql("v", code_length=5))
        assert kreis.loc[0, "value"] == pytest.approx(40 / 500 * 100)   # 8 %, not mean(5, 10)
        layer = store.read_observations(indicator_ids=["A01"], periods=["2025-Q4"])
        assert list(layer["area_code"]) == ["16070001", "16070002", "16070003", "16070004"]
        assert layer["value"].iloc[1] == pytest.approx(10.0)             # 30 / 300
