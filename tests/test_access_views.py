"""The report's accessibility tables on the real demo store."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitoring import views
from monitoring.core import coverage
from monitoring.store.database import open_store
from monitoring.views import accessibility as access_views


def test_district_tables_on_demo_store(demo_store_path: Path) -> None:
    with open_store(demo_store_path) as store:
        ctx = views.context(store, "16070", "2025-Q4")
        tables = access_views.accessibility_tables(store, ctx)
        offers = coverage.active(store.read_offers(on=ctx.period.end), ctx.period.end)
        municipalities = store.read_areas(level="gemeinde")
    fields = tables["fields"].set_index("field")
    # offers without a site in the district are counted, not used
    mine = offers[offers["area_code"].str[:5] == "16070"]
    no_site = mine[mine["mode"] != "standort"]
    assert fields["without_site"].sum() == sum(len(f) for f in no_site["fields"])
    # every municipality of the district appears once per field, with a map class
    n = (municipalities["parent_code"] == "16070").sum()
    per_field = tables["municipalities"].groupby("field").size()
    assert (per_field == n).all() and len(per_field) == len(fields)
    assert tables["municipalities"]["category"].isin(
        [label for label, _ in access_views.map_classes()]).all()
    # gaps are exactly the municipalities below half the district mean of their field
    muni = tables["municipalities"]
    expected = muni[(muni["relative"] < 0.5) & (muni["population"] > 0)]
    assert sorted(zip(tables["gaps"]["field"], tables["gaps"]["area_code"], strict=True)) == sorted(
        zip(expected["field"], expected["area_code"], strict=True))
    assert fields["access_per_1000"].gt(0).all()
    assert tables["method"].startswith("E2SFCA, Luftlinie, Einzugsbereich 30 km")
    assert fields["share_within"].between(0, 1).all()
    assert pytest.approx(fields["gap_municipalities"].sum()) == len(tables["gaps"])
