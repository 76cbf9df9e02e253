"""Benchmark: `monitoring import statistik` of a Germany-wide Gemeinde table vs. pandas.read_csv.

    .venv/bin/python benchmarks/bench_statistics_import.py [--gemeinden 11000] [--jahre 20]

In one run, in a temporary folder: writes a Germany-wide Gemeinde table in the current
flat-file shape („CSV (flach)“, ffcsv, German download: UTF-8 with BOM, ``;``, long and
unsorted – FORMATS.md §1a) with N Gemeinden (Thuringia's real Gemeinde keys of the packaged
geography, the rest made up in every other Land) × Y Stichtage × 3 values (Nationalität:
insgesamt, Ausländer(innen), Deutsche); creates a Thuringia store (`monitoring neu`) and a
national store (`monitoring neu --land DG` with made-up Kreis and Gemeinde boundaries of
every key in the file); then times

(a) the baseline, a plain ``pandas.read_csv(file, sep=";")`` of the same file, and
(b) ``import_statistics`` of the file into each store (parse, keep the areas the store
    knows, assign to series, validate, write in one transaction, import log).

Each side runs in a fresh spawned process (pandas, duckdb and monitoring preloaded), so its
wall time is not slowed by tracing and its memory is its own: the peak resident memory minus
the resident memory before the work (sampled every 5 ms), i.e. what the work added,
including DuckDB's native memory. Prints both and the ratios ours/baseline (goal ≤ 3 for
time and memory). A measurement, not a test: exits 0 and asserts nothing. The machine is
shared (2 cores, other jobs running), so timings are noisy.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from monitoring.io import geography
from monitoring.io.import_statistics import import_statistics
from monitoring.io.new_store import BoundaryFile, create_store
from monitoring.store.database import open_store

HEAD = ("statistics_code;statistics_label;time_code;time_label;time;1_variable_code;"
        "1_variable_label;1_variable_attribute_code;1_variable_attribute_label;"
        "2_variable_code;2_variable_label;2_variable_attribute_code;2_variable_attribute_label;"
        "value;value_unit;value_variable_code;value_variable_label")
KREISE_PER_LAND = 25


def gemeinde_keys(n: int) -> list[str]:
    """Thuringia's current Gemeinden (real keys) plus made-up ones of the other 15 Länder
    (``LL0KKGGG``) up to `n` in all."""
    thuringia = sorted(geography.read_reference_layer("gemeinde")["area_code"])
    others: list[str] = []
    per_kreis = max(1, (n - len(thuringia)) // (15 * KREISE_PER_LAND) + 1)
    for land in range(1, 16):
        for kreis in range(1, KREISE_PER_LAND + 1):
            others += [f"{land:02d}0{kreis:02d}{g:03d}" for g in range(1, per_kreis + 1)]
    return thuringia + others[: max(0, n - len(thuringia))]


def write_table(path: Path, keys: list[str], years: list[int]) -> int:
    """The Germany-wide Gemeinde table (ffcsv, German); returns the number of values."""
    lines = [HEAD]
    for year in sorted(years, reverse=True):  # unsorted as the portals deliver: newest first
        for i, code in enumerate(reversed(keys)):
            total = 1_000 + (i * 37 + year) % 90_000
            foreign = total * (30 + i % 70) // 1_000
            for nat, label, number in (("", "Insgesamt", total),
                                       ("NATA", "Ausländer(innen)", foreign),
                                       ("NATD", "Deutsche", total - foreign)):
                lines.append(f"12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;"
                             f"{year}-12-31;GEMEIN;Gemeinden;{code};Gemeinde {code};NAT;"
                             f"Nationalität;{nat};{label};{number};Anzahl;BEVSTD;"
                             "Bevölkerungsstand")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return len(lines) - 1


def national_store(folder: Path, keys: list[str]) -> Path:
    """`monitoring neu --land DG` with a Kreis and a Gemeinde file of every key (squares)."""
    kreise = sorted({k[:5] for k in keys})
    size, per_row = 40_000.0, 30
    place = {k: (280_000 + (i % per_row) * size, 5_200_000 + (i // per_row) * size)
             for i, k in enumerate(kreise)}
    kreis_file = folder / "kreise.gpkg"
    gpd.GeoDataFrame({"AGS": kreise, "GEN": [f"Kreis {k}" for k in kreise], "BEZ": "Landkreis"},
                     geometry=[box(*place[k], place[k][0] + size, place[k][1] + size)
                               for k in kreise], crs=25832).to_file(kreis_file)
    counter: dict[str, int] = {}
    cells = []
    for key in keys:  # a 10 × 10 grid of small squares inside the Kreis
        n = counter.get(key[:5], 0)
        counter[key[:5]] = n + 1
        x, y = place[key[:5]]
        step = size / 10
        cells.append(box(x + (n % 10) * step, y + (n // 10 % 10) * step,
                         x + (n % 10 + 1) * step, y + (n // 10 % 10 + 1) * step))
    gemeinde_file = folder / "gemeinden.gpkg"
    gpd.GeoDataFrame({"AGS": keys, "GEN": [f"Gemeinde {k}" for k in keys], "BEZ": "Gemeinde"},
                     geometry=cells, crs=25832).to_file(gemeinde_file)
    path = folder / "deutschland.duckdb"
    stand = date(2024, 1, 1)
    create_store(path, land="DG", boundaries=[BoundaryFile(kreis_file, "kreis", stand),
                                              BoundaryFile(gemeinde_file, "gemeinde", stand)])
    return path


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def _baseline(table: Path) -> str:
    frame = pd.read_csv(table, sep=";")
    return f"{len(frame)} rows"


def _ours(table: Path, store_path: Path) -> str:
    with open_store(store_path, read_only=False) as store:
        result = import_statistics(store, table, download_date=date(2025, 6, 15))
    return f"{result.rows} values imported, {result.skipped_unassigned} unassigned"


def _child(args: tuple) -> tuple[str, float, float]:  # type: ignore[type-arg]
    """Run the work; wall time and the peak of resident memory above the level before it
    (sampled every 5 ms: ``ru_maxrss`` would include the peak of the imports)."""
    func, *rest = args
    before = _rss_mb()
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            peak[0] = max(peak[0], _rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    info = func(*rest)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return info, seconds, max(peak[0], _rss_mb()) - before


def measure(*args):  # type: ignore[no-untyped-def]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_child, (args,))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gemeinden", type=int, default=11_000)
    parser.add_argument("--jahre", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        keys = gemeinde_keys(args.gemeinden)
        table = folder / "12411-01-01-5_de_flat.csv"
        values = write_table(table, keys, list(range(2025 - args.jahre, 2025)))
        thuringia = folder / "thueringen.duckdb"
        create_store(thuringia)
        national = national_store(folder, keys)
        print(f"Tabelle: {len(keys)} Gemeinden × {args.jahre} Stichtage × 3 Werte = {values} "
              f"Zeilen, {table.stat().st_size / 1e6:.0f} MB (ffcsv, UTF-8 mit BOM); "
              "shared 2-core machine, timings are noisy")
        base_s, base_mb = measure(_baseline, table)[1:]
        print(f"baseline pandas.read_csv                 : {base_s:6.1f} s, "
              f"+{base_mb:7.1f} MB peak RSS")
        for name, store in (("Thüringen", thuringia), ("Deutschland (DG)", national)):
            info, our_s, our_mb = measure(_ours, table, store)
            print(f"ours import statistik → {name:<17}: {our_s:6.1f} s, +{our_mb:7.1f} MB "
                  f"peak RSS, {info}")
            print(f"RESULT store={name.split()[0]} time_ratio={our_s / base_s:.2f} "
                  f"memory_ratio={our_mb / max(base_mb, 1):.2f} (goal <= 3)")


if __name__ == "__main__":
    main()
