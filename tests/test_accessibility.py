"""Accessibility (2SFCA / E2SFCA): hand-computed cases, equality with PySAL `access`, properties."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from access import Access
from access import weights as access_weights
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from monitoring.core import accessibility as acc
from monitoring.core import weights
from monitoring.errors import ConfigError, CRSMismatchError, DataValidationError


def layer(xy: list[tuple[float, float]], values: list[float], *, ids: list[object] | None = None,
          value: str = "value", crs: object = 25832) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ids if ids is not None else list(range(len(xy))),
                             value: values},
                            geometry=gpd.points_from_xy([p[0] for p in xy], [p[1] for p in xy]),
                            crs=crs)


def pts(frame: gpd.GeoDataFrame, value: str = "value") -> acc.Points:
    return acc.points(frame, value=value, id_column="id", kind="test")


# A line of villages: D1 (0 m), D2 (3 km), D3 (10 km), D4 2.5 km north of S1; offers S1 at
# 1 km (20 places) and S2 at 9 km (10 places).
DEMAND = layer([(0, 0), (3000, 0), (10000, 0), (1000, 2500)], [100, 300, 50, 100],
               ids=["D1", "D2", "D3", "D4"])
SUPPLY = layer([(1000, 0), (9000, 0)], [20, 10], ids=["S1", "S2"])


def access_of(result: acc.AccessResult) -> dict[object, float]:
    return dict(zip(result.demand["id"], result.demand["access"], strict=True))


def test_2sfca_by_hand_with_inclusive_catchment() -> None:
    # Catchment 2.5 km: S1 reaches D1 (1 km), D2 (2 km) and D4 (exactly 2.5 km, counts);
    # S2 reaches D3 (1 km). R1 = 20 / (100 + 300 + 100) = 0.04, R2 = 10 / 50 = 0.2.
    result = acc.two_step_fca(pts(DEMAND), pts(SUPPLY), catchment_m=2500)
    assert access_of(result) == pytest.approx({"D1": 0.04, "D2": 0.04, "D3": 0.2, "D4": 0.04},
                                              rel=1e-15)
    assert list(result.demand["offers_in_reach"]) == [1, 1, 1, 1]
    assert list(result.supply["ratio"]) == pytest.approx([0.04, 0.2], rel=1e-15)


def test_e2sfca_luo_qi_steps_by_hand() -> None:
    # Catchment 3 km in zones ≤1 km: 1, ≤2 km: 0.68, ≤3 km: 0.22. S1 sees D1 at 1 km (1),
    # D2 at 2 km (0.68), D4 at √(0²+2.5²)=2.5 km (0.22): weighted demand 100 + 204 + 22 = 326.
    result = acc.two_step_fca(pts(DEMAND), pts(SUPPLY), catchment_m=3000,
                              decay=weights.luo_qi(3000))
    r1, r2 = 20 / 326, 10 / 50
    assert access_of(result) == pytest.approx(
        {"D1": r1, "D2": 0.68 * r1, "D3": r2, "D4": 0.22 * r1}, rel=1e-14)


def test_e2sfca_gaussian_by_hand() -> None:
    result = acc.two_step_fca(pts(DEMAND.iloc[:3]), pts(SUPPLY), catchment_m=2500,
                              decay=weights.gaussian(1000))
    demand_1 = 100 * math.exp(-0.5) + 300 * math.exp(-2)
    assert access_of(result) == pytest.approx(
        {"D1": 20 / demand_1 * math.exp(-0.5), "D2": 20 / demand_1 * math.exp(-2),
         "D3": 10 / (50 * math.exp(-0.5)) * math.exp(-0.5)}, rel=1e-14)


def test_point_without_offer_in_reach_gets_zero_and_idle_offer_ratio_zero() -> None:
    demand = layer([(0, 0), (50000, 0)], [10, 0])
    supply = layer([(100, 0), (50000, 100)], [5, 7])  # second offer sees only 0 persons
    result = acc.two_step_fca(pts(demand), pts(supply), catchment_m=1000)
    assert list(result.demand["access"]) == [0.5, 0.0]
    assert list(result.supply["ratio"]) == [0.5, 0.0]


def test_travel_time_matrix_by_hand() -> None:
    matrix = pd.DataFrame({"origin": ["D1", "D2", "D3", "D1"],
                           "destination": ["S1", "S1", "S2", "S2"],
                           "minutes": [5, 15, 10, 31]})
    result = acc.two_step_fca_matrix(pts(DEMAND), pts(SUPPLY), matrix, catchment_min=30)
    # S1: 20 / (100 + 300); S2: 10 / 50 (D1 at 31 min is outside); D4 not in the matrix.
    assert access_of(result) == pytest.approx({"D1": 0.05, "D2": 0.05, "D3": 0.2, "D4": 0.0})


def test_nearest_offer_and_share_within() -> None:
    d = acc.nearest_offer_m(pts(DEMAND), pts(SUPPLY))
    assert d == pytest.approx([1000, 2000, 1000, 2500])
    # within 2 km: D1, D2, D3 = 450 of 550 persons
    assert acc.share_within(pts(DEMAND).value, d, 2000) == pytest.approx(450 / 550)


def test_by_area_and_gaps_by_hand() -> None:
    result = pd.DataFrame({"id": ["a", "b", "c", "d"], "population": [100.0, 300.0, 50.0, 0.0],
                           "access": [0.04, 0.02, 0.2, 0.0]})
    areas = acc.by_area(result, pd.Series({"a": "G1", "b": "G1", "c": "G2", "d": "G3"}),
                        threshold=0.03)
    g1, g2, g3 = (areas.set_index("area_code").loc[c] for c in ("G1", "G2", "G3"))
    assert g1["mean_access"] == pytest.approx((100 * 0.04 + 300 * 0.02) / 400)  # 0.025
    assert g1["population_below"] == 300 and g1["share_below"] == pytest.approx(0.75)
    assert g2["mean_access"] == pytest.approx(0.2) and g2["population_below"] == 0
    assert math.isnan(g3["mean_access"])
    # county mean = (400 · 0.025 + 50 · 0.2) / 450 = 20 / 450 ≈ 0.0444; half of it ≈ 0.0222
    found = acc.gaps(areas, fraction=0.6)
    assert list(found["area_code"]) == ["G1"]
    assert found.loc[0, "relative"] == pytest.approx(0.025 / (20 / 450))
    assert acc.gaps(areas, fraction=0.5).empty


# --------------------------------------------------------------------------- against `access`


def generated(n: int, m: int, seed: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Clustered villages around a few towns, offers in the towns (coordinates in metres)."""
    rng = np.random.default_rng(seed)
    towns = rng.uniform(0, 60000, size=(6, 2))
    t = rng.integers(0, 6, n)
    xy = towns[t] + rng.normal(0, 5000, size=(n, 2))
    s = rng.integers(0, 6, m)
    sxy = towns[s] + rng.normal(0, 2000, size=(m, 2))
    demand = gpd.GeoDataFrame({"geoid": np.arange(n) * 7 + 3,
                               "pop": rng.integers(1, 800, n).astype(float)},
                              geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=25832)
    supply = gpd.GeoDataFrame({"sid": [f"A{k}" for k in range(m)],
                               "places": rng.integers(1, 60, m).astype(float)},
                              geometry=gpd.points_from_xy(sxy[:, 0], sxy[:, 1]), crs=25832)
    return demand, supply


DECAYS = {
    "2sfca": (lambda _c: None, lambda _c: weights.uniform()),
    "luo_qi": (lambda c: access_weights.step_fn({c / 3: 1, 2 * c / 3: 0.68, c: 0.22}),
               weights.luo_qi),
    "steps_custom": (lambda c: access_weights.step_fn({c / 2: 1, c * 0.8: 0.5}),
                     lambda c: weights.step({c / 2: 1, c * 0.8: 0.5})),
    "gaussian": (lambda c: access_weights.gaussian(c / 2), lambda c: weights.gaussian(c / 2)),
}


def max_relative_difference(ours: pd.Series, theirs: pd.Series) -> float:
    theirs = theirs.reindex(ours.index)
    both_zero = (ours == 0) & (theirs == 0)
    rel = (ours - theirs).abs() / theirs.abs()
    return float(rel[~both_zero].max()) if (~both_zero).any() else 0.0


@pytest.mark.parametrize(("n", "m", "seed"), [(60, 10, 1), (500, 30, 2), (1500, 90, 3)])
@pytest.mark.parametrize("catchment", [4000.0, 15000.0])
@pytest.mark.parametrize("decay", list(DECAYS))
def test_equal_to_pysal_access_euclidean(n: int, m: int, seed: int, catchment: float,
                                         decay: str) -> None:
    demand, supply = generated(n, m, seed)
    model = Access(demand_df=demand, demand_index="geoid", demand_value="pop",
                   supply_df=supply, supply_index="sid", supply_value="places")
    model.create_euclidean_distance(threshold=catchment * 2)  # access's own distances
    theirs_fn, ours_fn = DECAYS[decay]
    if theirs_fn(catchment) is None:
        theirs = model.two_stage_fca(name="x", max_cost=catchment)["x_places"]
    else:
        theirs = model.enhanced_two_stage_fca(name="x", max_cost=catchment,
                                              weight_fn=theirs_fn(catchment))["x_places"]
    ours = acc.two_step_fca(
        acc.points(demand, value="pop", id_column="geoid", kind="Nachfrage"),
        acc.points(supply, value="places", id_column="sid", kind="Angebote"),
        catchment_m=catchment, decay=ours_fn(catchment)).demand.set_index("id")
    # access leaves points without any offer in reach as NaN; ours says 0 (documented).
    unreached = theirs.isna()
    assert set(theirs.index[unreached]) == set(ours.index[ours["offers_in_reach"] == 0])
    assert (ours.loc[theirs.index[unreached], "access"] == 0).all()
    assert (~unreached).sum() >= n // 8, "the case must exercise reached points"
    assert max_relative_difference(ours["access"], theirs.fillna(0.0)) <= 1e-9


@pytest.mark.parametrize("decay", ["2sfca", "gaussian"])
def test_equal_to_pysal_access_travel_times(decay: str) -> None:
    demand, supply = generated(300, 20, 7)
    rng = np.random.default_rng(8)
    pairs = pd.DataFrame([(o, d) for o in demand["geoid"] for d in supply["sid"]],
                         columns=["origin", "destination"])
    pairs = pairs.sample(frac=0.4, random_state=1).reset_index(drop=True)
    pairs["minutes"] = rng.uniform(0, 60, len(pairs)).round(1)
    model = Access(demand_df=demand, demand_index="geoid", demand_value="pop",
                   supply_df=supply, supply_index="sid", supply_value="places",
                   cost_df=pairs, cost_origin="origin", cost_dest="destination",
                   cost_name="minutes")
    theirs_fn, ours_fn = DECAYS[decay]
    if theirs_fn(30) is None:
        theirs = model.two_stage_fca(name="x", max_cost=30)["x_places"]
    else:
        theirs = model.enhanced_two_stage_fca(name="x", max_cost=30,
                                              weight_fn=theirs_fn(30))["x_places"]
    ours = acc.two_step_fca_matrix(
        acc.points(demand, value="pop", id_column="geoid", kind="Nachfrage"),
        acc.points(supply, value="places", id_column="sid", kind="Angebote"),
        pairs, catchment_min=30, decay=ours_fn(30)).demand.set_index("id")
    assert max_relative_difference(ours["access"], theirs.fillna(0.0)) <= 1e-9


@pytest.mark.parametrize("cost", [0, 0.5, 9.999, 10, 10.001, 19.5, 20, 29.999, 30, 30.5, 200])
def test_weights_equal_access_weight_functions(cost: float) -> None:
    theirs = access_weights.step_fn({10: 1, 20: 0.68, 30: 0.22})(cost)
    assert weights.luo_qi(30)(np.array([cost]))[0] == theirs
    assert weights.gaussian(7)(np.array([cost]))[0] == access_weights.gaussian(7)(cost)


# --------------------------------------------------------------------------- properties

coords = st.floats(min_value=0, max_value=20000, allow_nan=False)
site = st.tuples(coords, coords)


@settings(max_examples=examples(60), deadline=None)
@given(demand_xy=st.lists(site, min_size=1, max_size=25),
       supply_xy=st.lists(site, min_size=1, max_size=6),
       data=st.data(), catchment=st.floats(min_value=100, max_value=15000),
       kind=st.sampled_from(["2sfca", "luo_qi", "gaussian"]))
def test_capacity_conserved_and_order_irrelevant(demand_xy: list, supply_xy: list,
                                                 data: st.DataObject, catchment: float,
                                                 kind: str) -> None:
    population = data.draw(st.lists(st.integers(0, 1000), min_size=len(demand_xy),
                                    max_size=len(demand_xy)))
    capacity = data.draw(st.lists(st.integers(0, 50), min_size=len(supply_xy),
                                  max_size=len(supply_xy)))
    decay = DECAYS[kind][1](catchment)
    demand = layer(demand_xy, population)
    supply = layer(supply_xy, capacity)
    result = acc.two_step_fca(pts(demand), pts(supply), catchment_m=catchment, decay=decay)
    # Σ_i P_i A_i = Σ_j S_j over offers whose catchment holds some (weighted) demand
    serving = result.supply["demand_in_reach"] > 0
    total = float((result.demand["population"] * result.demand["access"]).sum())
    assert total == pytest.approx(float(result.supply.loc[serving, "capacity"].sum()),
                                  rel=1e-9, abs=1e-9)
    # the same points in another order give the same access per point
    perm = data.draw(st.permutations(range(len(demand_xy))))
    perm_s = data.draw(st.permutations(range(len(supply_xy))))
    shuffled = acc.two_step_fca(pts(demand.iloc[list(perm)]), pts(supply.iloc[list(perm_s)]),
                                catchment_m=catchment, decay=decay)
    again = shuffled.demand.set_index("id")["access"].reindex(result.demand["id"])
    np.testing.assert_allclose(again.to_numpy(), result.demand["access"].to_numpy(),
                               rtol=1e-12, atol=0)


# --------------------------------------------------------------------------- bad input


def test_geographic_crs_is_refused() -> None:
    wgs84 = layer([(11.0, 50.9)], [10], crs=4326)
    with pytest.raises(CRSMismatchError, match="geografischen Koordinaten"):
        pts(wgs84)
    with pytest.raises(CRSMismatchError, match="kein Koordinatenbezugssystem"):
        pts(layer([(1, 1)], [1], crs=None))


def test_mismatched_crs_is_refused() -> None:
    with pytest.raises(CRSMismatchError, match="verschiedenen Koordinatensystemen"):
        acc.two_step_fca(pts(DEMAND), pts(SUPPLY.to_crs(3035)), catchment_m=1000)


@pytest.mark.parametrize(("values", "ids", "column", "rows"), [
    ([10, -1, 3], None, "value", [1]),
    ([10, None, 3], None, "value", [1]),
    ([10, 2, 3], ["a", "b", "a"], "id", [0, 2]),
])
def test_bad_values_name_column_and_rows(values: list, ids: list | None, column: str,
                                         rows: list[int]) -> None:
    with pytest.raises(DataValidationError) as info:
        pts(layer([(0, 0), (1, 1), (2, 2)], values, ids=ids))
    problem = info.value.problems[0]
    assert problem["column"] == column and problem["rows"] == rows
    assert f"`{column}`" in str(info.value) and f"Zeile {rows[0]}" in str(info.value)


def test_empty_input_and_missing_column_and_bad_catchment() -> None:
    with pytest.raises(DataValidationError, match="keine Zeilen"):
        pts(layer([], []))
    with pytest.raises(DataValidationError, match="fehlt die Spalte `Einwohner`"):
        acc.points(DEMAND, value="Einwohner", id_column="id", kind="Nachfrage")
    with pytest.raises(ConfigError, match="Einzugsbereich"):
        acc.two_step_fca(pts(DEMAND), pts(SUPPLY), catchment_m=-5)


def test_bad_travel_time_matrix_names_rows() -> None:
    matrix = pd.DataFrame({"origin": ["D1", "X9", "D2", "D2"],
                           "destination": ["S1", "S1", "S7", "S7"],
                           "minutes": [5, 3, -2, 4]})
    with pytest.raises(DataValidationError) as info:
        acc.two_step_fca_matrix(pts(DEMAND), pts(SUPPLY), matrix, catchment_min=30)
    by_column = {p["column"]: p["rows"] for p in info.value.problems}
    assert by_column == {"origin": [1], "destination": [2, 3], "minutes": [2],
                         "origin, destination": [2, 3]}


@pytest.mark.parametrize("cache_pairs", [0, 3000])
def test_recomputing_pairs_in_step_two_gives_the_same_result(cache_pairs: int) -> None:
    demand, supply = generated(1500, 90, 3)
    d = acc.points(demand, value="pop", id_column="geoid", kind="Nachfrage")
    s = acc.points(supply, value="places", id_column="sid", kind="Angebote")
    full = acc.two_step_fca(d, s, catchment_m=15000, decay=weights.gaussian(7000))
    part = acc.two_step_fca(d, s, catchment_m=15000, decay=weights.gaussian(7000),
                            cache_pairs=cache_pairs)
    assert full.demand["offers_in_reach"].sum() > 10 * 3000  # the cache really runs out
    np.testing.assert_array_equal(part.demand["access"], full.demand["access"])


@pytest.mark.parametrize("decay", [weights.uniform(), weights.luo_qi(3000.0),
                                   weights.gaussian(1500.0)])
def test_in_place_weights_equal_the_weight_function_bit_for_bit(decay: weights.Decay) -> None:
    cost = np.array([[0.0, 999.9, 1000.0, 2999.0], [3000.0, 3000.0000001, 4500.0, 1e6]])
    inside = cost <= 3000.0
    expected = np.where(inside, decay(cost), 0.0)
    np.testing.assert_array_equal(decay.weigh_in_place(cost.copy(), inside), expected)


@pytest.mark.parametrize("workers", [1, 3])
def test_result_does_not_depend_on_threads_or_block_size(workers: int) -> None:
    demand, supply = generated(1500, 90, 3)
    d = acc.points(demand, value="pop", id_column="geoid", kind="Nachfrage")
    s = acc.points(supply, value="places", id_column="sid", kind="Angebote")
    base = acc.two_step_fca(d, s, catchment_m=15000, decay=weights.gaussian(7000), workers=1)
    other = acc.two_step_fca(d, s, catchment_m=15000, decay=weights.gaussian(7000),
                             workers=workers, block_elements=500, cell_m=2000)
    np.testing.assert_array_equal(other.demand["offers_in_reach"],
                                  base.demand["offers_in_reach"])
    np.testing.assert_allclose(other.demand["access"], base.demand["access"], rtol=1e-12)


@pytest.mark.parametrize("lattice", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_disc_engine_equals_the_block_engine_also_on_exact_ties(lattice: bool,
                                                                seed: int) -> None:
    """2SFCA and step weights go through the disc engine (interior cell runs without any
    distance); the block engine computes every pair. On a 1 km lattice with a 5 km catchment
    many pairs lie exactly on the circle (3-4-5 triangles), so an interior/boundary slip would
    change `offers_in_reach`; any cell size and piece size must agree."""
    from monitoring.core.fca_kernel import fca_discs, fca_euclidean

    rng = np.random.default_rng(seed)
    n, m = 2500, 120
    offset = np.array([4e5, 5.6e6])
    if lattice:
        xy = rng.integers(0, 40, size=(n, 2)) * 1000.0 + offset
        sxy = rng.integers(0, 40, size=(m, 2)) * 1000.0 + offset
        catchment = 5000.0
    else:
        xy = rng.uniform(0, 60000, size=(n, 2)) + offset
        sxy = rng.uniform(0, 60000, size=(m, 2)) + offset
        catchment = 9000.0
    demand = acc.Points(np.arange(n), xy[:, 0], xy[:, 1], rng.integers(1, 60, n) * 1.0)
    supply = acc.Points(np.arange(m), sxy[:, 0], sxy[:, 1], rng.integers(1, 60, m) * 1.0)
    for decay in (weights.uniform(), weights.luo_qi(catchment),
                  weights.step({catchment / 2: 1, catchment * 0.8: 0.5}),
                  weights.step({catchment / 3: 1, catchment * 2: 0.3})):
        full = fca_euclidean(demand, supply, catchment, decay, None, 10**8, 1, 1 << 16)
        for cell, pieces in ((None, 1 << 20), (333.0, 997), (2500.0, 1)):
            discs = fca_discs(demand, supply, catchment, decay, cell, max_pairs=pieces)
            np.testing.assert_array_equal(discs[1], full[1])  # offers in reach
            for ours, theirs in ((discs[0], full[0]), (discs[2], full[2])):
                np.testing.assert_array_equal(ours == 0, theirs == 0)
                np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=0)
