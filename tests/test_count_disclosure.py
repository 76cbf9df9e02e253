"""Disclosure control and display of count indicators (A28: "Anzahl", no denominator).

A count is protected as a count: its value is withheld below the threshold, further districts
are withheld so that the state value (the districts' sum) cannot reveal it, and every number
derived from a withheld value (changes, light, chart) is withheld too. Counts are shown as
integers. Expectations are computed by hand from the figures written into the import file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from monitoring import views
from monitoring.core import privacy
from monitoring.present import tables
from monitoring.store.database import open_store

ROOT = Path(__file__).resolve().parents[1]
QUARTERS = ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]


# -- pure: protect_panel ------------------------------------------------------------------------
def _panel(values: list[int], *, indicator: str = "A28", period: str = "2025-Q4") -> pd.DataFrame:
    codes = [f"160{50 + i}" for i in range(len(values))]
    rows = [{"indicator_id": indicator, "area_code": c, "period": period, "value": float(v),
             "numerator": float(v), "denominator": np.nan, "flags": None}
            for c, v in zip(codes, values, strict=True)]
    total = float(sum(values))
    rows.append({"indicator_id": indicator, "area_code": "16", "period": period, "value": total,
                 "numerator": total, "denominator": np.nan, "flags": None})
    return pd.DataFrame(rows)


def _protect(panel: pd.DataFrame, counts: set[str] | None = None) -> privacy.Publishable:
    districts = sorted(set(panel["area_code"]) - {"16"})
    return privacy.protect_panel(panel, counts={"A28"} if counts is None else counts,
                                 districts=districts, state_code="16",
                                 rule=privacy.DisclosureRule(3))


def test_count_above_threshold_shown_although_it_has_no_denominator() -> None:
    out = _protect(_panel([17, 40, 605]))
    assert list(out.frame["value"]) == [17.0, 40.0, 605.0, 662.0]
    assert not out.suppressed.to_numpy().any()


def test_small_count_withheld_with_a_second_district_and_state_kept() -> None:
    out = _protect(_panel([2, 10, 30, 40]))
    shown = out.frame.set_index("area_code")["value"]
    # 2 is below 3; the next smallest (10) is withheld too: 82 − 30 − 40 = 12 = 2 + 10 only
    assert shown.isna().to_dict() == {"16050": True, "16051": True, "16052": False,
                                      "16053": False, "16": False}
    assert shown["16"] == 82.0


def test_state_total_below_threshold_withheld() -> None:
    out = _protect(_panel([0, 2, 0, 0]))
    shown = out.frame.set_index("area_code")["value"]
    assert np.isnan(shown["16"]) and np.isnan(shown["16051"])
    assert shown["16050"] == 0.0  # zeros are shown


def test_rate_without_denominator_still_withheld() -> None:
    """Only count indicators drop the denominator rule; a rate missing it stays withheld."""
    out = _protect(_panel([17, 40, 605], indicator="A01"), counts={"A28"})
    assert out.frame["value"].isna().all()


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=12), min_size=2, max_size=8),
       st.integers(min_value=2, max_value=5))
def test_no_published_combination_recovers_a_withheld_count(values: list[int],
                                                             threshold: int) -> None:
    panel = _panel(values)
    districts = sorted(set(panel["area_code"]) - {"16"})
    out = privacy.protect_panel(panel, counts={"A28"}, districts=districts, state_code="16",
                                rule=privacy.DisclosureRule(threshold))
    frame = out.frame.set_index("area_code")["value"]
    own = frame.drop("16")
    # no shown value between 1 and threshold − 1, the state value included
    assert not ((frame > 0) & (frame < threshold)).any()
    hidden = own.isna()
    original = pd.Series(values, index=districts)
    if hidden.any() and not np.isnan(frame["16"]):
        # total − shown = sum of the withheld cells: must cover ≥ 2 cells and ≥ threshold
        # persons, so no single withheld count can be pinned down
        rest = frame["16"] - own[~hidden].sum()
        assert rest == original[hidden].sum()
        assert hidden.sum() >= 2 and rest >= threshold


# -- formatting ----------------------------------------------------------------------------------
def test_count_values_formatted_as_integers_and_rates_with_one_decimal() -> None:
    row = pd.Series({"unit": "Anzahl"})
    assert tables.indicator_value(605.0, row) == "605"
    assert tables.indicator_value(1605.0, row) == "1.605"
    assert tables.indicator_change(4.0, row) == "+4"
    assert tables.indicator_value(12.34, pd.Series({"unit": "%"})) == "12,3"
    assert tables.indicator_change(-0.44, pd.Series({"unit": "%"})) == "−0,4"


# -- a real store with A28 own figures ----------------------------------------------------------
def _a28_figures(codes: list[str]) -> dict[tuple[str, str], int]:
    """Hand-set A28 counts: Gera (16052) 2 in 2025-Q4, Suhl (16054) 8 (smallest above);
    2025-Q1 only 1 + 1 (a state total of 2); Erfurt (16051) 17, 16 before, 13 a year ago."""
    figures = {}
    for q in QUARTERS:
        for i, code in enumerate(codes):
            figures[(code, q)] = 0 if q == "2025-Q1" else 20 + i
    figures.update({("16051", "2025-Q4"): 17, ("16051", "2025-Q3"): 16,
                    ("16051", "2024-Q4"): 13, ("16052", "2025-Q4"): 2,
                    ("16054", "2025-Q4"): 8, ("16052", "2025-Q1"): 1, ("16054", "2025-Q1"): 1})
    return figures


@pytest.fixture(scope="module")
def a28_store(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, dict[tuple[str, str], int]]:
    """A copy of the demo store with the A28 counts imported, shared by the module's tests
    (they only read it)."""
    tmp_path = tmp_path_factory.mktemp("a28")
    writable_store = tmp_path / "store.duckdb"
    shutil.copy(demo_store_path, writable_store)
    with open_store(writable_store) as store:
        codes = list(views.districts(store)["area_code"])
    figures = _a28_figures(codes)
    path = tmp_path / "a28.csv"
    path.write_text("reihe;gebiet;zeitraum;wert\n" + "".join(
        f"anerkennungen_positiv;{c};{q};{v}\n" for (c, q), v in figures.items()),
        encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "monitoring", "import", "zahlen", str(path),
                           "--store", str(writable_store)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    return writable_store, figures


def _overview(store_path: Path, area: str) -> privacy.Publishable:
    with open_store(store_path) as store:
        return views.indicator_overview(store, views.context(store, area, "2025-Q4"))


def _a28_row(store_path: Path, area: str,
             table: privacy.Publishable | None = None) -> tuple[pd.Series, pd.Series]:
    table = _overview(store_path, area) if table is None else table
    index = table.frame.index[table.frame["indicator_id"] == "A28"][0]
    return table.frame.loc[index], table.suppressed.loc[index]


def test_store_small_count_and_its_changes_withheld(a28_store) -> None:
    path, figures = a28_store
    row, hidden = _a28_row(path, "16052")
    assert hidden[["value", "vs_previous", "vs_year_ago"]].all()
    assert np.isnan(row["value"]) and np.isnan(row["vs_previous"]) and np.isnan(row["vs_year_ago"])
    assert row["status"] == "none"
    # the state value stays: Gera (2) and Suhl (8) together hold 10 ≥ 3 persons
    assert row["state_value"] == sum(v for (c, q), v in figures.items() if q == "2025-Q4")


def test_store_secondary_district_and_small_state_total_withheld(a28_store) -> None:
    path, _ = a28_store
    with open_store(path) as store:
        safe = views.protected_panel(store, rule=privacy.DisclosureRule()).frame
    a28 = safe[safe["indicator_id"] == "A28"].set_index(["area_code", "period"])
    assert np.isnan(a28.loc[("16054", "2025-Q4"), "value"])        # secondary
    assert "geheimgehalten" in a28.loc[("16054", "2025-Q4"), "flags"]
    assert np.isnan(a28.loc[("16", "2025-Q1"), "value"])           # state total 2
    assert a28.loc[("16053", "2025-Q1"), "value"] == 0             # zeros shown


def test_store_count_above_threshold_shown_as_integer(a28_store) -> None:
    path, _ = a28_store
    table = _overview(path, "16051")  # the same table gives the row and the HTML
    row, hidden = _a28_row(path, "16051", table)
    assert not hidden[["value", "vs_previous", "vs_year_ago"]].any()
    assert (row["value"], row["vs_previous"], row["vs_year_ago"]) == (17, 1, 4)
    html = tables.html_table(table, {"name": ("Indikator", tables.text),
                                     "value": ("Wert", tables.indicator_value),
                                     "vs_previous": ("zum Vorquartal", tables.indicator_change),
                                     "vs_year_ago": ("zum Vorjahr", tables.indicator_change)})
    assert re.search(r"Anerkennung von Berufsabschlüssen</th><td class=\"num\">17</td>"
                     r"<td class=\"num\">\+1</td><td class=\"num\">\+4</td>", html)


@pytest.mark.slow  # executes the indicator notebook
def test_store_indicator_notebook_withholds_the_small_district(a28_store,
                                                               section_html) -> None:
    path, _ = a28_store
    html, _ = section_html("20_indikatoren.ipynb", "16052", path)
    row = re.search(r"<tr><th scope=\"row\" class=\"txt\">Anerkennung von "
                    r"Berufsabschlüssen</th>(.*?)</tr>", html)
    assert row is not None
    cells = re.findall(r"<td class=\"(?:num|txt)\">(.*?)</td>", row.group(1))
    # unit, value, zum Vorquartal, zum Vorjahresquartal, Thüringen
    assert cells[0] == "Anzahl" and cells[1:4] == [".", ".", "."]
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", cells[4])  # state total, an integer


# -- the scanner ----------------------------------------------------------------------------------
def _indicator_page(tmp_path: Path, change: str) -> Path:
    page = tmp_path / "bericht.html"
    page.write_text(
        "<table><thead><tr><th>Indikator</th><th>Einheit</th><th>2025-Q4</th>"
        "<th>zum Vorquartal</th><th>zum Vorjahresquartal</th><th>Thüringen</th></tr></thead>"
        "<tbody><tr><td>Anerkennung von Berufsabschlüssen</td><td>Anzahl</td><td>.</td>"
        f"<td>{change}</td><td>.</td><td>649</td></tr>"
        "<tr><td>Beschäftigungsquote</td><td>%</td><td>41,2</td><td>+1,0</td><td>+4,0</td>"
        "<td>.</td></tr></tbody></table>", encoding="utf-8")
    return page


def test_scanner_finds_a_change_next_to_a_withheld_value(tmp_path: Path) -> None:
    from monitoring.report.publish import scan

    found = scan.scan_file(_indicator_page(tmp_path, "+1,0"), threshold=3)
    assert [(f.value, "zum Vorquartal" in f.where) for f in found] == [("+1,0", True)]
    # withheld change next to withheld value; a withheld state value beside shown figures: fine
    assert scan.scan_file(_indicator_page(tmp_path, "."), threshold=3) == []
