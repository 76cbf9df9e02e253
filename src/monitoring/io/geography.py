"""Reference geography: Thuringia's districts and municipalities from BKG VG250, with area changes.

The committed files in ``monitoring/data/geo`` show the VG250 state of 2017 (see the README
there). Changes since then that matter for comparable series are modelled here as dated area
versions plus rows of the ``area_change`` table:

* Eisenach (Kreis 16056, Gemeinde 16056000) joined the Wartburgkreis on 2021-07-01 and became
  municipality 16063105; the Wartburgkreis (16063) gets a new version with the union geometry.
* Kaltennordheim (Gemeinde 16063102, Wartburgkreis) merged with Aschenhausen, Kaltensundheim,
  Kaltenwestheim, Melpers, Oberkatz and Unterweid (Schmalkalden-Meiningen) on 2019-01-01 into
  the town Kaltennordheim, key 16066095, in Schmalkalden-Meiningen (Thüringer Gesetz zur
  freiwilligen Neugliederung kreisangehöriger Gemeinden im Jahr 2019). At Kreis level this is
  a partial change 16063 → 16066 (kind ``teilausgliederung``): Kreis counts before 2019 can
  only be re-attributed with the Gemeinde's population share, which is not packaged (share
  NULL = such counts are shown as not harmonisable; see `monitoring.core.areas.split_partial`).

This module does I/O at the edge (reading packaged files, writing the store). Boundary files a
user brings are imported by `monitoring.io.import_areas`.
"""

from __future__ import annotations

import json
from datetime import date
from importlib.resources import files
from typing import TYPE_CHECKING

import pandas as pd

from monitoring.store.areas import read_changes_except, read_ended_versions
from monitoring.vocab import PACKAGED_CHANGES_SOURCE, STORE_CRS

if TYPE_CHECKING:
    import geopandas as gpd

    from monitoring.store.database import Store

LAND_CODE = "16"
LAND_NAME = "Thüringen"
EISENACH_MERGER = date(2021, 7, 1)
_DAY_BEFORE_MERGER = date(2021, 6, 30)
KALTENNORDHEIM_CHANGE = date(2019, 1, 1)
_DAY_BEFORE_KALTENNORDHEIM = date(2018, 12, 31)
KALTENNORDHEIM_PARTS = ("16063102", "16066002", "16066035", "16066036", "16066043", "16066048",
                        "16066078")

AREA_CHANGES = pd.DataFrame(
    [
        ("16056", "16063", EISENACH_MERGER, "eingliederung",
         "Kreisfreie Stadt Eisenach in den Wartburgkreis eingegliedert (Große Kreisstadt)"),
        ("16056000", "16063105", EISENACH_MERGER, "umschluesselung",
         "Gemeinde Eisenach: neuer Gemeindeschlüssel im Wartburgkreis"),
        *[(code, "16066095", KALTENNORDHEIM_CHANGE, "zusammenschluss",
           "Zusammenschluss zur Stadt Kaltennordheim (Landkreis Schmalkalden-Meiningen)")
          for code in KALTENNORDHEIM_PARTS],
        ("16063", "16066", KALTENNORDHEIM_CHANGE, "teilausgliederung",
         "Kaltennordheim (bisher 16063102) vom Wartburgkreis in den Landkreis "
         "Schmalkalden-Meiningen; Anteil für Kreiszahlen nicht hinterlegt"),
    ],
    columns=["old_code", "new_code", "effective", "kind", "note"],
).assign(share=float("nan"), source=PACKAGED_CHANGES_SOURCE)
CHANGE_KEY = ["old_code", "new_code", "effective"]


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
    """All area versions for the store (Land, Kreise, Gemeinden) in EPSG:25832.

    Areas that a packaged whole-area change removes (Eisenach 16056 and 16056000, the parts of
    Kaltennordheim) are left open here: writing them with their changes ends them, by the same
    rule as for a user's changes (`Store.settle_area_versions`). Versions that a newer version
    of the same code follows (Wartburgkreis, Schmalkalden-Meiningen) end here.
    """
    import geopandas as gpd

    source = source_label()
    districts = read_reference_layer("kreis").to_crs(STORE_CRS)
    municipalities = read_reference_layer("gemeinde").to_crs(STORE_CRS)
    rows: list[dict[str, object]] = []

    def add(code: str, name: str, level: str, kind: str, parent: str | None, geom: object,
            valid_from: date, valid_to: date | None = None) -> None:
        rows.append({"area_code": code, "name": name, "level": level, "kind": kind,
                     "parent_code": parent, "geometry": geom, "valid_from": valid_from,
                     "valid_to": valid_to, "source": source})

    add(LAND_CODE, LAND_NAME, "land", "Land", None, districts.union_all(), date(1990, 10, 3))
    by_code = districts.set_index("area_code")
    g_by_code = municipalities.set_index("area_code")
    kalt = g_by_code.loc["16063102"].geometry
    for r in districts.itertuples():
        start = date.fromisoformat(r.valid_from)
        if r.area_code in ("16063", "16066"):  # new versions from 2019 (Kaltennordheim)
            add(r.area_code, r.name, "kreis", r.kind, LAND_CODE, r.geometry, start,
                _DAY_BEFORE_KALTENNORDHEIM)
        else:
            add(r.area_code, r.name, "kreis", r.kind, LAND_CODE, r.geometry, start)
    wak_2019 = by_code.loc["16063"].geometry.difference(kalt)
    add("16063", "Wartburgkreis", "kreis", "Landkreis", LAND_CODE, wak_2019,
        KALTENNORDHEIM_CHANGE, _DAY_BEFORE_MERGER)
    add("16066", by_code.loc["16066", "name"], "kreis", by_code.loc["16066", "kind"], LAND_CODE,
        by_code.loc["16066"].geometry.union(kalt), KALTENNORDHEIM_CHANGE)
    merged = wak_2019.union(by_code.loc["16056"].geometry)
    add("16063", "Wartburgkreis", "kreis", "Landkreis", LAND_CODE, merged, EISENACH_MERGER)
    add("16066095", "Kaltennordheim", "gemeinde", "Stadt", "16066",
        g_by_code.loc[list(KALTENNORDHEIM_PARTS)].union_all(), KALTENNORDHEIM_CHANGE)
    for r in municipalities.itertuples():
        start = date.fromisoformat(r.valid_from)
        add(r.area_code, r.name, "gemeinde", r.kind, r.parent_code, r.geometry, start)
        if r.area_code == "16056000":
            add("16063105", r.name, "gemeinde", "Große Kreisstadt", "16063", r.geometry,
                EISENACH_MERGER)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=STORE_CRS)


def write_areas(store: Store, areas: gpd.GeoDataFrame, changes: pd.DataFrame | None = None) -> int:
    """Write area versions (and changes) into the store inside its current transaction.

    Rows with the same (area_code, valid_from) are replaced, so loading the same layer twice
    changes nothing. Afterwards the versions are settled against the changes held
    (`Store.settle_area_versions`): an area that wholly went into another ends the day before.
    """
    import shapely

    if areas.crs is None or areas.crs.to_string() != STORE_CRS:
        areas = areas.to_crs(STORE_CRS)
    frame = pd.DataFrame(areas.drop(columns="geometry"))
    frame["geometry"] = [None if g is None else bytes(b)
                         for g, b in zip(areas.geometry, shapely.to_wkb(areas.geometry.values),
                                         strict=True)]
    if "end_reason" not in frame:
        frame["end_reason"] = None
    cols = ["area_code", "valid_from", "valid_to", "name", "level", "kind", "parent_code",
            "geometry", "source", "end_reason"]
    count = store.upsert("area", frame[cols], ["area_code", "valid_from"])
    if changes is not None and not changes.empty:
        store.upsert("area_change", changes, CHANGE_KEY)
    store.settle_area_versions()
    return count


def packaged_changes_to_write(store: Store) -> pd.DataFrame:
    """The packaged area changes, without those a user's file has refined in `store`.

    A user may supply, for example, the population share of the packaged partial change
    Kaltennordheim (``monitoring import gebietsaenderungen``); loading the reference geography
    again must not put the packaged row (share unknown) back over it.
    """
    own = read_changes_except(store, PACKAGED_CHANGES_SOURCE)[CHANGE_KEY]
    if own.empty:
        return AREA_CHANGES
    taken = {(str(o), str(n), pd.Timestamp(e).date()) for o, n, e in own.itertuples(index=False)}
    keep = [(str(o), str(n), e) not in taken
            for o, n, e in AREA_CHANGES[CHANGE_KEY].itertuples(index=False)]
    return AREA_CHANGES.loc[keep]


def load_reference_geography(store: Store) -> int:
    """Load the packaged Thuringia geography and its area changes into `store` (one transaction)."""
    areas = _keep_later_endings(store, reference_areas())
    with store.transaction():
        count = write_areas(store, areas, packaged_changes_to_write(store))
        store.log_import("gebiete", source_label(),
                         (_geo_file("thueringen_kreise.geojson")
                          + _geo_file("thueringen_gemeinden.geojson")).encode(), count)
    return count


def _keep_later_endings(store: Store, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reference versions with the end the store already gives them where the package leaves
    them open: loading the reference geography again must not reopen a version that a user's
    boundary file or area change has ended since."""
    held = read_ended_versions(store)
    if held.empty:
        return areas
    ends = {(str(c), pd.Timestamp(f).date()): (pd.Timestamp(t).date(), r)
            for c, f, t, r in held.itertuples(index=False)}
    out = areas.copy()
    found = [ends.get((c, f)) if t is None or pd.isna(t) else None
             for c, f, t in zip(out["area_code"], out["valid_from"], out["valid_to"],
                                strict=True)]
    out["valid_to"] = [t if hit is None else hit[0]
                       for t, hit in zip(out["valid_to"], found, strict=True)]
    out["end_reason"] = [None if hit is None or pd.isna(hit[1]) else hit[1] for hit in found]
    return out
