"""Indicator values serve the quarters after their Stichtag, with their Stand (issue 11, item 3).

A store made as a user makes it (`monitoring neu --kreis 16063`, `monitoring import zahlen`,
`monitoring import konzept`) with yearly figures at 31.12.2023 and 31.12.2024: the report for
2025-Q4 shows the 31.12.2024 values with „Stand 31.12.2024“, the change against the year before
is 31.12.2024 − 31.12.2023 (not a carried copy against itself), values older than the maximum
age are „–“ with „kein Wert seit …“, disclosure control holds for carried values, and the demo
(quarterly values) shows what it showed before.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitoring import views
from monitoring.cli.main import main
from monitoring.core import indicators
from monitoring.errors import ConfigError
from monitoring.io import settings as settings_file
from monitoring.store.database import open_store

AREA = "16063"
PERIOD = "2025-Q4"

# Hand-computed values (rates in %):
A01_2023 = 8000 / 160000 * 100           # 5.0
A01_2024 = 8900 / 159000 * 100           # 5.5975
A21_2023 = 1200 / 7000 * 100             # 17.1429
A21_2024 = 1100 / 7800 * 100             # 14.1026
A04_2022 = 3000 / 7500 * 100             # 40.0 – only value, 31.12.2022

FIGURES = """reihe;gebiet;zeitraum;wert
bevoelkerung;16063;31.12.2023;160000
auslaender;16063;31.12.2023;8000
bevoelkerung;16063;31.12.2024;159000
auslaender;16063;31.12.2024;8900
sgb2_ausl;16063;31.12.2023;1200
auslaender_unter_rag;16063;31.12.2023;7000
sgb2_ausl;16063;31.12.2024;1100
auslaender_unter_rag;16063;31.12.2024;7800
auslaender_8j;16063;31.12.2022;3000
auslaender;16063;31.12.2022;7500
schutzsuchende_offen;16063;31.12.2023;40
schutzsuchende;16063;31.12.2023;160
schutzsuchende_offen;16063;31.12.2024;2
schutzsuchende;16063;31.12.2024;150
"""
# A21: from 15.0 (2023-Q4) to 11.0 (2025-Q4), i.e. 13.0 expected at 2024-Q4
TARGETS = """indikator;gebiet;ziel;ausgangsquartal;ausgangswert;zielquartal;zielwert
A21;16063;;2023-Q4;15,0;2025-Q4;11,0
"""


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stand")
    path = folder / "monitoring.duckdb"
    assert main(["neu", "--store", str(path), "--kreis", AREA]) == 0
    (folder / "eigene_zahlen.csv").write_text(FIGURES, encoding="utf-8")
    assert main(["import", "zahlen", str(folder / "eigene_zahlen.csv"),
                 "--store", str(path)]) == 0
    (folder / "zielwerte.csv").write_text(TARGETS, encoding="utf-8")
    assert main(["import", "konzept", str(folder / "zielwerte.csv"), "--store", str(path)]) == 0
    return path


def _overview(path: Path, period: str, settings=None):  # type: ignore[no-untyped-def]
    with open_store(path) as store:
        ctx = views.context(store, AREA, period, settings)
        table = views.indicator_overview(store, ctx)
    return table, table.frame.set_index("indicator_id")


def test_the_quarter_after_the_stichtag_shows_the_latest_value_with_its_stand(
        store_path: Path) -> None:
    _, rows = _overview(store_path, PERIOD)
    a01, a21 = rows.loc["A01"], rows.loc["A21"]
    assert a01["value"] == pytest.approx(A01_2024)
    assert a21["value"] == pytest.approx(A21_2024)
    assert (a01["stand"], a01["value_period"], bool(a01["carried"])) == (
        "31.12.2024", "2024-Q4", True)
    assert a01["numerator"] == 8900 and a01["denominator"] == 159000


def test_the_change_compares_the_stichtage_not_the_carried_copy(store_path: Path) -> None:
    _, rows = _overview(store_path, PERIOD)
    assert rows.loc["A01", "vs_year_ago"] == pytest.approx(A01_2024 - A01_2023)  # +0.60 pp
    assert rows.loc["A21", "vs_year_ago"] == pytest.approx(A21_2024 - A21_2023)  # −3.04 pp
    # no figure for 2024-Q3: no change against the quarter before the Stichtag, no fake ± 0
    assert np.isnan(rows.loc["A01", "vs_previous"])
    # the same numbers as in the Stichtag's own quarter, where they are fresh
    _, fresh = _overview(store_path, "2024-Q4")
    assert not fresh.loc["A01", "carried"] and fresh.loc["A01", "stand"] == "31.12.2024"
    for column in ("value", "vs_year_ago"):
        assert rows.loc["A21", column] == pytest.approx(fresh.loc["A21", column])


def test_a_value_older_than_the_maximum_age_is_not_carried(store_path: Path) -> None:
    _, rows = _overview(store_path, PERIOD)  # 31.12.2022 is 12 quarters before 2025-Q4
    assert np.isnan(rows.loc["A04", "value"])
    assert rows.loc["A04", "stand"] == "kein Wert seit 31.12.2022"
    assert not rows.loc["A04", "carried"]
    _, at_limit = _overview(store_path, "2024-Q4")  # 8 quarters = 2 years: still carried
    assert at_limit.loc["A04", "value"] == pytest.approx(A04_2022)
    assert at_limit.loc["A04", "stand"] == "31.12.2022"
    _, beyond = _overview(store_path, "2025-Q1")  # 9 quarters
    assert np.isnan(beyond.loc["A04", "value"])


def test_the_maximum_age_comes_from_monitoring_toml(store_path: Path, tmp_path: Path) -> None:
    (tmp_path / "monitoring.toml").write_text("[stand]\nhoechstalter_jahre = 3\n",
                                              encoding="utf-8")
    longer = settings_file.resolve(cwd=tmp_path, environ={})
    assert longer.max_age_quarters == 12
    assert longer.origin("stand.hoechstalter_jahre") == "monitoring.toml im Arbeitsordner"
    _, rows = _overview(store_path, PERIOD, longer)
    assert rows.loc["A04", "value"] == pytest.approx(A04_2022)
    (tmp_path / "monitoring.toml").write_text("[stand]\nhoechstalter_jahre = 0\n",
                                              encoding="utf-8")
    none = settings_file.resolve(cwd=tmp_path, environ={})
    _, rows = _overview(store_path, PERIOD, none)
    assert np.isnan(rows.loc["A01", "value"])
    assert rows.loc["A01", "stand"] == "kein Wert seit 31.12.2024"
    (tmp_path / "monitoring.toml").write_text("[stand]\nhoechstalter_jahre = -1\n",
                                              encoding="utf-8")
    with pytest.raises(ConfigError, match="Höchstalter übernommener Indikatorwerte"):
        settings_file.resolve(cwd=tmp_path, environ={})


def test_a_withheld_value_stays_withheld_when_carried(store_path: Path) -> None:
    # A03 at 31.12.2024: 2 of 150 protection seekers with open status – below the threshold 3
    table, rows = _overview(store_path, PERIOD)
    i = table.frame.index[table.frame["indicator_id"] == "A03"][0]
    assert bool(table.is_suppressed("value")[i]) and bool(table.is_suppressed("numerator")[i])
    assert bool(table.is_suppressed("vs_year_ago")[i])
    assert np.isnan(rows.loc["A03", "value"])  # not replaced by the 2023 value (25 %)
    assert rows.loc["A03", "stand"] == "31.12.2024"
    fresh, _ = _overview(store_path, "2024-Q4")
    j = fresh.frame.index[fresh.frame["indicator_id"] == "A03"][0]
    assert bool(fresh.is_suppressed("value")[j])


def test_the_traffic_light_judges_the_carried_value_at_its_stichtag(store_path: Path) -> None:
    with open_store(store_path) as store:
        ctx = views.context(store, AREA, PERIOD)
        result = views.controlling(store, ctx)
    light = result["lights"].set_index("indicator_id").loc["A21"]
    assert light["value"] == pytest.approx(A21_2024)
    assert light["stand"] == "31.12.2024" and bool(light["carried"])
    # path at 2024-Q4: 15 + (11 − 15) · 4/8 = 13.0; gap (13.0 − 14.10) / (11 − 15) = 0.28
    assert light["expected"] == pytest.approx(13.0)
    assert light["status"] == "amber"  # at 2025-Q4 (expected 11.0) it would be red
    assert "ohne Bewertung" not in " ".join(result["summary"])


def test_charts_keep_the_observation_quarters_only(store_path: Path) -> None:
    with open_store(store_path) as store:
        ctx = views.context(store, AREA, PERIOD)
        panel = views.indicator_panel(store)
        safe = views.protected_panel(store, panel, rule=ctx.settings.disclosure).frame
        development = views.development(store, ctx, ["A21"], panel).frame
    series = indicators.series(safe, "A01", AREA, state_code=ctx.state_code)
    assert series.dropna(subset=["value"])["period"].tolist() == ["2023-Q4", "2024-Q4"]
    assert series["period"].max() == "2024-Q4"  # nothing drawn after the last Stichtag
    observed = development.dropna(subset=["value"])
    assert observed["period"].tolist() == ["2024-Q4"]


@pytest.mark.slow  # six districts' overview and lights: the whole demo panel protected 18 times
def test_the_demo_shows_what_it_showed_before(demo_store_path: Path) -> None:
    """Quarterly demo values: every district's 2025-Q4 overview and lights equal the panel's
    own 2025-Q4 values and their differences to 2025-Q3 and 2024-Q4 (main's rule)."""
    with open_store(demo_store_path) as store:
        panel = views.indicator_panel(store)
        codes = views.districts(store, "16")["area_code"].tolist()
        for code in codes[:6]:
            ctx = views.context(store, code, PERIOD)
            safe = views.protected_panel(store, panel, rule=ctx.settings.disclosure).frame
            own = safe[safe["area_code"] == code].set_index(["indicator_id", "period"])["value"]
            table = views.indicator_overview(store, ctx, panel).frame
            assert not table["carried"].any()
            for row in table.itertuples():
                now = own.get((row.indicator_id, PERIOD), np.nan)
                before = own.get((row.indicator_id, "2025-Q3"), np.nan)
                year = own.get((row.indicator_id, "2024-Q4"), np.nan)
                assert _same(row.value, now)
                assert _same(row.vs_previous, now - before)
                assert _same(row.vs_year_ago, now - year)
            lights = views.controlling(store, ctx, panel)["lights"]
            for row in lights.itertuples():
                assert _same(row.value, own.get((row.indicator_id, PERIOD), np.nan))


def _same(a: float, b: float) -> bool:
    return bool((pd.isna(a) and pd.isna(b)) or a == pytest.approx(b))


@pytest.mark.slow  # executes the indicator notebook with papermill
def test_the_indicator_section_shows_stand_and_note(store_path: Path, section_html) -> None:
    html, _ = section_html("20_indikatoren.ipynb", AREA, store_path, PERIOD)
    table = html[html.index("Indikatoren im Überblick"):]
    header = re.findall(r"<th[^>]*>([^<]*)</th>", table.split("</thead>")[0])
    assert header[-1] == "Stand"

    def cells(name: str) -> list[str]:
        row = re.search(rf"<tr><th scope=\"row\" class=\"txt\">{name}</th>(.*?)</tr>", table)
        assert row is not None, name
        return re.findall(r"<td class=\"(?:num|txt)\">(.*?)</td>", row.group(1))

    # unit, value, zum Vorquartal, zum Vorjahresquartal, Thüringen, Stand
    assert cells("Ausländeranteil") == ["%", "5,6", "–", "+0,6", "–", "31.12.2024"]
    assert cells("SGB-II-Hilfequote Ausländer")[1:4] == ["14,1", "–", "−3,0"]
    assert cells("Verfestigter Aufenthalt")[1] == "–"
    assert cells("Verfestigter Aufenthalt")[-1] == "kein Wert seit 31.12.2022"
    assert "höchstens 2 Jahre lang" in table
