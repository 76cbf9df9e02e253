"""National choropleth: `figures.coverage_map` of all 11,299 Gemeinden, build + write HTML.

Plain script, no assertions. In one process, on the real national Gemeinde layer
(`national_geometry`, BKG VG250 via npm, cached; skipped with the reason if unavailable):

1. **Baseline** – the `coverage_map` before this change, reconstructed below
   (`old_coverage_map`: simplify the layer, then per trace ``to_crs`` + ``to_json`` +
   a recursive Python rounding of every coordinate, and an ``iterrows`` loop for the hover
   texts), built and written with ``fig.write_html``.
2. **Ours, cold** – today's `figures.coverage_map` with empty geometry caches (memory and
   disk; the disk cache of this run is a temporary folder): the layer is prepared once
   (coverage simplification, WGS84, orientation, rounding, GeoJSON – all vectorised), kept
   in memory and, being large, written to the disk cache (`figures._layer`).
3. **Ours, first map of a new process** – the memory cache emptied, the disk cache kept (as
   in the next report run, notebook or worker on the same store snapshot): the prepared
   features are read from the file named by the layer's content digest.
4. **Ours, every further map** – the same call again: the prepared geometry comes from the
   memory cache.

Each run writes the figure as HTML without the plotly.js library (``include_plotlyjs=False``:
the library is the same ≈ 4.8 MB for every figure, inlined once per report, and its size is
a separate matter); the HTML size printed is the figure itself. Both paths get the same
data, the same `simplify_m` and the same figure options.

    .venv/bin/python benchmarks/bench_maps.py                 # simplify_m = 1000 (national)
    .venv/bin/python benchmarks/bench_maps.py --simplify-m 100  # the report default
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from monitoring import fmt
from monitoring.core.privacy import DisclosureRule, require
from monitoring.present import figures
from monitoring.views import publishable

warnings.filterwarnings("ignore")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from national_geometry import Unavailable, national_layers  # noqa: E402

# --------------------------------------------------------------------------- the old path


def _old_simplified(areas: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    import shapely

    out = areas[["area_code", "geometry"]].copy()
    if len(out) > 0:
        out["geometry"] = shapely.coverage_simplify(out.geometry.to_numpy(), tolerance_m)
    return out


def _old_round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    return [_old_round(v) for v in value]


def _old_geojson(areas: gpd.GeoDataFrame, codes=None) -> dict[str, Any]:
    import shapely

    frame = areas[["area_code", "geometry"]]
    if codes is not None:
        frame = frame[frame["area_code"].isin(list(codes))]
    frame = frame.to_crs(4326)
    frame["geometry"] = [shapely.orient_polygons(g, exterior_cw=True) for g in frame.geometry]
    data = json.loads(frame.to_json(drop_id=True))
    for feature in data["features"]:
        feature["geometry"]["coordinates"] = _old_round(feature["geometry"]["coordinates"])
    return data


def old_coverage_map(data, areas, *, value, label, unit="", highlight=None, title=None,
                     decimals=1, extra=None, simplify_m=100.0):
    """`figures.coverage_map` as it was before the geometry cache (commit dca47db)."""
    import plotly.graph_objects as go

    esc = figures.escaped
    pub = require(data, "Die Karte")
    frame = pub.frame.merge(areas[["area_code"]], on="area_code", how="inner")
    hidden = pub.is_suppressed(value).reindex(frame.index, fill_value=False)
    if areas.crs is not None and areas.crs.is_projected and simplify_m > 0:
        areas = _old_simplified(areas[areas["area_code"].isin(frame["area_code"])], simplify_m)
    hover = []
    for i, row in frame.iterrows():
        if hidden.get(i, False):
            text = f"{fmt.SUPPRESSED} (nicht ausgewiesen: zu kleine Fallzahl)"
        elif pd.isna(row[value]):
            text = "keine Angabe"
        else:
            text = f"{fmt.number(row[value], decimals)} {unit}".strip()
        lines = [f"<b>{esc(row['name'])}</b>", f"{esc(label)}: {text}"]
        for col, header in (extra or {}).items():
            cell = row[col]
            is_hidden = (pub.is_suppressed(col).get(i, False) if col in pub.columns else False)
            lines.append(f"{esc(header)}: {fmt.SUPPRESSED if is_hidden else fmt.number(cell)}")
        hover.append("<br>".join(lines))
    frame["hover"] = hover
    known = frame[frame[value].notna()]
    unknown = frame[frame[value].isna()]
    fig = go.Figure()
    if not unknown.empty:
        fig.add_trace(go.Choropleth(
            geojson=_old_geojson(areas, unknown["area_code"]),
            featureidkey="properties.area_code", locations=unknown["area_code"],
            z=[0] * len(unknown), colorscale=[[0, figures.NO_VALUE_COLOUR],
                                             [1, figures.NO_VALUE_COLOUR]],
            showscale=False, text=unknown["hover"], hoverinfo="text", name="ohne Wert",
            marker={"line": {"color": "white", "width": 0.6}}))
    if not known.empty:
        fig.add_trace(go.Choropleth(
            geojson=_old_geojson(areas, known["area_code"]),
            featureidkey="properties.area_code", locations=known["area_code"],
            z=figures.shown(known[value], decimals), colorscale=figures.COLORSCALE, zmin=0,
            text=known["hover"], hoverinfo="text", name=esc(label),
            marker={"line": {"color": "white", "width": 0.6}},
            colorbar={"title": {"text": "<br>".join(esc(t) for t in (label, unit) if t),
                                "side": "top"},
                      "thickness": 14, "len": 0.75, "tickformat": ",.1~f"}))
    if highlight is not None and highlight in set(frame["area_code"]):
        fig.add_trace(go.Choropleth(
            geojson=_old_geojson(areas, [highlight]),
            featureidkey="properties.area_code", locations=[highlight], z=[0],
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False,
            hoverinfo="skip", marker={"line": {"color": "#111111", "width": 2.5}}))
    fig.update_geos(fitbounds="locations", visible=False, projection_type="mercator",
                    bgcolor="white")
    figures._layout(fig, height=520, title=title)
    return fig


# --------------------------------------------------------------------------- the run


def national_data(areas: gpd.GeoDataFrame) -> Any:
    """Offers per 1,000 foreign nationals for every Gemeinde (generated, seeded), through
    the same disclosure control as the reports (small populations withheld)."""
    rng = np.random.default_rng(7)
    n = len(areas)
    population = np.round(rng.lognormal(4.5, 1.6, n)).astype(int)
    offers = rng.poisson(np.maximum(population, 1) / 400)
    frame = pd.DataFrame({"area_code": areas["area_code"].to_numpy(),
                          "name": areas["name"].to_numpy(), "offers": offers,
                          "population": population})
    frame["offers_per_1000"] = np.where(population > 0, offers / population * 1000, np.nan)
    return publishable.coverage_by_district(frame, DisclosureRule())


def build_and_write(make, data, areas, path: Path, simplify_m: float) -> tuple[float, ...]:
    """Wall and CPU seconds of building the figure, and of building + writing it."""
    start, cpu = time.perf_counter(), time.process_time()
    fig = make(data, areas, value="offers_per_1000", label="Angebote",
               unit="je 1.000 Ausländer/-innen", highlight=areas["area_code"].iloc[0],
               title="Gemeinden in Deutschland (Demodaten – fiktiv)",
               extra={"offers": "Angebote", "population": "Ausländische Staatsangehörige"},
               simplify_m=simplify_m)
    built, built_cpu = time.perf_counter() - start, time.process_time() - cpu
    fig.write_html(path, include_plotlyjs=False, full_html=True)
    return built, time.perf_counter() - start, built_cpu, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simplify-m", type=float, default=1000.0)
    args = parser.parse_args()
    try:
        layers = national_layers()
    except Unavailable as err:
        print(f"ÜBERSPRUNGEN / skipped: keine bundesweite Geometrie verfügbar ({err})")
        return
    raw = gpd.read_file(layers["gemeinde"])
    areas = gpd.GeoDataFrame({"area_code": raw["AGS"], "name": raw["GEN"]},
                             geometry=raw.geometry, crs=raw.crs)
    data = national_data(areas)
    withheld = int(data.is_suppressed("offers_per_1000").sum())
    print(f"Gemeinden: {len(areas):,} (VG250 31.12.2015), "
          f"{coordinates(areas):,} Stützpunkte; "
          f"simplify_m = {args.simplify_m:g}; {withheld:,} Werte geheim gehalten; "
          "HTML ohne plotly.js")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # an empty geometry cache on disk for this run (the cold row really prepares)
        os.environ[figures.CACHE_ENV] = str(folder / "cache")
        rows = []
        for name, make in (("baseline (alter Weg)", old_coverage_map),
                           ("ours, kalt (leerer Cache)", figures.coverage_map),
                           ("ours, neuer Prozess", figures.coverage_map),
                           ("ours, weitere Karte", figures.coverage_map)):
            if name.startswith(("ours, kalt", "ours, neuer")):
                figures._PREPARED.clear()  # as in a new process: only the disk cache is left
            path = folder / f"{len(rows)}.html"
            built, total, built_cpu, total_cpu = build_and_write(make, data, areas, path,
                                                                 args.simplify_m)
            size = path.stat().st_size / 1e6
            rows.append((name, total, total_cpu, size))
            print(f"  {name:<26}: Aufbau {built:6.2f} s, Aufbau + Schreiben {total:6.2f} s "
                  f"(CPU {built_cpu:6.2f} / {total_cpu:6.2f} s), HTML {size:5.2f} MB",
                  flush=True)
    (_, base, base_cpu, _), (_, cold, cold_cpu, _), (_, first, first_cpu, _), \
        (_, later, later_cpu, _) = rows
    size = max(r[3] for r in rows[1:])
    met = ("erreicht / met" if max(first, later) / base <= 0.1 and size <= 4
           else "verfehlt / missed")
    print(f"Verhältnis / ratio (Wand): kalt {cold / base:.3f}, erste Karte eines Prozesses "
          f"{first / base:.3f}, weitere Karte {later / base:.3f}; (CPU): "
          f"{cold_cpu / base_cpu:.3f}, {first_cpu / base_cpu:.3f}, {later_cpu / base_cpu:.3f} "
          f"(Ziel ≤ 0.1, HTML ≤ 4 MB: {met})")
    print(f"RESULT cold_ratio={cold / base:.3f} first_ratio={first / base:.3f} "
          f"cached_ratio={later / base:.3f} cold_cpu_ratio={cold_cpu / base_cpu:.3f} "
          f"first_cpu_ratio={first_cpu / base_cpu:.3f} cached_cpu_ratio="
          f"{later_cpu / base_cpu:.3f} html_mb={size:.2f}")


def coordinates(areas: gpd.GeoDataFrame) -> int:
    import shapely

    return int(shapely.get_num_coordinates(areas.geometry.to_numpy()).sum())


if __name__ == "__main__":
    main()
