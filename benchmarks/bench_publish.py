"""Benchmark: the whole quarter in all formats (`monitoring veroeffentlichen`) for all districts.

    .venv/bin/python benchmarks/bench_publish.py [--areas N] [--baseline-areas M]

In one process it builds a fresh demo store, times the naive serial baseline of issue 2
(papermill per section notebook + nbconvert CLI, `bench_quarter.run_baseline`) on M districts
(default 2) and extrapolates it to N, then times `publish_quarter` for N districts (default: all
22) and prints the wall time, the time per format, the ratio against the baseline and the file
sizes per format. The baseline produces HTML only; ours produces HTML, PDF, PPTX, CSV/XLSX, the
state comparison, the register and the ZIP. A measurement, not a test: it asserts nothing.
The machine is shared with other work, so timings are noisy.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_quarter import run_baseline

from monitoring.demo.build import build_demo_store
from monitoring.report.publish.quarter import publish_quarter

PERIOD = "2025-Q4"
GOAL_SECONDS = 180.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--areas", type=int, default=22)
    parser.add_argument("--baseline-areas", type=int, default=2)
    args = parser.parse_args(argv)
    print(f"bench_publish · {platform.node()} · {os.cpu_count()} CPUs · Python "
          f"{platform.python_version()} · gemeinsam genutzte Maschine: Zeiten verrauscht / "
          "shared machine: timings are noisy")
    print("  Last / load average (1, 5, 15 min) vorher / before: "
          + " / ".join(f"{v:.2f}" for v in os.getloadavg()))
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp:
        root = Path(tmp)
        store = build_demo_store(root / "demo.duckdb")
        from monitoring.store.database import open_store
        from monitoring.views.scope import districts

        with open_store(store) as s:
            codes = list(districts(s)["area_code"])[: args.areas]
        base_seconds, _ = run_baseline(codes[: args.baseline_areas], store, root / "baseline")
        per_district = base_seconds / max(1, args.baseline_areas)
        baseline = per_district * len(codes)
        started = time.perf_counter()
        summary = publish_quarter(PERIOD, store_path=store, out_dir=root / "out",
                                  areas=None if args.areas >= 22 else codes, workers=2,
                                  conclusions_dir=root / "fazit",
                                  on_step=lambda t: print(f"  … {t}", flush=True))
        wall = time.perf_counter() - started
        sizes: dict[str, list[int]] = defaultdict(list)
        for entry in summary.files:
            kind = str(entry["file"]).rsplit(".", 1)[-1]
            sizes[kind].append(int(entry["bytes"]))  # type: ignore[arg-type]
        print("\n-- Zeit je Format / time per format (s) --")
        for name, seconds in summary.seconds.items():
            print(f"  {name:<10} {seconds:7.1f}")
        print("\n-- Dateigrößen / file sizes --")
        for kind, values in sorted(sizes.items()):
            print(f"  {kind:<5} n={len(values):>3}  mean {sum(values) / len(values) / 1e3:9.1f} KB"
                  f"  max {max(values) / 1e3:9.1f} KB")
        if summary.zip_file:
            print(f"  zip   {summary.zip_file.stat().st_size / 1e6:.1f} MB")
        status = "erreicht / met" if wall <= GOAL_SECONDS else "verfehlt / missed"
        print("\n-- Zusammenfassung / summary --")
        print(f"  Baseline (naiv seriell, nur HTML) gemessen an {args.baseline_areas} Kreisen: "
              f"{per_district:.1f} s je Kreis → hochgerechnet {baseline:.1f} s für {len(codes)}")
        print(f"  Alle Formate / all formats, {len(codes)} Kreise, 2 workers: {wall:.1f} s "
              f"(Ziel / goal <= {GOAL_SECONDS:.0f} s: {status})")
        print(f"  Verhältnis / ratio ours(all formats)/baseline(HTML only): {wall / baseline:.3f}")
        print(f"  HTML ok {summary.html_ok}, Fehler {len(summary.html_failed)}, "
              f"Geheimhaltungsbefunde {len(summary.findings)}")
        print("  Last / load average (1, 5, 15 min) nachher / after: "
              + " / ".join(f"{v:.2f}" for v in os.getloadavg()))
        print(f"RESULT wall_s={wall:.1f} baseline_s={baseline:.1f} ratio={wall / baseline:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
