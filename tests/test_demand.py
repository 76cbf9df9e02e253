"""Target-group weights on population points: hand-computed cases."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from monitoring.core.demand import group_shares, target_group_demand
from monitoring.errors import CRSMismatchError, DataValidationError

# Two municipalities side by side (EPSG:25832): A = [0, 1 km]², B = [1, 2 km] × [0, 1 km].
AREAS = gpd.GeoDataFrame({"area_code": ["A", "B"]},
                         geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
                         crs=25832)
POPULATION = pd.DataFrame({
    "area_code": ["A", "A", "B", "B", "C"],
    "population_group": ["bevoelkerung", "auslaender"] * 2 + ["auslaender"],
    "value": [200.0, 20.0, 60.0, 30.0, 5.0]})


def test_group_shares_by_hand() -> None:
    shares = group_shares(POPULATION, group="auslaender", total="bevoelkerung")
    # A: 20 / 200 = 0.1; B: 30 / 60 = 0.5; C has no total, so no share.
    assert shares.to_dict() == {"A": 0.1, "B": 0.5}


def test_group_larger_than_population_is_refused() -> None:
    bad = POPULATION.assign(value=[10.0, 20.0, 60.0, 30.0, 5.0])
    with pytest.raises(DataValidationError, match="A"):
        group_shares(bad, group="auslaender", total="bevoelkerung")


def test_grid_points_in_another_crs_get_the_share_of_their_area() -> None:
    # Points made in EPSG:25832, handed over in EPSG:3035 like Zensus grid centres.
    points = gpd.GeoDataFrame(
        {"cell_id": ["p1", "p2", "p3", "p4"], "population": [100.0, 40.0, 10.0, 7.0]},
        geometry=gpd.points_from_xy([500, 1500, 5000, 1000], [500, 500, 5000, 500]),
        crs=25832).to_crs(3035)
    shares = group_shares(POPULATION, group="auslaender", total="bevoelkerung")
    out = target_group_demand(points, AREAS, shares)
    assert out.crs == points.crs
    assert list(out["area_code"][:2]) == ["A", "B"]
    # p1: 100 × 0.1 = 10; p2: 40 × 0.5 = 20; p3 outside both areas: no demand.
    assert out["demand"].iloc[0] == pytest.approx(10.0)
    assert out["demand"].iloc[1] == pytest.approx(20.0)
    assert pd.isna(out["area_code"].iloc[2]) and np.isnan(out["demand"].iloc[2])
    # p4 lies (up to reprojection rounding) on the shared border: counted exactly once.
    assert out["area_code"].iloc[3] in ("A", "B")
    assert out["demand"].iloc[3] in (pytest.approx(0.7), pytest.approx(3.5))


def test_missing_crs_and_negative_population_are_refused() -> None:
    points = gpd.GeoDataFrame({"population": [1.0]}, geometry=gpd.points_from_xy([1], [1]))
    shares = pd.Series({"A": 0.1})
    with pytest.raises(CRSMismatchError, match="Koordinatenbezugssystem"):
        target_group_demand(points, AREAS, shares)
    with pytest.raises(DataValidationError, match="population"):
        target_group_demand(points.set_crs(25832).assign(population=[-1.0]), AREAS, shares)
