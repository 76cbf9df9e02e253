"""Reference geography: Thuringia's districts and municipalities from BKG VG250, with area changes.

The committed files in ``monitoring/data/geo`` show the VG250 state of 2017 (see the README
there). Changes since then that matter for comparable series are modelled here as dated area
versions plus rows of the ``area_change`` table:

* Eisenach (Kreis 16056, Gemeinde 16056000) joined the Wartburgkreis on 2021-07-01 and became
  municipality 16063105; the Wartburgkreis (16063) gets a new version with the union geometry.

This module does I/O at the edge (reading packaged files, writing the store).
"""

from __future__ import annotations

import json
from datetime import date
from importlib.resources import files
from typing import TYPE_CHECKING

import pandas as pd

from monitoring.schema import STORE_CRS

if TYPE_CHECKING:
    import geopandas as gpd

    from monitoring.store import Store

LAND_CODE = "16"
LAND_NAME = "Thüringen"
EISENACH_MERGER = date(2021, 7, 1)
_DAY_BEFORE_MERGER = date(2021, 6, 30)

AREA_CHANGES = pd.DataFrame(
    [
        ("16056", "16063", EISENACH_MERGER, "eingliederung",
         "Kreisfreie Stadt Eisenach in den Wartburgkreis eingegliedert (Große Kreisstadt)"),
        ("16056000", "16063105", EISENACH_MERGER, "umschluesselung",
         "Gemeinde Eisenach: neuer Gemeindeschlüssel im Wartburgkreis"),
    ],
    columns=["old_code", "new_code", "effective", "kind", "note"],
)


def _geo_file(name: str) -> str:
    return files("monitoring").joinpath("data", "geo", name).read_text(encoding="utf-8")


GEBIETSSTAND = "31.12.2015"  # of the packaged VG250 files; see data/geo/README.md


def source_label() -> str:
    """Source line for the reference geometry, with its Gebietsstand."""
    return (f"BKG VG250 (© GeoBasis-DE / BKG 2017, dl-de/by-2-0), Gebietsstand {GEBIETSSTAND}, "
            "vereinfacht")


def read_reference_layer(level: str) -> gpd.GeoDataFrame:
    """The packaged layer ``kreis`` or ``gemeinde`` as published (EPSG:4326, state of 2017)."""
    import geopandas as gpd

    name = {"kreis": "thueringen_kreise.geojson", "gemeinde": "thueringen_gemeinden.geojson"}[level]
    data = json.loads(_geo_file(name))
    frame = gpd.GeoDataFrame.from_features(data["features"], crs="EPSG:4326")
    for col in ("area_code", "parent_code", "name", "kind", "level"):
        frame[col] = frame[col].astype(str)
    return frame


def reference_areas() -> gpd.GeoDataFrame:
    """All area versions for the store (Land, Kreise, Gemeinden) in EPSG:25832."""
    import geopandas as gpd

    source = source_label()
    kreise = read_reference_layer("kreis").to_crs(STORE_CRS)
    gemeinden = read_reference_layer("gemeinde").to_crs(STORE_CRS)
    rows: list[dict[str, object]] = []

    def add(code: str, name: str, level: str, kind: str, parent: str | None, geom: object,
            valid_from: date, valid_to: date | None = None) -> None:
        rows.append(dict(area_code=code, name=name, level=level, kind=kind, parent_code=parent,
                         geometry=geom, valid_from=valid_from, valid_to=valid_to, source=source))

    add(LAND_CODE, LAND_NAME, "land", "Land", None, kreise.union_all(), date(1990, 10, 3))
    by_code = kreise.set_index("area_code")
    for r in kreise.itertuples():
        start = date.fromisoformat(r.valid_from)
        if r.area_code in ("16056", "16063"):
            add(r.area_code, r.name, "kreis", r.kind, LAND_CODE, r.geometry, start,
                _DAY_BEFORE_MERGER)
        else:
            add(r.area_code, r.name, "kreis", r.kind, LAND_CODE, r.geometry, start)
    merged = by_code.loc[["16063", "16056"]].union_all()
    add("16063", "Wartburgkreis", "kreis", "Landkreis", LAND_CODE, merged, EISENACH_MERGER)
    for r in gemeinden.itertuples():
        start = date.fromisoformat(r.valid_from)
        if r.area_code == "16056000":
            add(r.area_code, r.name, "gemeinde", r.kind, r.parent_code, r.geometry, start,
                _DAY_BEFORE_MERGER)
            add("16063105", r.name, "gemeinde", "Große Kreisstadt", "16063", r.geometry,
                EISENACH_MERGER)
        else:
            add(r.area_code, r.name, "gemeinde", r.kind, r.parent_code, r.geometry, start)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=STORE_CRS)


def write_areas(store: Store, areas: gpd.GeoDataFrame, changes: pd.DataFrame | None = None) -> int:
    """Write area versions (and changes) into the store inside its current transaction.

    Rows with the same (area_code, valid_from) are replaced, so loading the same layer twice
    changes nothing.
    """
    import shapely

    if areas.crs is None or areas.crs.to_string() != STORE_CRS:
        areas = areas.to_crs(STORE_CRS)
    frame = pd.DataFrame(areas.drop(columns="geometry"))
    frame["geometry"] = [None if g is None else bytes(b)
                         for g, b in zip(areas.geometry, shapely.to_wkb(areas.geometry.values),
                                         strict=True)]
    cols = ["area_code", "valid_from", "valid_to", "name", "level", "kind", "parent_code",
            "geometry", "source"]
    count = store.upsert("area", frame[cols], ["area_code", "valid_from"])
    if changes is not None and not changes.empty:
        store.upsert("area_change", changes, ["old_code", "new_code", "effective"])
    return count


def load_reference_geography(store: Store) -> int:
    """Load the packaged Thuringia geography and its area changes into `store` (one transaction)."""
    areas = reference_areas()
    with store.transaction():
        count = write_areas(store, areas, AREA_CHANGES)
        store.log_import("gebiete", source_label(),
                         (_geo_file("thueringen_kreise.geojson")
                          + _geo_file("thueringen_gemeinden.geojson")).encode(), count)
    return count
