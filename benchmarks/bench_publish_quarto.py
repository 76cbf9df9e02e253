"""Benchmark: publication of a quarter with Quarto against the built-in renderer (issue 13).

    export PATH="$(../shared/quarto/setup-quarto.sh):$PATH"
    .venv/bin/python benchmarks/bench_publish_quarto.py [--areas N] [--workers W]

In one process it builds a fresh demo store and publishes the same quarter twice with
`publish_quarter`, into two separate output folders:

1. built-in: ``MONITORING_QUARTO=0`` – HTML reports by the Jupyter-native renderer (papermill +
   nbconvert), evaluation PDF (pandoc + typst wheels), PowerPoint deck, tables, ZIP; no
   revealjs deck, the website sources written but not rendered;
2. Quarto: ``renderer="quarto"`` – the same, but the HTML reports rendered by Quarto, plus the
   Kreistag deck as revealjs for every district and ``quarto render`` of the website.

It prints both wall times, the time per step, the ratio Quarto/built-in and whether the goal
of the issue is met (ratio <= 1.5 and Quarto path under 10 minutes). `--areas N` publishes the
first N districts only (default: all 22); say so when quoting a subset. A measurement, not a
test: it asserts nothing. The machine is shared with other work, so timings are noisy.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from monitoring.demo.build import build_demo_store
from monitoring.report.publish.quarter import PublishSummary, publish_quarter
from monitoring.report.run.render import QUARTO_SWITCH

PERIOD = "2025-Q4"
GOAL_RATIO = 1.5
GOAL_SECONDS = 600.0


def _publish(store: Path, out: Path, codes: list[str] | None, *, quarto: bool,
             workers: int) -> tuple[float, PublishSummary]:
    """One publication; Quarto switched on or off for this process and its workers."""
    if quarto:
        os.environ.pop(QUARTO_SWITCH, None)
    else:
        os.environ[QUARTO_SWITCH] = "0"
    started = time.perf_counter()
    summary = publish_quarter(PERIOD, store_path=store, out_dir=out, areas=codes,
                              workers=workers, conclusions_dir=out.parent / "fazit",
                              renderer="quarto" if quarto else "nbconvert",
                              on_step=lambda t: print(f"  … {t}", flush=True))
    return time.perf_counter() - started, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--areas", type=int, default=22)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if shutil.which("quarto") is None:
        print("Quarto fehlt im PATH / Quarto not on PATH: "
              'export PATH="$(../shared/quarto/setup-quarto.sh):$PATH"')
        return 2
    print(f"bench_publish_quarto · {platform.node()} · {os.cpu_count()} CPUs · Python "
          f"{platform.python_version()} · gemeinsam genutzte Maschine: Zeiten verrauscht / "
          "shared machine: timings are noisy")
    print("  Last / load average (1, 5, 15 min) vorher / before: "
          + " / ".join(f"{v:.2f}" for v in os.getloadavg()))
    switch = os.environ.get(QUARTO_SWITCH)
    with tempfile.TemporaryDirectory(prefix="bench-publish-quarto-") as tmp:
        root = Path(tmp)
        store = build_demo_store(root / "demo.duckdb")
        from monitoring.store.database import open_store
        from monitoring.views.scope import districts

        with open_store(store) as s:
            codes = list(districts(s)["area_code"])[: args.areas]
        subset = None if args.areas >= 22 else codes
        print(f"\n{len(codes)} Kreise / districts, {args.workers} workers"
              + ("" if subset is None else f" (Teilmenge / subset: {', '.join(codes)})"))
        runs: dict[str, tuple[float, PublishSummary]] = {}
        try:
            for name, quarto in (("eingebaut", False), ("quarto", True)):
                print(f"\n-- {name} --", flush=True)
                runs[name] = _publish(store, root / name / "reports", subset, quarto=quarto,
                                      workers=args.workers)
        finally:
            if switch is None:
                os.environ.pop(QUARTO_SWITCH, None)
            else:
                os.environ[QUARTO_SWITCH] = switch
        print("\n-- Zeit je Schritt / time per step (s; PDF, Folien: Summe der Worker) --")
        steps = list(dict.fromkeys(k for _, s in runs.values() for k in s.seconds))
        print(f"  {'':<12} {'eingebaut':>10} {'quarto':>10}")
        for step in steps:
            cells = [f"{s.seconds[step]:10.1f}" if step in s.seconds else f"{'–':>10}"
                     for _, s in runs.values()]
            print(f"  {step:<12} {' '.join(cells)}")
        builtin, quarto_s = runs["eingebaut"][0], runs["quarto"][0]
        ratio = quarto_s / builtin
        for name, (_, summary) in runs.items():
            decks = sum(1 for e in summary.files if str(e["file"]).endswith("_Kreistag.html"))
            site = (summary.folder.parent / "_site" / "index.html").exists()
            print(f"  {name}: HTML ok {summary.html_ok}, Fehler {len(summary.html_failed)}, "
                  f"{len(summary.files)} Dateien, revealjs {decks}, Website "
                  f"{'ja' if site else 'nein'}, Geheimhaltungsbefunde {len(summary.findings)}")
        met = ratio <= GOAL_RATIO and quarto_s < GOAL_SECONDS
        print("\n-- Zusammenfassung / summary --")
        print(f"  eingebaut / built-in: {builtin:7.1f} s")
        print(f"  Quarto (HTML, PDF, Folien, Website): {quarto_s:7.1f} s")
        print(f"  Verhältnis / ratio Quarto/eingebaut: {ratio:.3f} (Ziel / goal <= "
              f"{GOAL_RATIO} und / and < {GOAL_SECONDS:.0f} s: "
              f"{'erreicht / met' if met else 'verfehlt / missed'})")
        print("  Last / load average (1, 5, 15 min) nachher / after: "
              + " / ".join(f"{v:.2f}" for v in os.getloadavg()))
        print(f"RESULT areas={len(codes)} builtin_s={builtin:.1f} quarto_s={quarto_s:.1f} "
              f"ratio={ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
