"""Disclosure in the published forms (issue 12): exports, chart data, escaped text, small
populations in accessibility. Real stores on disk and the real command line where a feature
is claimed end to end; expected values computed by hand from the figures written here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from monitoring.core import privacy
from monitoring.present import figures, notebook, tables
from monitoring.store.database import open_store
from monitoring.views import publishable
from monitoring.views.scope import districts

RULE = privacy.DisclosureRule()
MARKUP = "<img src=x onerror=alert(1)>"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "monitoring", *args], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done


# -- 2. the indicator export: numerators and denominators are margins too ------------------------
@pytest.fixture(scope="module")
def a23_export(reference_store: Path, tmp_path_factory: pytest.TempPathFactory
               ) -> tuple[pd.DataFrame, dict]:
    """A23 (Dezentrale Unterbringung, in Wohnungen / alle untergebrachten Geflüchteten):
    2025-Q4 Jena (16053) 10 of 12 – a rate on fewer than 20 persons –, every other district
    40 + i of 50 + 2i; 2025-Q3 every district the same, Jena 30 of 40 (nothing withheld).
    Imported and exported once for the module's tests (they only read the export)."""
    tmp_path = tmp_path_factory.mktemp("a23")
    reference_copy = tmp_path / "s.duckdb"
    shutil.copy(reference_store, reference_copy)
    with open_store(reference_copy) as store:
        codes = list(districts(store)["area_code"])
    figures_ = {}
    for i, code in enumerate(codes):
        figures_[(code, "2025-Q4")] = (10, 12) if code == "16053" else (40 + i, 50 + 2 * i)
        figures_[(code, "2025-Q3")] = (30, 40) if code == "16053" else (40 + i, 50 + 2 * i)
    lines = ["reihe;gebiet;zeitraum;wert"] + [
        f"{series};{code};{period};{value}" for (code, period), pair in figures_.items()
        for series, value in zip(("unterbringung_wohnung", "unterbringung_gesamt"), pair,
                                 strict=True)]
    source = tmp_path / "unterbringung.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _cli("import", "zahlen", str(source), "--store", str(reference_copy))
    _cli("export", "indikatoren", "--out", str(tmp_path / "a23.csv"), "--store",
         str(reference_copy))
    frame = pd.read_csv(tmp_path / "a23.csv", sep=";", decimal=",", encoding="utf-8-sig",
                        dtype={"Gebietsschlüssel": str, "Kennzeichen": str})
    return frame[frame["Indikator"] == "A23"].set_index(["Gebietsschlüssel", "Quartal"]), \
        figures_


def test_export_withholds_the_state_margins_beside_a_withheld_district(a23_export) -> None:
    frame, figures_ = a23_export
    jena = frame.loc[("16053", "2025-Q4")]
    # the rate 10/12 is withheld (denominator 12 < 20) and neither count stands beside it
    assert jena[["Wert", "Zähler", "Nenner"]].isna().all()
    assert "gesperrt" in jena["Kennzeichen"]
    state = frame.loc[("16", "2025-Q4")]
    # state minus the shown districts would give 10 and 12: both state margins withheld
    assert np.isnan(state["Zähler"]) and np.isnan(state["Nenner"])
    assert "Zähler und Nenner gesperrt" in state["Kennzeichen"]
    shown = frame.xs("2025-Q4", level="Quartal").drop(["16", "16053"])
    assert shown["Zähler"].sum() == sum(n for (c, q), (n, _) in figures_.items()
                                        if q == "2025-Q4" and c != "16053")
    # the state rate stays, rounded as the reports show it (one decimal)
    numerator = sum(n for (c, q), (n, _) in figures_.items() if q == "2025-Q4")
    denominator = sum(d for (c, q), (_, d) in figures_.items() if q == "2025-Q4")
    assert state["Wert"] == round(100 * numerator / denominator, 1)


def test_export_shows_the_state_margins_when_nothing_is_withheld(a23_export) -> None:
    frame, figures_ = a23_export
    state = frame.loc[("16", "2025-Q3")]
    assert state["Zähler"] == sum(n for (c, q), (n, _) in figures_.items() if q == "2025-Q3")
    assert state["Nenner"] == sum(d for (c, q), (_, d) in figures_.items() if q == "2025-Q3")
    assert (frame.loc[("16053", "2025-Q3"), ["Zähler", "Nenner"]] == [30, 40]).all()
    assert frame.loc[("16053", "2025-Q3"), "Wert"] == 75.0
    # every exported rate carries at most one decimal
    values = frame["Wert"].dropna()
    assert (values.round(1) == values).all()


# -- 3. chart data carry the precision they are shown with ---------------------------------------
def _numbers(fig) -> list[tuple[str, float]]:
    """Every number in the data arrays (x, y, z) of every trace of a figure's JSON."""
    data = json.loads(fig.to_json())["data"]
    return [(trace.get("type", ""), v) for trace in data for key in ("x", "y", "z")
            for v in (trace.get(key) or []) if isinstance(v, float)]


def test_indicator_and_peer_charts_hold_rounded_rates_only() -> None:
    # 7 of 17 = 41.1764…%: from the full float, continued fractions give back 7/17
    rate = 100 * 7 / 17
    assert Fraction(rate / 100).limit_denominator(1000) == Fraction(7, 17)
    series = pd.DataFrame({"period": ["2025-Q3", "2025-Q4"], "value": [rate, np.nan],
                           "state_value": [100 * 1234 / 5678, 100 * 1240 / 5690]})
    target = pd.Series({"baseline_period": "2024-Q4", "baseline_value": 100 / 3,
                        "target_period": "2026-Q4", "target_value": 200 / 3})
    chart = figures.indicator_chart(series, unit="%", area_name="Jena", target=target)
    peers = pd.DataFrame({"name": ["Jena", "Gera", "Thüringen"], "kind": ["Kreisfreie Stadt"] * 2
                          + ["Land"], "value": [rate, 100 * 5 / 13, 100 * 1234 / 5678],
                          "own": [True, False, False]})
    bars = figures.peer_chart(privacy.withheld(peers, peers, ["value"]), name="A23", unit="%")
    # the line chart's x values are quarters on a time axis (2025.75 = Q4 2025), not data
    times = [v for trace in json.loads(chart.to_json())["data"] for v in trace["x"]]
    assert times == [2025.5, 2025.75, 2025.5, 2025.75, 2024.75, 2026.75]
    values = [(kind, v) for kind, v in _numbers(chart) if v not in times]
    numbers = values + _numbers(bars)
    assert [v for _, v in values] == [21.7, 21.8, 41.2, 33.3, 66.7]
    assert sorted(v for _, v in _numbers(bars)) == [38.5, 41.2]
    assert all(round(v, 1) == v for _, v in numbers)
    assert Fraction(41.2 / 100).limit_denominator(1000) != Fraction(7, 17)
    state_line = json.loads(bars.to_json())["layout"]["shapes"]
    assert state_line[0]["x0"] == 21.7


def test_coverage_map_colours_are_rounded_and_names_escaped() -> None:
    frame = pd.DataFrame({"area_code": ["1", "2"], "name": [MARKUP, "Ort"],
                          "population": [300.0, 700.0], "offers": [1.0, 2.0]})
    frame["offers_per_1000"] = frame["offers"] / frame["population"] * 1000  # 3.333…, 2.857…
    areas = gpd.GeoDataFrame({"area_code": ["1", "2"]},
                             geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
                             crs="EPSG:25832")
    fig = figures.coverage_map(publishable.coverage_by_district(frame, RULE), areas,
                               value="offers_per_1000", label="Angebote", title=MARKUP)
    assert [v for _, v in _numbers(fig)] == [3.3, 2.9]
    text = fig.to_json()
    assert MARKUP not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


# -- 4. imported text never reaches a report as live HTML -----------------------------------------
@pytest.fixture
def markup_store(writable_store: Path, tmp_path: Path) -> Path:
    """The demo store with an own indicator X99 named like an attack (see `_import_markup`)."""
    return _import_markup(writable_store, tmp_path)


@pytest.fixture(scope="module")
def markup_reference(reference_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store without other figures, with X99 (see `_import_markup`): its controlling view
    has X99 only, computed in a fraction of the demo store's time; shared by the module."""
    folder = tmp_path_factory.mktemp("markup")
    shutil.copy(reference_store, folder / "s.duckdb")
    return _import_markup(folder / "s.duckdb", folder, goal="")  # a target without a goal


def _import_markup(writable_store: Path, tmp_path: Path, goal: str = "Z-16070-wohnen") -> Path:
    """Import an own indicator X99 named like an attack through the real command line:
    catalogue, a target for Ilm-Kreis (under the demo's `goal`) and figures (10 of 100 against
    a path from 1 to 90 % – a red light, so the name appears in the controlling summary)."""
    catalogue = tmp_path / "eigene.csv"
    catalogue.write_text(
        "indicator_id;name_de;name_en;definition;numerator_series;denominator_series;unit;"
        "scale;direction;source;availability;field\n"
        f"X99;{MARKUP};x;<b>Definition</b>;x_zaehler;x_nenner;%;100;up;"
        "<script>alert(2)</script>;ja;wohnen\n", encoding="utf-8")
    targets = tmp_path / "zielwerte.csv"
    targets.write_text("indikator;gebiet;ziel;ausgangsquartal;ausgangswert;zielquartal;"
                       f"zielwert\nX99;16070;{goal};2024-Q4;1;2026-Q4;90\n",
                       encoding="utf-8")
    values = tmp_path / "x.csv"
    values.write_text("reihe;gebiet;zeitraum;wert\n" + "".join(
        f"x_zaehler;16070;{q};10\nx_nenner;16070;{q};100\n" for q in ("2025-Q3", "2025-Q4")),
        encoding="utf-8")
    for kind, path in (("katalog", catalogue), ("konzept", targets), ("zahlen", values)):
        _cli("import", kind, str(path), "--store", str(writable_store))
    return writable_store


def test_indicator_name_from_the_catalogue_is_escaped_in_the_summary(
        markup_reference: Path) -> None:
    from monitoring import views

    with open_store(markup_reference) as store:
        ctx = views.context(store, "16070", "2025-Q4")
        result = views.controlling(store, ctx)
    assert any(MARKUP in s for s in result["summary"])  # the view keeps the name as it is
    fragment = notebook.summary(result["summary"]).data
    assert "Nicht im Plan:" in fragment and "&lt;img src=x onerror=alert(1)&gt;" in fragment
    assert "<img" not in fragment
    # the old notebook cell built its paragraph by hand: `show` now escapes such strings
    shown = notebook.show('<p class="mon-summary">' + " ".join(result["summary"]) + "</p>").data
    assert "<img" not in shown and "&lt;img" in shown
    table = tables.html_table(result["lights_table"], {"indicator": ("Indikator", tables.text)})
    assert notebook.show(table).data == table and "&lt;img" in table and "<img" not in table


@pytest.mark.slow  # executes the controlling notebook
def test_controlling_report_shows_markup_as_text_and_rounded_chart_data(
        markup_store: Path, section_html) -> None:
    html, nb = section_html("40_controlling.ipynb", "16070", markup_store)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    data = [o["data"]["application/vnd.plotly.v1+json"] for c in nb.cells
            if c.cell_type == "code" for o in c.outputs
            if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert data
    for fig in data:
        for trace in fig["data"]:
            decimals = 2 if trace.get("mode") == "markers+text" else 1  # index: two decimals
            for key in ("x", "y", "z"):
                values = trace.get(key)
                if not isinstance(values, list):
                    assert not isinstance(values, dict), "binary-encoded figure data"
                    continue
                numbers = [v for v in values if isinstance(v, float)]
                if key == "x" and numbers and all((v * 4).is_integer() and v > 1900
                                                  for v in numbers):
                    continue  # a time axis: quarter positions (2025.75 = Q4 2025), no figures
                assert all(round(v, decimals) == v for v in numbers), (trace.get("name"), key)
    x99 = [t for fig in data for t in fig["data"] if t.get("name") == "Ilm-Kreis"
           and fig["layout"]["title"]["text"].startswith("X99")]
    assert x99 and x99[0]["y"][-1] == 10.0


# -- 5. places per 1,000 for municipalities with few persons --------------------------------------
def _access(population: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"area_code": ["1", "2", "3"], "name": ["A", "B", "C"],
                         "label": ["Sprache"] * 3, "population": population,
                         "access_per_1000": [12.345, 8.0, 3.1], "relative_pct": [40.0, 30, 20],
                         "nearest_km": [4.0, 8.0, 2.0], "category": ["unter 50 % des "
                                                                     "Kreismittels"] * 3})


def test_per_1000_withheld_below_the_minimum_population() -> None:
    frame = _access([3.0, 19.0, 20.0])  # 3 shown as a count (≥ 3), but 3 and 19 < 20 persons
    layer = publishable.accessibility_map(frame, RULE)["Sprache"]
    assert layer.suppressed["access_per_1000"].tolist() == [True, True, False]
    assert layer.suppressed["population"].tolist() == [False, False, False]
    gaps = publishable.accessibility_gaps(frame, RULE)
    html = tables.html_table(gaps, {
        "name": ("Gemeinde", tables.text),
        "access_per_1000": ("Plätze je 1.000", tables.one_decimal),
        "relative_pct": ("in % des Kreismittels", tables.integer),
        "population": ("Ausländische Staatsangehörige", tables.integer)},
        note=publishable.small_demand_note(RULE))
    assert '<th scope="row" class="txt">A</th><td class="num">.</td><td class="num">.</td>' \
           '<td class="num">3</td>' in html
    assert '<th scope="row" class="txt">C</th><td class="num">3,1</td>' \
           '<td class="num">20</td>' in html
    assert "weniger als 20 ausländischen Staatsangehörigen nicht ausgewiesen" in html
    areas = gpd.GeoDataFrame({"area_code": ["1", "2", "3"]},
                             geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:4326")
    fig = figures.class_map({"Sprache": layer}, areas, category="category",
                            classes=[("unter 50 % des Kreismittels", "#d7301f")],
                            hover={"access_per_1000": ("Plätze je 1.000", 1)})
    hover = json.loads(fig.to_json())["data"][0]["text"]
    assert [h.split("<br>")[-1] for h in hover] == ["Plätze je 1.000: .", "Plätze je 1.000: .",
                                                   "Plätze je 1.000: 3,1"]
