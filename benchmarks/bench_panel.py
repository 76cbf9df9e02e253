"""Benchmark: indicator panel at national scale — DuckDB SQL (our shape) vs. plain pandas.

Run from the project folder (needs ~8 GB RAM at full size, a few minutes):

    .venv/bin/python benchmarks/bench_panel.py [--areas 11000] [--quarters 48] [--indicators 40]

Generates 40 numerator series and 4 shared denominator series for 11,000 municipalities ×
48 quarters (≈ 21 M indicator values) into a temporary store, then times, in the same process:

1. full recomputation of all indicators (rate per municipality + district aggregation with
   summed numerators/denominators): pandas merges/groupby into DataFrames vs. the SQL that
   `Store.read_observations` runs for `views.indicator_panel` (`panel_sql.observations_sql`
   without provenance) evaluated completely into an in-memory table of the store, plus
   `panel_sql.aggregate_sql` for the districts;
2. one area's full time series (all indicators): pandas boolean filter on the computed panel
   vs. `store.read_observations(area_codes=[area])`, which computes that area's values from
   the series as it reads them;
3. one indicator's map for one period: pandas filter vs.
   `store.read_observations(indicator_ids=[...], periods=[...])`, likewise.

The store does not persist computed indicator values (they are computed when read, see
`monitoring.store.panel_sql`), so 2 and 3 include the computation, and after an import nothing needs
recomputing. For context the script also prints what persisting the full panel to the
database file would cost (the first design; not what the tool does). Before timing the queries
it checks that both sides computed the same: per-indicator checksums of all values, the
district table, the area series and the map row by row (result checks, not timing checks).

Prints times, ratios, CPU seconds and the load average; never asserts a time (CPU is shared
with other work: timings are noisy).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from monitoring.periods import Quarter, quarter_range
from monitoring.store import panel_sql
from monitoring.store.database import open_store

CPU: dict[str, float] = {}


def _timed(fn, repeat: int = 1, label: str | None = None):  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        out = fn()
        best = min(best, time.perf_counter() - start)
        if label:
            CPU[label] = time.process_time() - cpu  # all threads of this process
    return best, out


def generate(areas: int, quarters: int, indicators: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)
    codes = np.array([f"{16 + i // 100000:02d}{(i // 200) % 1000:03d}{i % 200:03d}"
                      for i in range(areas)])
    periods = [str(q) for q in quarter_range(Quarter(2014, 1), Quarter(2014, 1) + quarters - 1)]
    area_col = np.repeat(codes, len(periods))
    period_col = np.tile(periods, areas)
    frames = []
    for d in range(4):
        frames.append(pd.DataFrame({"series_id": f"d{d}", "area_code": area_col,
                                    "period": period_col,
                                    "value": rng.integers(50, 5000, len(area_col)).astype(float)}))
    for i in range(indicators):
        values = rng.integers(0, 50, len(area_col)).astype(float)
        frames.append(pd.DataFrame({"series_id": f"n{i:02d}", "area_code": area_col,
                                    "period": period_col, "value": values}))
    series = pd.concat(frames, ignore_index=True)
    series["flag"] = None
    series["source"] = "Benchmark (generiert)"
    defs = pd.DataFrame({"indicator_id": [f"X{i:02d}" for i in range(indicators)],
                         "name_de": "x", "name_en": "x", "definition": "x", "unit": "%",
                         "scale": 100.0, "direction": "up", "source": "Benchmark",
                         "numerator_series": [f"n{i:02d}" for i in range(indicators)],
                         "denominator_series": [f"d{i % 4}" for i in range(indicators)]})
    return series, defs


def pandas_recompute(series: pd.DataFrame, defs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    out = []
    keyed = {sid: g[["area_code", "period", "value"]] for sid, g in series.groupby("series_id")}
    for d in defs.itertuples(index=False):
        m = keyed[d.numerator_series].merge(keyed[d.denominator_series],
                                            on=["area_code", "period"], suffixes=("_n", "_d"))
        m["value"] = m["value_n"] / m["value_d"].where(m["value_d"] != 0) * d.scale
        out.append(m.assign(indicator_id=d.indicator_id).rename(
            columns={"value_n": "numerator", "value_d": "denominator"}))
    values = pd.concat(out, ignore_index=True)
    values["kreis"] = values["area_code"].str[:5]
    kreis = values.groupby(["indicator_id", "kreis", "period"], as_index=False)[
        ["numerator", "denominator"]].sum()
    kreis["value"] = kreis["numerator"] / kreis["denominator"] * 100
    return values, kreis


def _checksums(frame: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: rows, missing values, sums of value/numerator/denominator (for comparing)."""
    return frame.groupby("indicator_id").agg(
        rows=("value", "size"), missing=("value", lambda v: int(v.isna().sum())),
        value=("value", "sum"), numerator=("numerator", "sum"),
        denominator=("denominator", "sum")).sort_index()


def _same(left: pd.DataFrame, right: pd.DataFrame, keys: list[str]) -> bool:
    """Exact row-by-row comparison (numbers to 1e-9 relative) after sorting by `keys`."""
    a = left.sort_values(keys).reset_index(drop=True)
    b = right.sort_values(keys).reset_index(drop=True)[list(a.columns)]
    if len(a) != len(b) or not a[keys].astype(str).equals(b[keys].astype(str)):
        return False
    numbers = [c for c in a.columns if c not in keys]
    return bool(np.allclose(a[numbers].to_numpy(float), b[numbers].to_numpy(float),
                            rtol=1e-9, equal_nan=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=11_000)
    parser.add_argument("--quarters", type=int, default=48)
    parser.add_argument("--indicators", type=int, default=40)
    args = parser.parse_args()
    print(f"bench_panel · {platform.node()} · {os.cpu_count()} CPUs · load avg "
          + " ".join(f"{x:.2f}" for x in os.getloadavg())
          + " · gemeinsam genutzte Maschine: Zeiten verrauscht / shared machine: timings are noisy")
    t, (series, defs) = _timed(lambda: generate(args.areas, args.quarters, args.indicators))
    n_values = args.areas * args.quarters * args.indicators
    print(f"Generiert: {len(series):,} Reihenwerte, {n_values:,} Indikatorwerte ({t:.1f} s)")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.duckdb", read_only=False, create=True)
        with store.transaction():
            store.write("indicator", defs)
            store.write("series_value", series)
        threads = store.query("SELECT current_setting('threads') AS t").iloc[0, 0]
        print(f"DuckDB threads: {threads}")
        # exactly what store.read_observations runs for views.indicator_panel
        sql = panel_sql.observations_sql(provenance=False)

        def ours_recompute() -> int:
            with store.transaction():
                store.execute(f"CREATE OR REPLACE TEMP TABLE iv AS {sql}")
                store.execute("CREATE OR REPLACE TEMP TABLE kv AS "
                              + panel_sql.aggregate_sql("iv", code_length=5))
            return int(store.query("SELECT count(*) FROM iv").iloc[0, 0])

        def persisted() -> None:
            with store.transaction():
                store.execute(f"CREATE TABLE iv_disk AS {sql} "
                              "ORDER BY indicator_id, area_code, period")
                store.execute("DROP TABLE iv_disk")

        t_pd, (pd_values, pd_kreis) = _timed(lambda: pandas_recompute(series, defs), label="pd")
        t_db, count = _timed(ours_recompute, label="db")
        t_pass, one_pass = _timed(lambda: store.read_aggregated(code_length=5, part_length=8),
                                  label="pass")
        t_disk, _ = _timed(persisted)
        # Same results (not a timing assertion): every value by checksum, districts row by row.
        assert count == len(pd_values) == n_values
        db_sums = _checksums(store.query(
            "SELECT indicator_id, value, numerator, denominator FROM iv"))
        assert _same(_checksums(pd_values).reset_index(), db_sums.reset_index(), ["indicator_id"])
        cols = ["indicator_id", "area_code", "period", "value", "numerator", "denominator"]
        assert _same(pd_kreis.rename(columns={"kreis": "area_code"})[cols],
                     store.query("SELECT * FROM kv")[cols], cols[:3])
        assert _same(pd_kreis.rename(columns={"kreis": "area_code"})[cols], one_pass[cols],
                     cols[:3])
        area = pd_values["area_code"].iloc[len(pd_values) // 2]
        t_pd_area, a = _timed(lambda: pd_values[pd_values["area_code"] == area], repeat=3)
        t_db_area, b = _timed(lambda: store.read_observations(area_codes=[area]), repeat=5)
        # (the two queries keep provenance: a single area or map is shown with its sources)
        period = str(Quarter(2014, 1) + args.quarters - 1)
        t_pd_map, c = _timed(lambda: pd_values[(pd_values["indicator_id"] == "X07")
                                               & (pd_values["period"] == period)], repeat=3)
        t_db_map, e = _timed(lambda: store.read_observations(indicator_ids=["X07"],
                                                              periods=[period]), repeat=5)
        keys = ["indicator_id", "period"]
        assert _same(a[[*keys, "value", "numerator", "denominator"]],
                     b[[*keys, "value", "numerator", "denominator"]], keys)
        assert _same(c[["area_code", "value"]], e[["area_code", "value"]], ["area_code"])
        store.close()
    print("Ergebnisse gleich / same results as pandas: ja (Prüfsummen je Indikator, "
          "Kreise, Zeitreihe und Karte zeilengenau)")
    print(f"  Neuberechnung aller Indikatoren, alle Werte gehalten wie bei pandas : pandas "
          f"{t_pd:7.2f} s | DuckDB-SQL {t_db:7.2f} s | Faktor {t_pd / t_db:5.1f}x (Ziel >= 5x)")
    print(f"  Neuberechnung in einem Durchgang (so rechnet das Werkzeug: "
          f"store.read_aggregated)  : DuckDB-SQL {t_pass:7.2f} s | Faktor {t_pd / t_pass:5.1f}x")
    print(f"    CPU-Zeit pandas {CPU['pd']:.1f} s, DuckDB {CPU['db']:.1f} s / {CPU['pass']:.1f} s "
          f"(beide Threads); zum Vergleich: ganzes Panel in die Datei schreiben (früherer "
          f"Entwurf, nicht verwendet) {t_disk:.2f} s")
    print("  Abfragen berechnen die Werte beim Lesen aus den Reihen (store.read_observations):")
    print(f"  Zeitreihe eines Gebiets         : pandas {t_pd_area * 1000:7.1f} ms | DuckDB-SQL "
          f"{t_db_area * 1000:7.1f} ms (Ziel < 100 ms)")
    print(f"  Karte eines Indikators/Quartals : pandas {t_pd_map * 1000:7.1f} ms | DuckDB-SQL "
          f"{t_db_map * 1000:7.1f} ms (Ziel < 100 ms)")
    print("load avg danach / after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"RESULT recompute_ratio={t_pd / t_db:.2f} one_pass_ratio={t_pd / t_pass:.2f} "
          f"area_ms={t_db_area * 1000:.1f} map_ms={t_db_map * 1000:.1f}")


if __name__ == "__main__":
    main()
