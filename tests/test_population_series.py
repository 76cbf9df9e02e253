"""Population and target groups are series (one home), and official figures serve the quarters
after their Stichtag until newer ones come (issue 11)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from monitoring import views
from monitoring.cli.main import main
from monitoring.core import stand
from monitoring.errors import PeriodError
from monitoring.io.new_store import create_store
from monitoring.periods import Quarter
from monitoring.present import notebook
from monitoring.store import schema
from monitoring.store.database import create_store_at_version, open_store

OLD_ROWS = [  # area_code, period, population_group, value, flag, reference_date, source
    ("16070004", "2024-Q4", "bevoelkerung", 27_000.0, None, "2024-12-31", "Fortschreibung"),
    ("16070004", "2024-Q4", "auslaender", 2_400.0, "p", "2024-12-31", "AZR"),
    ("16070004", "2025-Q1", "auslaender", 2_450.0, None, "2025-03-31", "AZR"),
    ("16070029", "2024-Q4", "schutzsuchende", 310.0, None, "2024-12-31", "Schutzsuchende"),
    ("16070029", "2024-Q4", "gefluechtete_u18", 95.0, None, "2024-12-31", "Landratsamt"),
]


def _old_store(path: Path) -> None:
    """A store of schema version 7 with population rows written as that version did."""
    create_store_at_version(path, 7)
    con = duckdb.connect(str(path))
    con.executemany("INSERT INTO population (area_code, period, population_group, value, flag, "
                    "reference_date, source) VALUES (?, ?, ?, ?, ?, ?, ?)", OLD_ROWS)
    # an official import of the same series, area and quarter: kept
    con.execute("INSERT INTO series VALUES ('bevoelkerung', 'Bevölkerung', 'Personen', 'GENESIS')")
    con.execute("INSERT INTO series_value (series_id, area_code, period, value, source) "
                "VALUES ('bevoelkerung', '16070004', '2024-Q4', 27_123, 'GENESIS 12411')")
    con.close()


def _series_values(path: Path) -> pd.DataFrame:
    with open_store(path) as store:
        return store.query("SELECT series_id, area_code, period, value, flag, source "
                           "FROM series_value ORDER BY ALL")


def test_migration_moves_every_population_row_into_series_and_drops_the_table(
        tmp_path: Path) -> None:
    path = tmp_path / "v7.duckdb"
    _old_store(path)
    with open_store(path, read_only=False) as store:
        assert store.schema_version == schema.SCHEMA_VERSION == 8
        tables = set(store.query("SELECT table_name FROM duckdb_tables()")["table_name"])
        assert "population" not in tables
        series = store.query("SELECT * FROM series").set_index("series_id")
        values = store.query("SELECT * FROM series_value").set_index(
            ["series_id", "area_code", "period"])
    assert len(values) == len(OLD_ROWS)
    for code, period, group, value, flag, _, source in OLD_ROWS[1:]:
        row = values.loc[(group, code, period)]
        assert row["value"] == value and row["source"] == source
        assert (row["flag"] if pd.notna(row["flag"]) else None) == flag
    # the official value already held wins over the old table's
    assert values.loc[("bevoelkerung", "16070004", "2024-Q4"), "value"] == 27_123
    assert series.loc["bevoelkerung", "source"] == "GENESIS"  # existing series row untouched
    assert series.loc["auslaender", "name_de"] == "Ausländische Staatsangehörige"
    assert series.loc["auslaender", "source"] == "AZR"
    assert series.loc["gefluechtete_u18", "name_de"] == "gefluechtete_u18"

    before = _series_values(path)
    assert main(["upgrade", "--store", str(path)]) == 0  # nothing left to do
    with open_store(path, read_only=False):
        pass
    pd.testing.assert_frame_equal(_series_values(path), before)


@pytest.fixture
def yearly_store(tmp_path: Path) -> tuple[Path, str]:
    """Geography plus foreign nationals of one municipality of the Ilm-Kreis on 31.12.2023
    and 31.12.2024, imported with `monitoring import zahlen`; two offers there."""
    path = tmp_path / "jahr.duckdb"
    create_store(path)  # `monitoring neu`: catalogue, packaged geography, scope
    with open_store(path, read_only=False) as store:
        municipality = store.read_areas(level="gemeinde")
        municipality = municipality[municipality["parent_code"] == "16070"].iloc[0]
        code = str(municipality["area_code"])
        point = municipality.geometry.representative_point()
        offers = pd.DataFrame({
            "offer_id": ["O1", "O2"], "valid_from": [date(2023, 1, 1)] * 2, "valid_to": None,
            "actor_id": "A1", "title": ["Sprachcafé", "Beratung"],
            "fields": [["sprache"], ["beratung"]], "target_groups": [["zugewanderte"]] * 2,
            "languages": [["de"]] * 2, "mode": "standort", "area_code": code,
            "x": point.x, "y": point.y, "capacity": [20, 10], "source": "Test"})
        with store.transaction():
            store.write("offer", offers)
    figures = tmp_path / "auslaender.csv"
    figures.write_text("reihe;gebiet;zeitraum;wert\n"
                       f"auslaender;{code};31.12.2023;400\n"
                       f"auslaender;{code};31.12.2024;500\n"
                       f"bevoelkerung;{code};31.12.2024;10000\n", encoding="utf-8")
    assert main(["import", "zahlen", str(figures), "--store", str(path)]) == 0
    return path, code


def test_yearly_figures_serve_the_following_quarters(yearly_store: tuple[Path, str]) -> None:
    path, code = yearly_store
    with open_store(path) as store:
        periods = views.available_periods(store)
        # from the first figure up to the current quarter (the store states no data stand)
        assert periods[0] == "2023-Q4" and periods[-1] == str(Quarter.of(date.today()))
        assert {"2024-Q2", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"} <= set(periods)
        with pytest.raises(PeriodError, match="Verfügbare Quartale: 2023-Q4 bis"):
            views.context(store, "16070", "2023-Q3")

        for quarter in ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"):
            ctx = views.context(store, "16070", quarter)
            assert not ctx.fresh_data
            assert ctx.population_stand == ctx.figures_stand == date(2024, 12, 31)
            tables = views.coverage_tables(store, ctx)
            row = tables["municipalities"].set_index("area_code").loc[code]
            assert row["population"] == 500.0
            assert row["offers_per_1000"] == pytest.approx(2 / 500 * 1000)  # 4.0
            header = notebook.header(ctx).data
            assert ("Keine neuen Zahlen für dieses Quartal – es gelten die letzten verfügbaren "
                    "Werte (Stand 31.12.2024).") in header
            note = notebook.source_note("ausländische Staatsangehörige", ctx=ctx,
                                        stand=ctx.population_stand).data
            assert "Stand 31.12.2024" in note

        fresh = views.context(store, "16070", "2024-Q4")
        assert fresh.fresh_data and "Keine neuen Zahlen" not in notebook.header(fresh).data

        ctx = views.context(store, "16070", "2024-Q2")
        assert not ctx.fresh_data and ctx.population_stand == date(2023, 12, 31)
        row = views.coverage_tables(store, ctx)["municipalities"].set_index("area_code").loc[code]
        assert row["population"] == 400.0
        assert row["offers_per_1000"] == pytest.approx(2 / 400 * 1000)  # 5.0
        pop = store.read_population(population_group="auslaender", periods=["2024-Q2"])
        assert pop[["value_period", "reference_date"]].values.tolist() == [
            ["2023-Q4", date(2023, 12, 31)]]
        # accessibility's demand points use the same carried-forward value
        from monitoring.views.accessibility import demand_points
        points = demand_points(store, views.context(store, "16070", "2025-Q3"), "auslaender")
        assert points.set_index("area_code").loc[code, "population"] == 500.0


def test_carry_forward_keeps_quarterly_values_and_stops_at_the_next_value() -> None:
    values = pd.DataFrame({"series_id": "s", "area_code": ["1", "1", "2"],
                           "period": ["2024-Q4", "2025-Q2", "2025-Q1"], "value": [1.0, 2.0, 3.0]})
    out = stand.carry_forward(values, ["2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3"],
                              keys=["series_id", "area_code"])
    got = {(r.area_code, r.period): (r.value, r.value_period) for r in out.itertuples()}
    assert got == {("1", "2024-Q4"): (1.0, "2024-Q4"), ("1", "2025-Q1"): (1.0, "2024-Q4"),
                   ("1", "2025-Q2"): (2.0, "2025-Q2"), ("1", "2025-Q3"): (2.0, "2025-Q2"),
                   ("2", "2025-Q1"): (3.0, "2025-Q1"), ("2", "2025-Q2"): (3.0, "2025-Q1"),
                   ("2", "2025-Q3"): (3.0, "2025-Q1")}
    assert set(out["reference_date"]) == {date(2024, 12, 31), date(2025, 6, 30),
                                          date(2025, 3, 31)}
    # quarterly data: every quarter is served by its own value
    quarterly = pd.DataFrame({"series_id": "s", "area_code": "1",
                              "period": ["2025-Q1", "2025-Q2"], "value": [5.0, 6.0]})
    same = stand.carry_forward(quarterly, ["2025-Q1", "2025-Q2"], keys=["series_id", "area_code"])
    assert (same["period"] == same["value_period"]).all() and same["value"].tolist() == [5.0, 6.0]


def test_a_merged_away_area_is_not_carried_beyond_its_end() -> None:
    values = pd.DataFrame({"series_id": "s", "area_code": ["16056", "16063"],
                           "period": ["2020-Q4", "2020-Q4"], "value": [40.0, 100.0]})
    out = stand.carry_forward(values, ["2021-Q2", "2021-Q3"], keys=["series_id", "area_code"],
                              last_day={"16056": date(2021, 6, 30)})
    assert sorted(zip(out["area_code"], out["period"], strict=True)) == [
        ("16056", "2021-Q2"), ("16063", "2021-Q2"), ("16063", "2021-Q3")]


def test_reportable_periods() -> None:
    assert stand.reportable_periods([], Quarter(2025, 4)) == []
    assert stand.reportable_periods(["2024-Q4"], Quarter(2025, 2)) == [
        "2024-Q4", "2025-Q1", "2025-Q2"]
    # figures dated after the limit are reportable all the same
    assert stand.reportable_periods(["2024-Q4", "2025-Q1"], Quarter(2024, 4)) == [
        "2024-Q4", "2025-Q1"]
    assert stand.latest_period(["2023-Q4", "2024-Q4"], "2024-Q3") == "2023-Q4"
    assert stand.latest_period(["2023-Q4"], "2023-Q3") is None
