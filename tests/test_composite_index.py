"""Status-Dynamik-Index (MSS manner): hand-computed z-scores and classes, directions, areas not
assessed, bounds, too few areas, invariances (Hypothesis), the view on the demo store and the
controlling section executed by papermill."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from monitoring import views
from monitoring.core import composite_index as ci
from monitoring.errors import ConfigError, DataValidationError, InsufficientDataError
from monitoring.io import settings as mon_settings
from monitoring.present import figures, tables
from monitoring.store.database import open_store

NOW, EARLIER = "2025-Q4", "2023-Q4"
ROOT = Path(__file__).resolve().parents[1]
DEFS = pd.DataFrame({
    "indicator_id": ["D1", "D2", "U1", "C1"],
    "name_de": ["Quote runter", "Zweite Quote runter", "Quote rauf", "Kontext"],
    "direction": ["down", "down", "up", "context"],
})
BASE = ci.IndexSettings(
    indicators=("D1",), span=8, status_bounds=(-1.0, 1.0, 1.5), dynamic_bounds=(-1.0, 1.0),
    attention=frozenset({("sehr niedrig", "positiv"), ("sehr niedrig", "stabil"),
                         ("sehr niedrig", "negativ"), ("niedrig", "negativ")}),
    min_denominator=100.0, min_areas=5, accepted_flags=frozenset({"endgültig", "vorläufig"}))


def make_settings(**changes: object) -> ci.IndexSettings:
    return dataclasses.replace(BASE, **changes)  # type: ignore[arg-type]


def make_panel(values: dict[str, tuple[list[float], list[float]]], areas: list[str],
               denominator: float = 1000.0) -> pd.DataFrame:
    """indicator → (values now, values 8 quarters earlier), one per area in `areas`."""
    rows = []
    for indicator_id, (now, before) in values.items():
        for area, a, b in zip(areas, now, before, strict=True):
            for period, v in ((NOW, a), (EARLIER, b)):
                rows.append({"indicator_id": indicator_id, "area_code": area, "period": period,
                             "value": v, "numerator": v * denominator / 100,
                             "denominator": denominator, "flags": None})
    return pd.DataFrame(rows)


def codes(n: int) -> list[str]:
    return [f"A{i}" for i in range(1, n + 1)]


def by_area(result: ci.CompositeIndex) -> pd.DataFrame:
    return result.areas.set_index("area_code")


# -- hand-computed ------------------------------------------------------------------------------
def test_single_indicator_hand_computed_population_sd_and_classes() -> None:
    # Values 2 4 4 4 5 5 7 9: mean 5, population SD exactly 2 (sample SD would be 2.14).
    # z = -1.5 -0.5 -0.5 -0.5 0 0 +1 +2; +1 lies on the bound, so "mittel", not "niedrig".
    # Changes 0 … 0 8: mean 1, population SD √7: z = -1/√7 (seven times) and 7/√7 = √7.
    now = [2.0, 4, 4, 4, 5, 5, 7, 9]
    change = [0.0, 0, 0, 0, 0, 0, 0, 8]
    panel = make_panel({"D1": (now, [n - c for n, c in zip(now, change, strict=True)])},
                       codes(8))
    out = by_area(ci.compute(panel, DEFS, areas=codes(8), period=NOW, settings=BASE))
    assert list(out["status_index"]) == pytest.approx([-1.5, -0.5, -0.5, -0.5, 0, 0, 1, 2])
    assert list(out["dynamic_index"]) == pytest.approx([-1 / 7 ** 0.5] * 7 + [7 ** 0.5])
    assert list(out["status_class"]) == ["hoch"] + ["mittel"] * 6 + ["sehr niedrig"]
    assert list(out["dynamic_class"]) == ["stabil"] * 7 + ["negativ"]
    assert list(out["group"]) == ["1/2"] + ["2/2"] * 6 + ["4/3"]
    assert list(out["attention"]) == [False] * 7 + [True]
    assert out["assessed"].all() and out["reason"].isna().all()


def test_two_indicators_with_directions_against_numpy() -> None:
    areas = codes(7)
    d_now = np.array([10.0, 12, 8, 15, 9, 20, 11])
    d_before = np.array([11.0, 12, 10, 13, 9, 16, 12])
    u_now = np.array([50.0, 40, 60, 35, 55, 30, 45])
    u_before = np.array([48.0, 42, 55, 36, 50, 33, 44])
    panel = make_panel({"D1": (list(d_now), list(d_before)),
                        "U1": (list(u_now), list(u_before))}, areas)
    result = ci.compute(panel, DEFS, areas=areas, period=NOW,
                        settings=make_settings(indicators=("D1", "U1")))

    def z(x: np.ndarray) -> np.ndarray:
        return (x - x.mean()) / x.std()  # numpy: population SD (ddof=0)

    status_z = np.column_stack([z(d_now), -z(u_now)])          # "up": sign reversed
    dynamic_z = np.column_stack([z(d_now - d_before), -z(u_now - u_before)])
    status = status_z.mean(axis=1) / status_z.mean(axis=1).std()
    dynamic = dynamic_z.mean(axis=1) / dynamic_z.mean(axis=1).std()
    out = by_area(result)
    assert out["status_index"].to_numpy() == pytest.approx(status)
    assert out["dynamic_index"].to_numpy() == pytest.approx(dynamic)
    expected_status = np.select([status < -1, status <= 1, status <= 1.5],
                                ["hoch", "mittel", "niedrig"], "sehr niedrig")
    expected_dynamic = np.select([dynamic < -1, dynamic <= 1], ["positiv", "stabil"], "negativ")
    assert list(out["status_class"]) == list(expected_status)
    assert list(out["dynamic_class"]) == list(expected_dynamic)
    values = result.values.set_index(["area_code", "indicator_id"])
    assert values.xs("U1", level="indicator_id")["status_z"].to_numpy() == pytest.approx(
        -z(u_now))
    assert values.loc[("A6", "D1"), "change"] == pytest.approx(4.0)  # 20 − 16 points
    used = result.indicators.set_index("indicator_id")
    assert used.loc["U1", "sign"] == -1 and used.loc["D1", "sign"] == 1
    assert used.loc["D1", "sd"] == pytest.approx(d_now.std())


def test_up_indicator_is_the_mirror_of_a_down_indicator() -> None:
    areas = codes(6)
    now, before = [3.0, 7, 1, 9, 4, 6], [2.0, 8, 1, 5, 4, 7]
    down = ci.compute(make_panel({"D1": (now, before)}, areas), DEFS, areas=areas, period=NOW,
                      settings=BASE)
    up = ci.compute(make_panel({"U1": ([100 - v for v in now], [100 - v for v in before])},
                               areas),
                    DEFS, areas=areas, period=NOW, settings=make_settings(indicators=("U1",)))
    cols = ["status_index", "dynamic_index", "status_class", "dynamic_class", "group"]
    pd.testing.assert_frame_equal(down.areas[cols], up.areas[cols])


# -- not assessed -------------------------------------------------------------------------------
def test_missing_suppressed_flagged_and_small_areas_are_not_assessed() -> None:
    areas = codes(9)
    now = [5.0, 6, 7, 8, 9, 10, 12, 15, 20]
    panel = make_panel({"D1": (now, [v - 1 for v in now])}, areas)
    at = panel.set_index(["area_code", "period"])
    at.loc[("A1", NOW), "value"] = np.nan                                   # no value
    at.loc[("A2", EARLIER), ["value", "flags"]] = [np.nan, "geheim"]        # withheld
    at.loc[("A3", NOW), "flags"] = "geschätzt"                              # estimated
    at.loc[("A4", NOW), "denominator"] = 50.0                               # too small
    at.loc[("A5", NOW), "flags"] = "vorläufig"                              # accepted
    panel = at.reset_index()
    result = ci.compute(panel, DEFS, areas=areas, period=NOW, settings=BASE)
    out = by_area(result)
    assert list(out["assessed"]) == [False] * 4 + [True] * 5
    assert out.loc["A1", "reason"] == "D1 2025-Q4: kein Wert"
    assert out.loc["A2", "reason"] == "D1 2023-Q4: kein Wert (geheim)"
    assert out.loc["A3", "reason"] == "D1 2025-Q4: Kennzeichen „geschätzt“"
    assert out.loc["A4", "reason"] == "D1 2025-Q4: Bezugsgröße unter 100"  # no count shown
    assert out.loc[["A1", "A2", "A3", "A4"], "status_index"].isna().all()
    assert out.loc[["A1", "A2", "A3", "A4"], "status_class"].isna().all()
    assert not out.loc[["A1", "A2", "A3", "A4"], "attention"].any()
    # z-scores over the five assessed areas only; nothing imputed for the others
    kept = np.array(now[4:])
    assert out.loc["A5":, "status_index"].to_numpy() == pytest.approx(
        (kept - kept.mean()) / kept.std())
    values = result.values.set_index("area_code")
    assert np.isnan(values.loc["A1", "value"]) and np.isnan(values.loc["A3", "status_z"])
    assert values.loc["A3", "value"] == 7.0  # the value itself is still shown
    summary = " ".join(ci.summary_de(result, area_code="A2", area_name="Gebiet 2"))
    assert "Gebiet 2 wird nicht bewertet: D1 2023-Q4: kein Wert (geheim)." in summary
    assert "4 Gebiete werden nicht bewertet" in summary


def test_min_denominator_zero_switches_the_size_check_off() -> None:
    areas = codes(5)
    panel = make_panel({"D1": ([1.0, 2, 3, 4, 5], [1.0, 2, 3, 4, 5])}, areas, denominator=10)
    with pytest.raises(InsufficientDataError):
        ci.compute(panel, DEFS, areas=areas, period=NOW, settings=BASE)
    result = ci.compute(panel, DEFS, areas=areas, period=NOW,
                        settings=make_settings(min_denominator=0.0))
    assert result.assessed_count == 5


def test_an_indicator_without_any_value_is_left_out_and_named() -> None:
    areas = codes(6)
    now, before = [3.0, 7, 1, 9, 4, 6], [2.0, 8, 1, 5, 4, 7]
    panel = make_panel({"D1": (now, before), "D2": ([np.nan] * 6, [1.0] * 6)}, areas)
    both = ci.compute(panel, DEFS, areas=areas, period=NOW,
                      settings=make_settings(indicators=("D1", "D2")))
    alone = ci.compute(panel, DEFS, areas=areas, period=NOW, settings=BASE)
    assert both.dropped == {"D2": "für Q4 2025 liegt in keinem der 6 Gebiete ein Wert vor"}
    pd.testing.assert_frame_equal(both.areas, alone.areas)
    text = " ".join(ci.summary_de(both, area_code="A1", area_name="A1"))
    assert "Nicht im Index: D2 Zweite Quote runter – für Q4 2025" in text


def test_equal_values_give_zero_not_a_division_by_zero() -> None:
    areas = codes(5)
    panel = make_panel({"D1": ([4.0] * 5, [4.0] * 5)}, areas)
    out = by_area(ci.compute(panel, DEFS, areas=areas, period=NOW, settings=BASE))
    assert (out["status_index"] == 0).all() and (out["dynamic_index"] == 0).all()
    assert set(out["group"]) == {"2/2"}


# -- settings and errors ------------------------------------------------------------------------
def test_class_bounds_are_configurable() -> None:
    now = [2.0, 4, 4, 4, 5, 5, 7, 9]            # z = -1.5 -0.5 -0.5 -0.5 0 0 1 2 (see above)
    panel = make_panel({"D1": (now, now)}, codes(8))
    moved = make_settings(status_bounds=(-0.6, 0.4, 1.0))
    out = by_area(ci.compute(panel, DEFS, areas=codes(8), period=NOW, settings=moved))
    assert list(out["status_class"]) == ["hoch"] + ["mittel"] * 5 + ["niedrig", "sehr niedrig"]
    mapping = {"indikatoren": ["A19"], "dynamik_quartale": 4, "status_grenzen": [-2, 0, 2],
               "dynamik_grenzen": [-0.5, 0.5], "aufmerksamkeit": ["niedrig/negativ"],
               "mindestnenner": 0, "mindestgebiete": 5, "zulaessige_kennzeichen": []}
    parsed = ci.IndexSettings.from_mapping(mapping, origin="test")
    assert parsed.status_bounds == (-2.0, 0.0, 2.0) and parsed.span == 4
    assert parsed.attention == frozenset({("niedrig", "negativ")})
    with pytest.raises(ConfigError, match="`status_grenzen` muss 3 aufsteigende Zahlen"):
        ci.IndexSettings.from_mapping({**mapping, "status_grenzen": [1, 0, 2]}, origin="test")
    with pytest.raises(ConfigError, match="unbekannter Schlüssel `statusgrenzen`"):
        ci.IndexSettings.from_mapping({**mapping, "statusgrenzen": [1]}, origin="test")
    with pytest.raises(ConfigError, match="„schlecht/negativ“ ist keine Gruppe"):
        ci.IndexSettings.from_mapping({**mapping, "aufmerksamkeit": ["schlecht/negativ"]},
                                      origin="test")
    with pytest.raises(ConfigError, match="`mindestgebiete` muss eine ganze Zahl ab 3"):
        ci.IndexSettings.from_mapping({**mapping, "mindestgebiete": 2}, origin="test")


def test_settings_file_overrides_the_shipped_defaults(tmp_path: Path) -> None:
    shipped = mon_settings.resolve(cwd=tmp_path, environ={}).index
    assert shipped.indicators == ("A19", "A21", "A22", "A16")
    assert shipped.status_bounds == (-1.0, 1.0, 1.5) and shipped.dynamic_bounds == (-1.0, 1.0)
    catalogue = pd.read_csv(ROOT / "src/monitoring/data/indicators.csv", sep=";")
    directions = catalogue.set_index("indicator_id").loc[list(shipped.indicators), "direction"]
    assert set(directions) <= {"up", "down"}  # every default index indicator has a direction
    file = tmp_path / "monitoring.toml"
    file.write_text('[geheimhaltung]\nschwelle = 3\n\n[status_dynamik_index]\n'
                    'indikatoren = ["A19", "A21"]\nstatus_grenzen = [-1.0, 0.5, 2.0]\n',
                    encoding="utf-8")
    mine = mon_settings.resolve(file=file, environ={}).index
    assert mine.indicators == ("A19", "A21") and mine.status_bounds == (-1.0, 0.5, 2.0)
    assert mine.span == 8 and "status_dynamik_index" in mine.source
    file.write_text('[status_dynamik_index]\nindikatoren = "A19"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="`indikatoren` muss eine Liste"):
        mon_settings.resolve(file=file, environ={})


def test_too_few_areas_is_our_error_with_a_german_message() -> None:
    panel = make_panel({"D1": ([1.0, 2, 3, 4], [1.0, 2, 3, 4])}, codes(4))
    with pytest.raises(InsufficientDataError, match=r"nur 4 Gebiete.*mindestens 5"):
        ci.compute(panel, DEFS, areas=codes(4), period=NOW, settings=BASE)
    panel = make_panel({"D1": ([1.0, 2, np.nan, 4, np.nan, 6], [1.0] * 6)}, codes(6))
    with pytest.raises(InsufficientDataError) as caught:
        ci.compute(panel, DEFS, areas=codes(6), period=NOW, settings=BASE)
    message = str(caught.value)
    assert "nur 4 bewertbar" in message and "A3: D1 2025-Q4: kein Wert" in message
    assert isinstance(caught.value, ValueError)


def test_context_unknown_and_duplicate_indicators_are_refused() -> None:
    panel = make_panel({"D1": ([1.0] * 5, [1.0] * 5)}, codes(5))
    with pytest.raises(ConfigError, match="C1 haben keine Richtung"):
        ci.compute(panel, DEFS, areas=codes(5), period=NOW,
                   settings=make_settings(indicators=("D1", "C1")))
    with pytest.raises(ConfigError, match="X9 stehen nicht im Indikatorkatalog"):
        ci.compute(panel, DEFS, areas=codes(5), period=NOW,
                   settings=make_settings(indicators=("X9",)))
    with pytest.raises(ConfigError, match="doppelt"):
        ci.compute(panel, DEFS, areas=codes(5), period=NOW,
                   settings=make_settings(indicators=("D1", "D1")))
    doubled = pd.concat([panel, panel.iloc[:1]], ignore_index=True)
    with pytest.raises(DataValidationError, match="doppeltem Schlüssel"):
        ci.compute(doubled, DEFS, areas=codes(5), period=NOW, settings=BASE)


def test_inputs_are_not_mutated() -> None:
    panel = make_panel({"D1": ([3.0, 7, 1, 9, 4, 6], [2.0, 8, 1, 5, 4, 7])}, codes(6))
    before, defs = panel.copy(), DEFS.copy()
    ci.compute(panel, DEFS, areas=codes(6), period=NOW, settings=BASE)
    pd.testing.assert_frame_equal(panel, before)
    pd.testing.assert_frame_equal(DEFS, defs)


# -- properties ---------------------------------------------------------------------------------
tenths = st.integers(0, 1000).map(lambda v: v / 10)


@st.composite
def worlds(draw: st.DrawFn) -> tuple[pd.DataFrame, ci.IndexSettings, list[str]]:
    n = draw(st.integers(5, 10))
    ids = draw(st.lists(st.sampled_from(["D1", "D2", "U1"]), min_size=1, max_size=3,
                        unique=True))
    values = {i: (draw(st.lists(tenths, min_size=n, max_size=n)),
                  draw(st.lists(tenths, min_size=n, max_size=n))) for i in ids}
    return make_panel(values, codes(n)), make_settings(indicators=tuple(ids)), codes(n)


def _clear_of_bounds(scores: pd.Series, bounds: tuple[float, ...]) -> pd.Series:
    return pd.concat([(scores - b).abs() > 1e-6 for b in bounds], axis=1).all(axis=1)


@settings(max_examples=examples(60), deadline=None)
@given(world=worlds(), shift=st.integers(-50, 50), factor=st.sampled_from([0.1, 0.5, 3.0, 40.0]),
       which=st.integers(0, 2))
def test_index_is_invariant_to_shifting_and_scaling_an_indicator(
        world: tuple[pd.DataFrame, ci.IndexSettings, list[str]], shift: int, factor: float,
        which: int) -> None:
    panel, config, areas = world
    target = config.indicators[which % len(config.indicators)]
    moved = panel.copy()
    rows = moved["indicator_id"] == target
    moved.loc[rows, "value"] = moved.loc[rows, "value"] * factor + shift
    a = by_area(ci.compute(panel, DEFS, areas=areas, period=NOW, settings=config))
    b = by_area(ci.compute(moved, DEFS, areas=areas, period=NOW, settings=config))
    for column in ("status_index", "dynamic_index"):
        assert b[column].to_numpy() == pytest.approx(a[column].to_numpy(), abs=1e-6)
    clear = _clear_of_bounds(a["status_index"], config.status_bounds)
    assert (a.loc[clear, "status_class"] == b.loc[clear, "status_class"]).all()
    clear = _clear_of_bounds(a["dynamic_index"], config.dynamic_bounds)
    assert (a.loc[clear, "dynamic_class"] == b.loc[clear, "dynamic_class"]).all()


@settings(max_examples=examples(60), deadline=None)
@given(world=worlds(), seed=st.integers(0, 2 ** 32 - 1))
def test_order_of_areas_and_rows_does_not_matter(
        world: tuple[pd.DataFrame, ci.IndexSettings, list[str]], seed: int) -> None:
    panel, config, areas = world
    rng = np.random.default_rng(seed)
    shuffled = panel.iloc[rng.permutation(len(panel))].reset_index(drop=True)
    a = ci.compute(panel, DEFS, areas=areas, period=NOW, settings=config)
    b = ci.compute(shuffled, DEFS, areas=list(rng.permutation(areas)), period=NOW,
                   settings=config)
    pd.testing.assert_frame_equal(a.areas, b.areas)
    pd.testing.assert_frame_equal(a.values, b.values)
    pd.testing.assert_frame_equal(a.indicators, b.indicators)


# -- view on the demo store and the report section ----------------------------------------------
def test_view_places_the_district_among_all_22(demo_store_path: Path) -> None:
    with open_store(demo_store_path) as store:
        ctx = views.context(store, "16070", "2025-Q4")
        position = views.composite_index(store, ctx)
    table = position["table"]
    assert len(table) == 22 and table["assessed"].all()
    assert list(table.loc[table["own"], "label"]) == ["Ilm-Kreis (Berichtsgebiet)"]
    assert position["result"].dropped.keys() == {"A22"}  # not in the demo data: named, left out
    assert list(position["own"]["indicator_id"]) == ["A19", "A21", "A16"]
    assert table["status_index"].is_monotonic_decreasing
    text = " ".join(position["summary"])
    assert "Ilm-Kreis liegt unter den 22 bewerteten Kreisen" in text
    assert "relativ zu den anderen Gebieten" in text and "Ursachen" in text


def test_a_withheld_rate_makes_its_district_not_assessed(writable_store: Path) -> None:
    with open_store(writable_store, read_only=False) as store, store.transaction():
        store.execute("UPDATE observation SET numerator = 2, value = 2 / denominator * 100 "
                      "WHERE indicator_id = 'A19' AND area_code = '16054' AND period = '2025-Q4'")
    with open_store(writable_store) as store:
        position = views.composite_index(store, views.context(store, "16054", "2025-Q4"))
    row = position["table"].set_index("area_code").loc["16054"]
    assert not row["assessed"]
    assert row["reason"].startswith("A19 2025-Q4: kein Wert (")
    assert "geheimgehalten" in row["reason"]
    # secondary suppression within A19 2025-Q4 (the state value is the districts' total):
    # the district with the next smallest numerator is withheld as well
    with open_store(writable_store) as store:
        numerators = store.query(
            "SELECT area_code, numerator FROM observation WHERE indicator_id = 'A19' AND "
            "period = '2025-Q4' AND area_code <> '16054' AND length(area_code) = 5 "
            "AND numerator > 0 ORDER BY numerator, area_code LIMIT 1")
    second = numerators["area_code"].iloc[0]
    table = position["table"].set_index("area_code")
    assert not table.loc[second, "assessed"] and "geheimgehalten" in table.loc[second, "reason"]
    assert position["table"]["assessed"].sum() == 20
    own = position["own"].set_index("indicator_id")
    assert np.isnan(own.loc["A19", "value"])  # the withheld rate is not shown either
    assert "Suhl wird nicht bewertet" in " ".join(position["summary"])


def test_view_with_too_few_peers_reports_why_instead_of_failing(demo_store_path: Path) -> None:
    with open_store(demo_store_path) as store:
        ctx = views.context(store, "16051", "2025-Q4")
        position = views.composite_index(store, ctx, peers=["16051", "16052", "16053"])
    assert position["result"] is None and position["table"].empty
    assert "nur 3 Gebiete" in position["summary"][0]
    assert position["summary"][0].startswith("Der Status-Dynamik-Index wird nicht berechnet")
    html = tables.html_table(position["table"], {"label": ("Gebiet", tables.text)},
                             persons=False)
    assert "<tbody></tbody>" in html
    fig = figures.index_chart(position["table"], status_bounds=(-1, 1, 1.5),
                              dynamic_bounds=(-1, 1))
    assert len(fig.data[0].x) == 0


@pytest.mark.slow
def test_controlling_section_executes_and_shows_the_index(demo_store_path: Path,
                                                          section_html) -> None:
    html, nb = section_html("40_controlling.ipynb", "16051", demo_store_path)
    assert "Status-Dynamik-Index Q4 2025: Lage unter den Kreisen und kreisfreien Städten" in html
    assert "Erfurt (Berichtsgebiet)" in html and "Statusklasse" in html
    assert "Erfurt: Indexindikatoren" in html and "Mittel aller bewerteten Gebiete" in html
    assert "relativ zu den anderen Gebieten" in html
    charts = [o["data"]["application/vnd.plotly.v1+json"] for c in nb.cells
              if c.cell_type == "code" for o in c.outputs
              if "application/vnd.plotly.v1+json" in o.get("data", {})]
    index_chart = [f for f in charts if f["layout"].get("xaxis", {}).get("title", {}).get(
        "text", "").startswith("Statusindex")]
    assert len(index_chart) == 1 and len(index_chart[0]["data"][0]["hovertext"]) == 22
