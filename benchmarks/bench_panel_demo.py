"""Benchmark: `views.indicator_panel` on the demo store – flags per group vs. vectorised.

Run from the project folder (about half a minute):

    .venv/bin/python benchmarks/bench_panel_demo.py [--repeat 7]

Builds the demo store into a temporary folder, then times in one process the whole
`views.indicator_panel(store)` (read, harmonise to today's areas, state values; cache cleared
before every call) twice:

* **before** – with the flags of combined rows joined by a pandas function per group (the
  previous `indicators._joined_flags`, kept below as `per_group_flags`; swapped in for the
  measurement only);
* **now** – with the vectorised `indicators._joined_flags`.

Both panels must be identical (`pandas.testing.assert_frame_equal`) before anything is
printed. Prints the best CPU and wall time of `--repeat` alternating calls and the ratio;
never asserts a time (the machine is shared: timings are noisy).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from monitoring import views
from monitoring.core import indicators
from monitoring.core.areas import harmonise
from monitoring.demo.build import build_demo_store
from monitoring.store.database import open_store
from monitoring.views import panel as views_panel


def per_group_flags(observations: pd.DataFrame, changes: pd.DataFrame,
                    keys: Sequence[str]) -> pd.Series:
    """The previous `indicators._joined_flags`: one Python function call per group."""
    recoded = harmonise(observations, changes)
    flags = recoded.groupby(list(keys), sort=True)["flags"].agg(
        lambda s: ",".join(sorted({f for v in s.dropna() for f in str(v).split(",") if f}))
        or None)
    return flags.reset_index(drop=True)


def _panel(store: object, flags: Callable[..., pd.Series]) -> tuple[float, float, pd.DataFrame]:
    current = indicators._joined_flags
    indicators._joined_flags = flags  # type: ignore[assignment]
    try:
        views_panel._panel_cache.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        panel = views.indicator_panel(store)  # type: ignore[arg-type]
        return time.process_time() - cpu, time.perf_counter() - wall, panel
    finally:
        indicators._joined_flags = current  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"bench_panel_demo · {platform.node()} · {os.cpu_count()} CPUs · load avg "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    vectorised = indicators._joined_flags
    with tempfile.TemporaryDirectory() as tmp:
        path = build_demo_store(Path(tmp) / "demo.duckdb")
        with open_store(path, read_only=True) as store:
            _panel(store, vectorised)  # warm-up: imports, DuckDB caches
            best = {"before": [float("inf")] * 2, "now": [float("inf")] * 2}
            panels = {}
            for _ in range(args.repeat):
                for name, fn in (("before", per_group_flags), ("now", vectorised)):
                    cpu, wall, panels[name] = _panel(store, fn)
                    best[name] = [min(best[name][0], cpu), min(best[name][1], wall)]
            rows = len(panels["now"])
            flagged = int(panels["now"]["flags"].notna().sum())
            views_panel._panel_cache.clear()
    pd.testing.assert_frame_equal(panels["before"], panels["now"])
    print(f"Panel: {rows} Zeilen, davon {flagged} mit Kennzeichen; beide Varianten identisch")
    for name, label in (("before", "vorher (Funktion je Gruppe)"), ("now", "jetzt (vektorisiert)")):
        cpu, wall = best[name]
        print(f"  {label:30s}: CPU {cpu * 1000:7.1f} ms | Wand {wall * 1000:7.1f} ms "
              f"(bestes von {args.repeat})")
    ratio = best["before"][0] / best["now"][0]
    print("load avg danach / after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"RESULT before_cpu_ms={best['before'][0] * 1000:.1f} "
          f"now_cpu_ms={best['now'][0] * 1000:.1f} ratio={ratio:.1f}")


if __name__ == "__main__":
    main()
