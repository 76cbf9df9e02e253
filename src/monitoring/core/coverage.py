"""Offer coverage by area and Handlungsfeld (pure functions, no I/O).

Counts offers and their capacity per area and field, and relates them to the size of a
population group (per 1,000). An offer counts for the area it is located in and for every area
above it; offers without a fixed site that are recorded for a whole district (mobile, online,
county-wide) count for that district but for none of its municipalities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from monitoring.core.areas import ancestors, roll_up

COVERAGE_COLUMNS = ["area_code", "name", "field", "offers", "capacity", "population",
                    "offers_per_1000", "capacity_per_1000"]


def active(offers: pd.DataFrame, on: date) -> pd.DataFrame:
    """Offers valid on the reference date `on` (Stichtag)."""
    # as timestamps: a column of open ends only (no offer ended yet) has no dates to compare
    start = pd.to_datetime(offers["valid_from"])
    end = pd.to_datetime(offers["valid_to"])
    day = pd.Timestamp(on)
    keep = (start <= day) & (end.isna() | (end >= day))
    return offers.loc[keep.to_numpy()].copy()


def by_area(offers: pd.DataFrame, areas: pd.DataFrame, population: pd.DataFrame, *,
            fields: Sequence[str], hierarchy: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (area, field) for every area in `areas` and every field in `fields`.

    Parameters
    ----------
    offers
        Offer rows (columns ``offer_id``, ``fields`` (list), ``area_code``, ``capacity``), already
        filtered to one reference date.
    areas
        The areas to report on (``area_code``, ``name``).
    population
        ``area_code``, ``value``: the population group for the denominator, at any level at or
        below `areas`; it is rolled up and summed, except where an area has a figure of its
        own: then that one counts, not the sum of its parts.
    fields
        Handlungsfeld codes; fields without any offer still get rows (with zero offers).
    hierarchy
        ``area_code``, ``parent_code`` of every area (all levels and versions) used to roll
        offers and population up to `areas`; defaults to `areas` itself.

    Returns columns `COVERAGE_COLUMNS`; per-1,000 figures are NaN where the population is 0 or
    unknown.
    """
    parents = ancestors(areas if hierarchy is None else hierarchy)
    targets = set(areas["area_code"].astype(str))
    names = dict(zip(areas["area_code"].astype(str), areas["name"], strict=False))

    exploded = offers[["offer_id", "fields", "area_code", "capacity"]].explode("fields")
    exploded = exploded[exploded["fields"].isin(list(fields))]
    exploded["target"] = roll_up(exploded["area_code"].astype(str), parents, targets)
    counted = (exploded.dropna(subset=["target"])
               .groupby(["target", "fields"])
               .agg(offers=("offer_id", "nunique"), capacity=("capacity", "sum"))
               .rename_axis(["area_code", "field"]))

    pop = population[["area_code", "value"]].copy()
    pop["target"] = roll_up(pop["area_code"].astype(str), parents, targets)
    pop = pop.dropna(subset=["target"])
    # an area's own figure wins over the sum of its parts: a store may hold both (the Kreis
    # from the official table, some of its Gemeinden from own figures), never add them up
    own = pop["area_code"].astype(str) == pop["target"]
    pop = pop[own | ~pop["target"].isin(set(pop.loc[own, "target"]))]
    pop_sum = pop.groupby("target")["value"].sum(min_count=1)

    grid = pd.MultiIndex.from_product([sorted(targets), list(fields)],
                                      names=["area_code", "field"])
    out = counted.reindex(grid).reset_index()
    out["offers"] = out["offers"].fillna(0).astype(int)
    out["capacity"] = out["capacity"].fillna(0).astype(float)
    out["population"] = out["area_code"].map(pop_sum).astype(float)
    out["name"] = out["area_code"].map(names)
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = out["population"].where(out["population"] > 0)
        out["offers_per_1000"] = out["offers"] / denominator * 1000
        out["capacity_per_1000"] = out["capacity"] / denominator * 1000
    return out[COVERAGE_COLUMNS]


def without_offer(coverage: pd.DataFrame, *, min_population: float = 0,
                  reason: str = "kein Angebot im Handlungsfeld") -> pd.DataFrame:
    """Area × field combinations with no offer although the population is at least `min_population`.

    These are candidates for a gap (Versorgungslücke); the reason is stated in ``reason``.
    """
    mask = (coverage["offers"] == 0) & (coverage["population"].fillna(0) >= min_population)
    out = coverage.loc[mask, ["area_code", "name", "field", "population"]].copy()
    out["reason"] = reason
    return out.reset_index(drop=True)


def matrix(coverage: pd.DataFrame, value: str = "offers") -> pd.DataFrame:
    """The coverage as a matrix: one row per area (code, name), one column per field."""
    wide = coverage.pivot_table(index=["area_code", "name"], columns="field", values=value,
                                aggfunc="first", sort=False)
    fields = list(dict.fromkeys(coverage["field"]))
    return wide.reindex(columns=fields).reset_index().rename_axis(columns=None)


GAP_COLUMNS = ["area_code", "name", "population_group", "field", "population", "offers",
               "reason"]
GENERAL_GROUP = "zugewanderte"


def gaps(offers: pd.DataFrame, areas: pd.DataFrame, population: pd.DataFrame, *,
         fields: Sequence[str], target_groups: dict[str, str], min_size: float,
         languages: Mapping[str, Sequence[str]] | None = None,
         labels: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """Gaps: an area whose target group has at least `min_size` persons but no offer of a field.

    Parameters
    ----------
    offers
        Offers on one reference date (``fields``, ``target_groups``, ``languages``,
        ``area_code``).
    areas
        Areas to check (``area_code``, ``name``, ``parent_code``). An offer serves an area when
        it is recorded for that area or, without a fixed site, for the area's parent (a
        county-wide or mobile offer serves every municipality of the county).
    population
        ``area_code, population_group, value`` at the level of `areas`.
    target_groups
        population group → the target-group code offers use for it (e.g. ``schutzsuchende`` →
        ``gefluechtete``); offers for ``zugewanderte`` (general) serve every group.
    languages
        population group → languages the group needs; where offers of the field exist but none
        in one of these languages, that is a gap too ("keines in ihren Sprachen").

    Returns `GAP_COLUMNS`, largest groups first.
    """
    labels = labels or {}
    field_names = labels.get("field", {})
    language_names = labels.get("language", {})
    parent = dict(zip(areas["area_code"].astype(str), areas["parent_code"], strict=False))
    names = dict(zip(areas["area_code"].astype(str), areas["name"], strict=False))
    exploded = offers[["offer_id", "fields", "target_groups", "languages", "area_code"]]
    rows = []
    pop = population[population["area_code"].astype(str).isin(names)]
    for rec in pop.itertuples(index=False):
        code, group, size = str(rec.area_code), rec.population_group, rec.value
        if group not in target_groups or pd.isna(size) or size < min_size:
            continue
        wanted = {target_groups[group], GENERAL_GROUP}
        here = exploded[(exploded["area_code"] == code)
                        | (exploded["area_code"] == parent.get(code))]
        serving = here.loc[np.array([bool(wanted & set(g)) for g in here["target_groups"]],
                                    dtype=bool)]
        for field in fields:
            matching = serving.loc[np.array([field in f for f in serving["fields"]], dtype=bool)]
            if matching.empty:
                reason = f"kein Angebot im Handlungsfeld {field_names.get(field, field)}"
            elif languages and languages.get(group):
                needed = set(languages[group])
                if any(needed & set(langs) for langs in matching["languages"]):
                    continue
                spoken = ", ".join(language_names.get(x, x) for x in languages[group])
                reason = (f"{len(matching)} Angebot(e) im Handlungsfeld "
                          f"{field_names.get(field, field)}, aber keines auf {spoken}")
            else:
                continue
            rows.append((code, names[code], group, field, float(size), len(matching), reason))
    out = pd.DataFrame(rows, columns=GAP_COLUMNS)
    return out.sort_values(["population", "area_code", "field"],
                           ascending=[False, True, True]).reset_index(drop=True)
