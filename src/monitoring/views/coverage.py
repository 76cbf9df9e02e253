"""Offer coverage views: offers and places per area, field and 1,000 of the target group."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from monitoring import fmt
from monitoring.core import coverage
from monitoring.core.areas import harmonise, located_today
from monitoring.periods import Quarter
from monitoring.store.areas import read_area_hierarchy
from monitoring.views import snapshot as quarter_snapshot
from monitoring.views.scope import ReportContext, area_layers

if TYPE_CHECKING:

    from monitoring.store.database import Store


DEFAULT_GROUP = "auslaender"


def state_coverage(store: Store, period: Quarter | str, *, population_group: str = DEFAULT_GROUP,
                   within: str = "") -> dict[str, pd.DataFrame]:
    """Offer coverage on the period's reference date of every district and every municipality
    of the store: all offers (``districts``, ``municipalities``) and by field
    (``district_fields``, ``municipality_fields``).

    The same for every district report of a quarter, so the quarter snapshot computes it once
    (`views.quarter`); `coverage_tables` takes a report's rows from it. Each area's row depends
    on that area's offers and population only, so its rows are those a computation for the
    report's areas alone gives. `within`: only the areas whose key starts with it (a Land, for
    a report computed on demand from a national store).
    """
    quarter = Quarter.parse(str(period))
    fields = list(store.read_vocabulary("field"))
    changes = store.read_area_changes()
    # today's areas: offers recorded under a merged-away area count where that place is today,
    # figures dated before a change count for the new area
    offers = _offers_today(store, quarter)
    all_versions = read_area_hierarchy(store)
    # a new key whose boundaries are not loaded yet still lies in its Kreis (AGS prefix)
    unknown = sorted(set(changes["new_code"].astype(str)) - set(all_versions["area_code"]))
    if unknown:
        all_versions = pd.concat([all_versions, pd.DataFrame({
            "area_code": unknown, "parent_code": [c[:5] if len(c) == 8 else c[:2]
                                                  for c in unknown],
            "valid_from": pd.NaT})], ignore_index=True)
    pop = harmonise(store.read_population(population_group=population_group,
                                          periods=[str(quarter)]), changes)
    districts, municipalities = (
        pd.DataFrame(layer[layer["area_code"].str.startswith(within)].drop(columns="geometry"))
        for layer in (store.read_areas(level="kreis"), store.read_areas(level="gemeinde")))
    one = ["alle"]
    any_field = offers.assign(fields=[one] * len(offers))
    return {
        "districts": coverage.by_area(any_field, districts, pop, fields=one,
                                      hierarchy=all_versions),
        "district_fields": coverage.by_area(offers, districts, pop, fields=fields,
                                            hierarchy=all_versions),
        "municipalities": coverage.by_area(any_field, municipalities, pop, fields=one,
                                           hierarchy=all_versions),
        "municipality_fields": coverage.by_area(offers, municipalities, pop, fields=fields,
                                                hierarchy=all_versions),
    }


def _offers_today(store: Store, quarter: Quarter) -> pd.DataFrame:
    """The offers active on the quarter's reference date, at today's areas."""
    on = quarter.end
    return located_today(coverage.active(store.read_offers(on=on), on),
                         store.read_area_changes())


def coverage_tables(store: Store, ctx: ReportContext, *, population_group: str = DEFAULT_GROUP,
                    ) -> dict[str, pd.DataFrame]:
    """Offer coverage on the period's reference date: by district (the districts of the
    report area's Land), by municipality (of the report's district), by field (the report's
    district), and the offers (of the report's district).

    Areas are today's (merged-away Gemeinden are not listed); offers and population recorded
    under an old key are counted for the area that holds them today (`areas.located_today`,
    `areas.harmonise`). The rows come from `state_coverage`: the run's quarter snapshot, or
    computed here.
    """
    state = None
    snapshot = quarter_snapshot.installed(store, period=str(ctx.period))
    if snapshot is not None and population_group == DEFAULT_GROUP:
        state = snapshot.coverage
    if state is None:
        state = state_coverage(store, ctx.period, population_group=population_group,
                               within=ctx.state_code)
    districts, municipalities = area_layers(store, ctx)
    offers = _offers_today(store, ctx.period)

    def rows(table: str, codes: pd.Series) -> pd.DataFrame:
        frame = state[table]
        return frame[frame["area_code"].isin(set(codes.astype(str)))].reset_index(drop=True)

    return {
        "districts": rows("districts", districts["area_code"]),
        "municipalities": rows("municipalities", municipalities["area_code"]),
        "municipality_fields": rows("municipality_fields", municipalities["area_code"]),
        "fields": rows("district_fields",
                       districts.loc[districts["area_code"] == ctx.area_code, "area_code"]),
        "offers": offers[offers["area_code"].str[:5] == ctx.area_code[:5]]
        if ctx.level == "kreis" else offers,
    }


def coverage_summary(tables: dict[str, pd.DataFrame], ctx: ReportContext) -> dict[str, float]:
    """Key figures for the report's district: offers, capacity, fields and places without offer."""
    own = tables["districts"][tables["districts"]["area_code"] == ctx.area_code]
    fields = tables["fields"]
    municipalities = tables["municipalities"]
    return {
        "offers": float(own["offers"].sum()),
        "capacity": float(own["capacity"].sum()),
        "offers_per_1000": float(own["offers_per_1000"].iloc[0]) if not own.empty else float("nan"),
        "fields_without_offer": float((fields["offers"] == 0).sum()),
        "municipalities": float(len(municipalities)),
        "municipalities_without_offer": float((municipalities["offers"] == 0).sum()),
        "without_site": float(tables["offers"]["x"].isna().sum()),
    }


def coverage_key_figures(summary: dict[str, float], *, single_municipality: bool,
                         ) -> dict[str, str]:
    """The key-figure boxes of the coverage section (label → German number). For an area
    that is a single municipality (a kreisfreie Stadt) „0 von 1 Gemeinden ohne Angebot“
    says nothing and is left out."""
    figures = {
        "aktive Angebote": fmt.number(summary["offers"]),
        "Angebote je 1.000 Ausländer/-innen": fmt.number(summary["offers_per_1000"], 1),
        "Handlungsfelder ohne Angebot": fmt.number(summary["fields_without_offer"]),
    }
    if not single_municipality:
        figures["Gemeinden ohne Angebot"] = (
            f"{fmt.number(summary['municipalities_without_offer'])} von "
            f"{fmt.number(summary['municipalities'])}")
    return figures

