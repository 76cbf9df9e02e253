"""`monitoring export bestand`: the inventory and its analyses for colleagues.

Excel: offers (with German labels), actors, coverage matrix (offers per Handlungsfeld ×
municipality), gaps and overlap candidates. GeoPackage: offers with a site as points, the
coverage and gaps per municipality as polygons (EPSG:25832). Person counts go through
disclosure control like in the reports (counts below the threshold are left empty).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from monitoring.core import coverage
from monitoring.core.config import Settings
from monitoring.io.inventory import workbook as export
from monitoring.store.areas import read_area_hierarchy
from monitoring.store.database import open_store
from monitoring.views import inventory as analysis
from monitoring.views import publishable
from monitoring.views.scope import ReportContext, available_periods, context, districts

OFFER_HEADERS = {"offer_id": "Angebots-ID", "actor_id": "Akteur-ID", "title": "Titel",
                 "fields": "Handlungsfelder", "target_groups": "Zielgruppen",
                 "languages": "Sprachen", "mode": "Angebotsform", "area_code": "Gebietsschlüssel",
                 "capacity": "Plätze", "valid_from": "gültig ab", "valid_to": "gültig bis",
                 "x": "Rechtswert (EPSG:25832)", "y": "Hochwert (EPSG:25832)"}
ACTOR_HEADERS = {"actor_id": "Akteur-ID", "name": "Name", "actor_type": "Art",
                 "area_code": "Gemeindeschlüssel", "network_member": "Netzwerkmitglied",
                 "volunteers": "Ehrenamtliche"}
GAP_HEADERS = {"area_code": "Gemeindeschlüssel", "name": "Gemeinde",
               "group_label": "Zielgruppe", "population": "Personen", "reason": "Befund"}
OVERLAP_HEADERS = {"offer_a": "Angebot A", "title_a": "Titel A", "offer_b": "Angebot B",
                   "title_b": "Titel B", "area_code": "Gebiet", "similarity": "Ähnlichkeit",
                   "reason": "Grund"}


def export_inventory(store_path: str | os.PathLike[str] | None, out: str | os.PathLike[str], *,
                     fmt: str, area_code: str | None = None, period: str | None = None,
                     settings: Settings | None = None) -> Path:
    """Write the export; person counts are withheld under `settings` (the caller's resolved
    settings; None: resolved here like the command line does, `monitoring.io.settings`)."""
    from monitoring.io import settings as settings_file

    with open_store(store_path) as store:
        settings = settings or settings_file.resolve(store=store)
        period = period or available_periods(store)[-1]
        codes = [area_code] if area_code else list(districts(store)["area_code"])
        contexts: list[ReportContext] = [context(store, c, period, settings) for c in codes]
        labels = analysis.labels(store)
        parts = [analysis.inventory_tables(store, ctx) for ctx in contexts]
        offers = pd.concat([p["offers"] for p in parts], ignore_index=True)
        gaps = publishable.inventory_gaps(pd.concat([p["gaps"] for p in parts],
                                                    ignore_index=True),
                                          settings.disclosure).frame
        overlaps = pd.concat([p["overlaps"] for p in parts], ignore_index=True)
        gemeinden = store.read_areas(level="gemeinde")
        gemeinden = gemeinden[gemeinden["parent_code"].isin(codes)]
        all_versions = read_area_hierarchy(store)
        pop = store.read_population(population_group="auslaender", periods=[period])
        cov = coverage.by_area(offers, gemeinden, pop, fields=list(labels["field"]),
                               hierarchy=all_versions)
        actors = store.read_actors()
        actors = actors[actors["area_code"].str[:5].isin(codes)]
        demo = store.is_demo
    named = offers.assign(
        fields=[[labels["field"].get(f, f) for f in v] for v in offers["fields"]],
        target_groups=[[labels["target_group"].get(g, g) for g in v]
                       for v in offers["target_groups"]],
        languages=[[labels["language"].get(x, x) for x in v] for v in offers["languages"]],
        mode=offers["mode"].map(labels["offer_mode"]))
    matrix = coverage.matrix(cov, "offers").rename(columns=labels["field"])
    note = (f"Bestandsaufnahme, Stichtag {contexts[0].period.end:%d.%m.%Y}"
            + (" – Demodaten – fiktiv" if demo else ""))
    if fmt == "xlsx":
        return export.excel(
            {"Angebote": named, "Akteure": actors, "Abdeckung": matrix, "Lücken": gaps,
             "Doppelstrukturen": overlaps},
            {"Angebote": OFFER_HEADERS, "Akteure": ACTOR_HEADERS,
             "Abdeckung": {c: ("Gemeindeschlüssel" if c == "area_code" else "Gemeinde"
                               if c == "name" else c) for c in matrix.columns},
             "Lücken": GAP_HEADERS, "Doppelstrukturen": OVERLAP_HEADERS}, out, note=note)
    import geopandas as gpd

    sited = named[named["x"].notna()]
    points = gpd.GeoDataFrame(sited[list(OFFER_HEADERS)].rename(columns=OFFER_HEADERS),
                              geometry=gpd.points_from_xy(sited["x"], sited["y"]),
                              crs="EPSG:25832")
    shapes = gemeinden[["area_code", "geometry"]]
    cov_layer = shapes.merge(matrix.rename(columns={"area_code": "area_code"}), on="area_code")
    gap_counts = gaps.groupby("area_code").size().rename("luecken").reset_index()
    gap_layer = shapes.merge(gap_counts, on="area_code", how="left").fillna({"luecken": 0})
    return export.geopackage({"angebote": points, "abdeckung": cov_layer,
                              "luecken": gap_layer}, out)
