from pathlib import Path

import pytest
import shapely

from monitoring.demo.build import build_demo_store
from monitoring.store.database import open_store
from monitoring.vocab import FIELDS


@pytest.mark.slow  # builds the whole demo store a second time
def test_demo_is_deterministic(demo_store_path: Path, tmp_path: Path) -> None:
    again = build_demo_store(tmp_path / "again.duckdb")
    with open_store(demo_store_path) as a, open_store(again) as b:
        assert a.snapshot_id() == b.snapshot_id()
        cols = "offer_id, title, area_code, x, y, capacity, valid_from, valid_to"
        assert a.query(f"SELECT {cols} FROM offer ORDER BY 1").equals(
            b.query(f"SELECT {cols} FROM offer ORDER BY 1"))


def test_demo_size_and_shape(demo_store_path: Path) -> None:
    with open_store(demo_store_path) as store:
        assert store.is_demo and store.meta()["label"] == "Demodaten – fiktiv"
        offers = store.query("SELECT * FROM offer")
        assert len(offers) >= 500
        assert store.query("SELECT count(DISTINCT actor_id) n FROM offer")["n"][0] >= 150
        assert set(FIELDS) <= {f for fs in offers["fields"] for f in fs}
        assert {"mobil", "online", "kreisweit"} <= set(offers["mode"])  # no-site offers kept
        periods = store.read_population()["period"].unique()
        assert len(periods) >= 12
        per_district = store.query(
            "SELECT area_code, count(DISTINCT indicator_id) n, count(DISTINCT period) q "
            "FROM observation GROUP BY 1")
        today = per_district[per_district["area_code"] != "16056"]
        assert len(today) == 22 and (today["n"] >= 8).all() and (today["q"] >= 12).all()
        # Data keyed on Eisenach before the merger exists (as official sources deliver it).
        eisenach = store.query("SELECT max(period) p FROM observation WHERE area_code='16056'")
        assert eisenach["p"][0] == "2021-Q2"
        targets = store.read_targets()
        assert not targets.empty and targets["goal_id"].notna().all()


def test_thin_districts_show_gaps(demo_store_path: Path) -> None:
    with open_store(demo_store_path) as store:
        density = store.query("""
            SELECT o.d, o.n / p.v * 1000 AS per_1000 FROM
              (SELECT area_code[:5] d, count(*) n FROM offer WHERE valid_to IS NULL GROUP BY 1) o
              JOIN (SELECT area_code[:5] d, sum(value) v FROM series_value
                    WHERE series_id='auslaender' AND period='2025-Q4' GROUP BY 1) p
              ON o.d = p.d ORDER BY per_1000""")
    assert set(density["d"].head(4)) >= {"16072", "16075"}


def test_offers_with_a_site_lie_in_their_municipality(demo_store_path: Path) -> None:
    with open_store(demo_store_path) as store:
        offers = store.query("SELECT area_code, x, y FROM offer WHERE mode = 'standort'")
        gemeinden = store.read_areas(level="gemeinde").set_index("area_code").geometry
    assert offers["x"].notna().all()
    inside = [shapely.contains_xy(gemeinden[c], x, y)
              for c, x, y in offers.itertuples(index=False)]
    assert all(inside)


@pytest.mark.parametrize("column", ["name", "title"])
def test_demo_never_uses_person_data(demo_store_path: Path, column: str) -> None:
    with open_store(demo_store_path) as store:
        table = "actor" if column == "name" else "offer"
        cols = set(store.query(f"SELECT * FROM {table} LIMIT 1").columns)
    assert not cols & {"first_name", "last_name", "birth_date", "email", "phone"}
