"""Accessibility for reports: read offers and population from the store, compute with the core.

Demand points (documented choice): every current municipality (Gemeinde) of the store is one
demand point at its representative point (a point guaranteed inside the area), weighted with
the municipality's target population (default: foreign nationals) for the report's quarter.
The computation runs over all of them (the Land), so offers across a district border compete
and count; the report then shows the district's municipalities, compared with the mean of the
Land's municipalities. Offers count with their capacity (places);
offers without a fixed site (mobile, online, county-wide) or without capacity are excluded from
the distance method and reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from monitoring.core import accessibility as acc
from monitoring.core import coverage, weights
from monitoring.periods import Quarter
from monitoring.views import snapshot as quarter_snapshot
from monitoring.vocab import STORE_CRS

if TYPE_CHECKING:
    from monitoring.store.database import Store
    from monitoring.views.scope import ReportContext

# Map classes: mean access of a municipality relative to the district mean for the field.
# Colours: viridis steps, dark = poor access, black = no offer in reach – one sequence of
# lightness, so the classes stay apart with a red-green colour-vision deficiency (checked in
# tests/test_accessible_content.py with simulated protanopia/deuteranopia/tritanopia); the
# red-to-green scale used before merged „unter 50 %“ and „200 % und mehr“ for deuteranopes.
CLASSES: list[tuple[str, float, float, str]] = [
    ("unter 50 % des Kreismittels", 0.0, 0.5, "#414487"),
    ("50 bis unter 80 %", 0.5, 0.8, "#2a788e"),
    ("80 bis unter 120 %", 0.8, 1.2, "#22a884"),
    ("120 bis unter 200 %", 1.2, 2.0, "#7ad151"),
    ("200 % und mehr", 2.0, np.inf, "#fde725"),
]
NO_OFFER = ("kein Angebot im Einzugsbereich", "#1a1a1a")


def map_classes() -> list[tuple[str, str]]:
    """The map's classes in legend order (label, colour): best first, no offer last."""
    return [(label, colour) for label, _, _, colour in reversed(CLASSES)] + [NO_OFFER]


@dataclass(frozen=True)
class AccessSettings:
    """Parameters of the report's accessibility section (units in the names)."""

    catchment_m: float = 30_000.0
    within_m: float = 10_000.0
    gap_fraction: float = 0.5
    population_group: str = "auslaender"

    def decay(self) -> weights.Decay:
        return weights.luo_qi(self.catchment_m)


def demand_points(store: Store, when: ReportContext | Quarter,
                  population_group: str) -> gpd.GeoDataFrame:
    """Current municipalities as points (representative point) with their target population
    in the quarter `when` (or the report's quarter)."""
    period = when if isinstance(when, Quarter) else when.period
    municipalities = store.read_areas(level="gemeinde")
    pop = store.read_population(population_group=population_group, periods=[str(period)])
    values = pop.groupby("area_code")["value"].sum()
    points = gpd.GeoDataFrame(
        {"area_code": municipalities["area_code"].to_numpy(),
         "parent_code": municipalities["parent_code"].to_numpy(),
         "name": municipalities["name"].to_numpy(),
         "population": municipalities["area_code"].map(values).fillna(0.0).to_numpy()},
        geometry=municipalities.geometry.representative_point().to_numpy(), crs=municipalities.crs)
    return points


def offer_sites(offers: pd.DataFrame, field: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """(offers of `field` with a site and capacity as points, offers of `field` excluded)."""
    # .loc with a bool mask: on an empty frame `offers[mask]` would select no *columns*
    mine = offers.loc[offers["fields"].map(lambda f: field in list(f)).astype(bool)]
    usable = (mine["mode"] == "standort") & mine["x"].notna() & mine["y"].notna() \
        & mine["capacity"].notna()
    sites = gpd.GeoDataFrame(
        {"offer_id": mine.loc[usable, "offer_id"].to_numpy(),
         "capacity": mine.loc[usable, "capacity"].astype(float).to_numpy()},
        geometry=gpd.points_from_xy(mine.loc[usable, "x"], mine.loc[usable, "y"]),
        crs=STORE_CRS)
    return sites, mine.loc[~usable]


def state_access(store: Store, period: str, settings: AccessSettings | None = None,
                 ) -> pd.DataFrame:
    """The accessibility of every current municipality of the store, per Handlungsfeld, on the
    Stichtag of `period`: the state-wide part of `accessibility_tables`, the same for every
    district of the quarter (a quarter snapshot holds it, `views.snapshot`).

    One row per municipality × field, fields in vocabulary order, municipalities in store
    order: area_code, parent_code, name, population, access (places per person),
    offers_in_reach, nearest_m, field, label.
    """
    settings = settings or AccessSettings()
    quarter = Quarter.parse(period)
    labels = store.read_vocabulary("field")
    points = demand_points(store, quarter, settings.population_group)
    demand = acc.points(points, value="population", id_column="area_code",
                        kind="Gemeinden (Nachfrage)")
    offers = coverage.active(store.read_offers(on=quarter.end), quarter.end)
    parts = []
    for field, label in labels.items():
        sites, _ = offer_sites(offers, field)
        frame = points[["area_code", "parent_code", "name", "population"]].copy()
        if len(sites):
            supply = acc.points(sites, value="capacity", id_column="offer_id",
                                kind=f"Angebote {label}")
            result = acc.two_step_fca(demand, supply, catchment_m=settings.catchment_m,
                                      decay=settings.decay())
            frame["access"] = result.demand["access"].to_numpy()
            frame["offers_in_reach"] = result.demand["offers_in_reach"].to_numpy()
            frame["nearest_m"] = acc.nearest_offer_m(demand, supply)
        else:
            frame["access"], frame["offers_in_reach"], frame["nearest_m"] = 0.0, 0, np.inf
        frame["field"] = field
        frame["label"] = label
        parts.append(frame)
    return pd.DataFrame(pd.concat(parts, ignore_index=True))


def accessibility_tables(store: Store, ctx: ReportContext,
                         settings: AccessSettings | None = None) -> dict[str, object]:
    """Per field: access of every municipality, the district table and the gap list.

    Returns ``municipalities`` (area_code, name, field, population, access_per_1000,
    relative, category, nearest_km), ``fields`` (one row per field for the district),
    ``gaps``, ``method`` (German text) and ``settings``.

    The state-wide access of every municipality (`state_access`) comes from the run's quarter
    snapshot when one is installed for this store and quarter (default settings only); this
    function then only filters it to the district and compares.
    """
    settings = settings or AccessSettings()
    labels = store.read_vocabulary("field")
    snapshot = quarter_snapshot.installed(store, period=str(ctx.period)) \
        if settings == AccessSettings() else None
    state = snapshot.access.copy() if snapshot is not None \
        else state_access(store, str(ctx.period), settings)
    offers = coverage.active(store.read_offers(on=ctx.period.end), ctx.period.end)
    rows, per_point, all_gaps = [], [], []
    area_shape = store.read_areas(codes=[ctx.area_code]).geometry.iloc[0]
    for field, label in labels.items():
        sites, excluded = offer_sites(offers, field)
        frame = state[state["field"] == field].reset_index(drop=True)
        own = frame["parent_code"] == ctx.area_code if ctx.level == "kreis" \
            else frame["area_code"] == ctx.area_code
        frame = frame[["area_code", "name", "population", "access", "offers_in_reach",
                       "nearest_m", "field", "label"]]
        area_frame = frame.rename(columns={"area_code": "id"})
        district = frame[own.to_numpy()]
        mean_district = acc.weighted_mean(district["access"], district["population"])
        in_land = frame["area_code"].str.startswith(ctx.state_code).to_numpy()
        mean_state = acc.weighted_mean(frame["access"][in_land], frame["population"][in_land])
        areas = acc.by_area(area_frame[own.to_numpy()], pd.Series(
            district["area_code"].to_numpy(), index=district["area_code"].to_numpy()),
            threshold=settings.gap_fraction * mean_district if mean_district > 0 else 0.0)
        gap = acc.gaps(areas, fraction=settings.gap_fraction, reference=mean_district)
        gap = gap.merge(district[["area_code", "name", "nearest_m", "offers_in_reach"]],
                        on="area_code")
        gap["field"], gap["label"] = field, label
        all_gaps.append(gap)
        district = district.assign(
            relative=district["access"] / mean_district if mean_district > 0 else np.nan)
        district["category"] = _category(district)
        per_point.append(district)
        inside = sites.geometry.within(area_shape).to_numpy()
        rows.append({
            "field": field, "label": label, "sites": int(inside.sum()),
            "without_site": int((excluded["area_code"].str[:len(ctx.area_code)]
                                 == ctx.area_code).sum()),
            "places": float(sites.loc[inside, "capacity"].sum()),
            "access_per_1000": mean_district * 1000, "state_per_1000": mean_state * 1000,
            "population": float(district["population"].sum()),
            "share_within": acc.share_within(district["population"].to_numpy(),
                                             district["nearest_m"].to_numpy(),
                                             settings.within_m),
            "gap_municipalities": len(gap),
        })
    table = pd.DataFrame(rows)
    table["share_within_pct"] = table["share_within"] * 100
    municipalities = pd.concat(per_point, ignore_index=True)
    municipalities["access_per_1000"] = municipalities["access"] * 1000
    municipalities["nearest_km"] = municipalities["nearest_m"] / 1000
    gaps = pd.concat(all_gaps, ignore_index=True)
    gaps["access_per_1000"] = gaps["mean_access"] * 1000
    gaps["nearest_km"] = gaps["nearest_m"] / 1000
    gaps["relative_pct"] = gaps["relative"] * 100
    return {"municipalities": municipalities, "fields": table, "gaps": gaps,
            "method": acc.describe(settings.decay(), catchment_m=settings.catchment_m),
            "settings": settings}


def _category(district: pd.DataFrame) -> list[str]:
    out = []
    for reach, rel in zip(district["offers_in_reach"], district["relative"], strict=True):
        if reach == 0:
            out.append(NO_OFFER[0])
            continue
        label = CLASSES[-1][0]
        for name, low, high, _ in CLASSES:
            if low <= rel < high:
                label = name
                break
        out.append(label)
    return out
