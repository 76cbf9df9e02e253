"""Benchmark: import + full validation of a 20,000-offer workbook vs. plain pandas.read_excel.

    .venv/bin/python benchmarks/bench_import.py [--offers 20000]

In one process: builds a demo store and a workbook in the template's form with N offers
(plus their actors and locations) in a temporary folder; times (a) the baseline
``pandas.read_excel`` of all three sheets without any validation and (b) our
``monitoring.io.inventory.load.import_file`` into a copy of the store (read, validate every cell
and row rule incl. point-in-municipality, write with history, import log). Each side runs in a
fresh spawned process (same imports preloaded: pandas, openpyxl, monitoring), so its wall time
is not slowed by memory tracing and its peak resident memory (ru_maxrss, including the
preloaded libraries) is its own. Prints
both and the ratio ours/baseline (goal ≤ 3). A measurement,
not a test: exits 0 and asserts nothing. The machine is shared (2 cores, other jobs running),
so timings are noisy.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from monitoring.demo.build import build_demo_store
from monitoring.io.inventory.load import import_file
from monitoring.store.database import open_store


def make_workbook(store_path: Path, path: Path, n: int) -> None:
    rng = np.random.default_rng(1)
    with open_store(store_path) as store:
        gemeinden = store.read_areas(level="gemeinde")
        fields = list(store.read_vocabulary("field").values())
    points = gemeinden.geometry.representative_point()
    book = openpyxl.Workbook(write_only=True)
    actors = book.create_sheet("Akteure")
    actors.append(["Akteur-ID", "Name der Organisation", "Art des Akteurs",
                   "Gemeindeschlüssel (Sitz)", "Mitglied im Netzwerk", "Anzahl Ehrenamtliche"])
    n_actors = max(1, n // 20)
    for i in range(n_actors):
        g = int(rng.integers(len(gemeinden)))
        actors.append([f"B-{i}", f"Träger {i} e. V.", "Verein", gemeinden["area_code"].iloc[g],
                       "ja", int(rng.integers(0, 30))])
    sites = book.create_sheet("Standorte")
    sites.append(["Standort-ID", "Bezeichnung", "Adresse", "Gemeindeschlüssel",
                  "Rechtswert / Längengrad", "Hochwert / Breitengrad", "Koordinatensystem"])
    offers = book.create_sheet("Angebote")
    offers.append(["Angebots-ID", "Akteur-ID", "Titel", "Handlungsfeld", "Zielgruppe",
                   "Sprache 1", "Sprache 2", "Angebotsform", "Ebene", "Gebietsschlüssel",
                   "Standort-ID", "Plätze", "Beginn", "Ende"])
    for i in range(n):
        g = int(rng.integers(len(gemeinden)))
        code = gemeinden["area_code"].iloc[g]
        sites.append([f"L-{i}", "Ort", None, code, round(points.iloc[g].x, 1),
                      round(points.iloc[g].y, 1), "EPSG:25832"])
        offers.append([f"X-{i}", f"B-{i % n_actors}", f"Angebot {i}",
                       fields[i % len(fields)], "Frauen", "Deutsch", "Arabisch",
                       "an einem festen Standort", "Gemeinde", code, f"L-{i}",
                       int(rng.integers(5, 50)), "01.01.2024", None])
    book.save(path)


def _baseline(workbook: Path) -> str:
    pd.read_excel(workbook, sheet_name=["Akteure", "Standorte", "Angebote"], dtype=str)
    return ""


def _ours(workbook: Path, copy: Path) -> str:
    with open_store(copy, read_only=False) as s:
        result = import_file(s, workbook)
    return f"{result.counts.get('Angebote neu', 0)} offers new, {len(result.problems)} problems"


def _child(args: tuple) -> tuple[str, float, float]:  # type: ignore[type-arg]
    func, *rest = args
    start = time.perf_counter()
    info = func(*rest)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return info, seconds, peak


def measure(*args):  # type: ignore[no-untyped-def]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_child, (args,))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offers", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = build_demo_store(folder / "demo.duckdb")
        workbook = folder / "gross.xlsx"
        make_workbook(store, workbook, args.offers)
        print(f"Workbook: {args.offers} offers, {workbook.stat().st_size / 1e6:.1f} MB; "
              "shared 2-core machine, timings are noisy")
        _, base_s, base_mb = measure(_baseline, workbook)
        copy = folder / "import.duckdb"
        shutil.copy(store, copy)
        info, our_s, our_mb = measure(_ours, workbook, copy)
        print(f"baseline pandas.read_excel (no validation): {base_s:6.1f} s, "
              f"peak RSS {base_mb:6.1f} MB")
        print(f"ours import_file (validate + history + log): {our_s:6.1f} s, "
              f"peak RSS {our_mb:6.1f} MB, {info}")
        print(f"RESULT ratio={our_s / base_s:.2f} (goal <= 3) "
              f"memory_ratio={our_mb / max(base_mb, 1):.2f}")


if __name__ == "__main__":
    main()
