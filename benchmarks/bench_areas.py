"""`monitoring areas --level gemeinde` on a national store: 11,299 Gemeinden.

Plain script, no assertions. Builds (once, cached next to the geometry, see
`national_geometry`) a national store with `monitoring neu --land DG` and the real Kreis and
Gemeinde boundaries of Germany (BKG VG250 31.12.2015 via npm; skipped with the reason if
unavailable), then times in fresh processes, output to a file:

1. **Baseline** – the command as it was before (commit dca47db), reconstructed:
   ``store.read_areas(level=…)`` (all columns, every geometry decoded from WKB) and one
   ``rich`` ``Console.print`` per area.
2. **Ours** – ``python -m monitoring areas --level gemeinde --store …`` as it is now
   (batched rows without geometry, plain text written in blocks).

Both include interpreter start and imports (what the user waits for). Best of three each;
wall and CPU seconds (user + system of the child: on a shared machine the wall time is
mostly waiting for a core).

    .venv/bin/python benchmarks/bench_areas.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from national_geometry import CACHE, Unavailable, national_layers

OLD = """
import sys
from monitoring.cli.common import terminal
from monitoring.store.database import open_store
console = terminal()
with open_store(sys.argv[1], read_only=True) as store:
    frame = store.read_areas(level="gemeinde")
    for row in frame.itertuples():
        console.print(f"{row.area_code}\\t{row.name}\\t{row.kind}")
"""


def national_store(layers: dict[str, Path]) -> Path:
    """`monitoring neu --land DG` with the national Kreis and Gemeinde layers (cached)."""
    from monitoring.io.new_store import BoundaryFile, create_store

    path = CACHE / "deutschland_vg250_2015.duckdb"
    if not path.is_file():
        stand = date(2015, 12, 31)
        tmp = path.with_suffix(".tmp.duckdb")
        tmp.unlink(missing_ok=True)
        create_store(tmp, land="DG", boundaries=[BoundaryFile(layers["kreis"], "kreis", stand),
                                                 BoundaryFile(layers["gemeinde"], "gemeinde",
                                                              stand)])
        tmp.replace(path)
    return path


def timed(command: list[str], out: Path) -> tuple[float, float]:
    """Best wall seconds and best CPU seconds (user + system of the child) of three runs."""
    import resource

    best, best_cpu = float("inf"), float("inf")
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        with out.open("w") as sink:
            subprocess.run(command, stdout=sink, check=True)
        best = min(best, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best_cpu = min(best_cpu, after.ru_utime - before.ru_utime
                       + after.ru_stime - before.ru_stime)
    return best, best_cpu


def fields(path: Path) -> list[str]:
    """Lines with runs of blanks collapsed: rich expanded the tabs of the old output."""
    return [" ".join(line.split()) for line in path.read_text(encoding="utf-8").splitlines()]


def main() -> None:
    try:
        layers = national_layers()
    except Unavailable as err:
        print(f"ÜBERSPRUNGEN / skipped: keine bundesweite Geometrie verfügbar ({err})")
        return
    started = time.perf_counter()
    store = national_store(layers)
    print(f"Datenbank: {store} ({time.perf_counter() - started:.1f} s)")
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"Last vorher / load average before: {load} ({os.cpu_count()} CPU)")
    with tempfile.TemporaryDirectory() as tmp:
        old_out, new_out = Path(tmp) / "old.txt", Path(tmp) / "new.txt"
        old, old_cpu = timed([sys.executable, "-c", OLD, str(store)], old_out)
        new, new_cpu = timed([sys.executable, "-m", "monitoring", "areas", "--level",
                              "gemeinde", "--store", str(store)], new_out)
        lines = fields(new_out)
        same = fields(old_out) == lines
        tabs = all(line.count("\t") == 2
                   for line in new_out.read_text(encoding="utf-8").splitlines())
    met = "erreicht / met" if new < 2 else "verfehlt / missed"
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"Last nachher / load average after: {load}")
    print(f"  Gemeinden ausgegeben: {len(lines):,}; gleicher Inhalt wie vorher: "
          f"{'ja' if same else 'nein'}; Felder durch Tabulator getrennt: "
          f"{'ja' if tabs else 'nein'} (vorher machte rich Leerzeichen daraus)")
    print(f"  baseline (read_areas + rich je Zeile): {old:6.2f} s Wand, {old_cpu:6.2f} s CPU")
    print(f"  ours (monitoring areas, gestreamt)   : {new:6.2f} s Wand, {new_cpu:6.2f} s CPU"
          f"   (Ziel < 2 s: {met})")
    print(f"RESULT areas={len(lines)} baseline_s={old:.2f} ours_s={new:.2f} "
          f"baseline_cpu_s={old_cpu:.2f} ours_cpu_s={new_cpu:.2f} ratio={new / old:.3f}")


if __name__ == "__main__":
    main()
