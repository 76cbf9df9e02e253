"""Target-group demand on population points (pure functions, no I/O).

Accessibility needs demand where the target group lives, but the Zensus grid only counts the
whole population per cell, while the target group (e.g. foreign nationals) is known per
municipality (Gemeinde) from official statistics. `target_group_demand` combines the two:

    demand(cell) = population(cell) × group(area) / population(area)

for the area containing the cell's centre (point in polygon). **Assumption:** inside each area
the target group is spread like the total population. Differences between areas are kept,
differences within an area are not (a municipality's foreign nationals living mostly in its
main town is invisible). The sum of the demand over an area's cells equals the area's target
group only when the grid's population equals the area's official population; Zensus 2022
and the current population update differ, so the totals are close, not equal.

Cells whose centre lies in no area (e.g. beyond the state border) or in an area without a
usable share get ``area_code`` / ``share`` missing and ``demand`` NaN, so the caller decides
(and can count) what to leave out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from monitoring.errors import CRSMismatchError, DataValidationError

if TYPE_CHECKING:
    import geopandas as gpd


def group_shares(population: pd.DataFrame, *, group: str, total: str) -> pd.Series:
    """Share of `group` in `total` per area code, from rows ``area_code``,
    ``population_group``, ``value`` (one period). Areas without a total > 0 or without the
    group get no share; a share above 1 is an error (group larger than the population)."""
    wide = population.pivot_table(index="area_code", columns="population_group",
                                  values="value", aggfunc="sum")
    if group not in wide.columns or total not in wide.columns:
        missing = [g for g in (group, total) if g not in wide.columns]
        raise DataValidationError(
            f"Für die Zielgruppenanteile fehlen Bevölkerungszahlen der Gruppe(n) "
            f"{', '.join(f'„{g}“' for g in missing)}.",
            [{"table": "population", "column": "population_group", "rows": [],
              "values": missing, "expected": f"Zahlen für „{group}“ und „{total}“"}])
    usable = wide[total] > 0
    shares = (wide.loc[usable, group] / wide.loc[usable, total]).dropna()
    too_big = shares[shares > 1]
    if len(too_big):
        raise DataValidationError(
            f"Die Gruppe „{group}“ ist in {len(too_big)} Gebiet(en) größer als die "
            f"Bevölkerung „{total}“, z. B. {', '.join(too_big.index[:5])}.",
            [{"table": "population", "column": "value", "rows": list(too_big.index[:5]),
              "values": list(too_big.iloc[:5]), "expected": f"{group} ≤ {total}"}])
    shares.name = "share"
    return shares


def target_group_demand(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame,
                        shares: pd.Series, *, population: str = "population",
                        area_code: str = "area_code") -> gpd.GeoDataFrame:
    """Population points weighted with the target-group share of the area containing them.

    `points`: point layer with column `population` in any CRS (e.g. Zensus grid centres in
    EPSG:3035); `areas`: polygons with column `area_code` (e.g. municipalities, EPSG:25832);
    `shares`: area code → share in [0, 1] (`group_shares`). The points are transformed into
    the areas' CRS for the point-in-polygon test; a missing CRS is refused. Returns `points`
    (original CRS and order) with ``area_code``, ``share`` and ``demand`` added; see the
    module docstring for the assumption and for points outside every area.
    """
    import geopandas as gpd

    for frame, kind in ((points, "Bevölkerungspunkte"), (areas, "Gebiete")):
        if frame.crs is None:
            raise CRSMismatchError(
                f"Für „{kind}“ ist kein Koordinatenbezugssystem angegeben; ohne es lässt sich "
                "nicht bestimmen, in welchem Gebiet ein Punkt liegt (z. B. Zensus-Gitter: "
                "EPSG:3035, Gebiete: EPSG:25832).")
    values = pd.to_numeric(points[population], errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        rows = list(points.index[bad.to_numpy()][:5])
        raise DataValidationError(
            f"Spalte `{population}` der Bevölkerungspunkte: erwartet eine Zahl ≥ 0; "
            f"z. B. Zeile {', '.join(map(str, rows))}.",
            [{"table": "Bevölkerungspunkte", "column": population, "rows": rows,
              "values": [points[population].loc[r] for r in rows], "expected": "Zahl ≥ 0"}])
    located = gpd.GeoDataFrame(geometry=points.geometry.to_crs(areas.crs).to_numpy(),
                               crs=areas.crs)
    located["_pos"] = np.arange(len(points))
    # "intersects" keeps points exactly on a border; one on a shared border matches both
    # areas and goes to the area listed first, so each point counts once.
    hits = gpd.sjoin(located, areas[[area_code, areas.geometry.name]],
                     how="inner", predicate="intersects")
    hits = hits.sort_values(["_pos", "index_right"]).drop_duplicates("_pos")
    codes = pd.Series(pd.NA, index=range(len(points)), dtype=object)
    codes.loc[hits["_pos"].to_numpy()] = hits[area_code].to_numpy()
    out = points.copy()
    out["area_code"] = codes.to_numpy()
    out["share"] = codes.map(shares).astype(float).to_numpy()
    out["demand"] = values.to_numpy(dtype=np.float64) * out["share"].to_numpy()
    return out
