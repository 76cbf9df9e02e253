"""Benchmark: start-up cost of the HTML report pool per multiprocessing start method.

Run from the project folder (about a minute):

    .venv/bin/python benchmarks/bench_pool_start.py [--repeat 3] [--store data/demo.duckdb]

For each start method (fork, forkserver with the worker's heavy modules preloaded, spawn) and
each repetition, a FRESH interpreter does what ``monitoring run`` does before its pool starts
(imports ``monitoring.report.run.runner``, opens the store read-only, reads the districts and the
report contexts, closes the store), then creates a 2-worker ``ProcessPoolExecutor`` with that
method and submits two "first tasks". A first task is what every report worker must do before
its first notebook can run: import papermill and build the nbconvert HTML exporter; it then
holds its worker for 0.5 s so that the two tasks land on two different workers. Printed per
method: wall time from pool creation to the first and to both results (minus the 0.5 s
hold), the CPU seconds of the parent plus its children, and whether the two tasks ran in two
different processes. The median over the repetitions is printed last.

A measurement, not a test: it asserts nothing and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("fork", "forkserver", "spawn")
HOLD_S = 0.5
PRELOAD = ["monitoring.report.run.worker", "papermill", "nbconvert"]


def first_task(_: int) -> tuple[int, float]:
    """The work every report worker does before its first notebook: heavy imports."""
    import papermill  # noqa: F401

    from monitoring.report.run.render import _exporter

    _exporter()
    time.sleep(HOLD_S)
    return os.getpid(), time.perf_counter()


def one_measurement(method: str, store: str) -> dict[str, object]:
    """In this (fresh) process: use DuckDB like `run_quarter`, then time the pool start."""
    import multiprocessing
    import resource
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from monitoring.report.run import runner  # noqa: F401 - as in `monitoring run`
    from monitoring.store.database import open_store
    from monitoring.views.scope import context, districts

    with open_store(store, read_only=True) as s:
        codes = list(districts(s)["area_code"])
        [context(s, code, "2025-Q4") for code in codes[:2]]
        s.snapshot_id()
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(PRELOAD)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        futures = [pool.submit(first_task, i) for i in range(2)]
        done = [f.result() for f in as_completed(futures)]
        first = time.perf_counter() - started
    both = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum((b.ru_utime + b.ru_stime) - (a.ru_utime + a.ru_stime)
              for a, b in zip(cpu0, cpu1, strict=True))
    ends = sorted(t for _, t in done)
    return {"method": method, "first_s": ends[0] - started - HOLD_S,
            "both_s": ends[-1] - started - HOLD_S, "with_shutdown_s": both - HOLD_S,
            "cpu_s": cpu, "workers": len({pid for pid, _ in done}), "_": first}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--store", default=str(ROOT / "data" / "demo.duckdb"),
                        help="a demo store (build it with `monitoring demo --no-run`)")
    parser.add_argument("--one", choices=METHODS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:  # child mode: one measurement in this fresh interpreter
        print(json.dumps(one_measurement(args.one, args.store)))
        return 0
    if not Path(args.store).exists():
        print(f"Demo-Datenbank fehlt / missing: {args.store} "
              "(`.venv/bin/monitoring demo --no-run --store data/demo.duckdb`)")
        return 0
    print(f"bench_pool_start · {platform.node()} · {os.cpu_count()} CPUs · Python "
          f"{platform.python_version()} · load avg "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"first task = import papermill + nbconvert exporter (+{HOLD_S} s hold, subtracted); "
          f"forkserver preload = {PRELOAD}")
    print(f"{'method':<11}{'run':>4}{'first s':>9}{'both s':>8}{'+shutdown s':>12}"
          f"{'CPU s':>7}{'workers':>8}")
    results: dict[str, list[dict[str, object]]] = {m: [] for m in METHODS}
    for rep in range(1, args.repeat + 1):
        for method in METHODS:  # interleaved, so load changes hit every method alike
            out = subprocess.run([sys.executable, __file__, "--one", method, "--store",
                                  args.store], capture_output=True, text=True, check=False,
                                 cwd=ROOT)
            if out.returncode != 0:
                print(f"{method:<11}{rep:>4}  FEHLER/ERROR: {out.stderr.strip()[-300:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results[method].append(r)
            print(f"{method:<11}{rep:>4}{r['first_s']:9.2f}{r['both_s']:8.2f}"
                  f"{r['with_shutdown_s']:12.2f}{r['cpu_s']:7.2f}{r['workers']:8d}", flush=True)
    print("-- Median --")
    for method, rows in results.items():
        if rows:
            med = {k: statistics.median(float(r[k]) for r in rows)  # type: ignore[arg-type]
                   for k in ("first_s", "both_s", "cpu_s")}
            print(f"{method:<11}first {med['first_s']:.2f} s, both {med['both_s']:.2f} s, "
                  f"CPU {med['cpu_s']:.2f} s")
    print(f"load avg after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
