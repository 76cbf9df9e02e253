"""Benchmark: size of a district report before and after issue 16 item 1 (small reports).

Run from the project folder (≈ 3–5 minutes: two reports each way, real kernels):

    .venv/bin/python benchmarks/bench_report_size.py                  # Saale-Holzland-Kreis, Erfurt
    .venv/bin/python benchmarks/bench_report_size.py --areas 16075,16053 --out DIR

In one process it builds a fresh demo store, then renders the same quarterly reports twice
with ``run_quarter`` (nbconvert renderer, 2 workers):

1. **today's report** (baseline) – from a copy of the notebooks whose setup cell first calls
   `report_size_baseline.install()`: plotly.py's full plotly.js and the map code before this
   change (fixed simplification, 4 decimals, highlight drawn twice, full template);
2. **ours** – the notebooks as they are: the partial bundle and geometry by the map's extent.

It prints for each report the file size, the inlined plotly.js, the embedded geometry
(measured as in ``bench_quarter.py``: every ``geojson`` member of every figure) and the ratios,
and a final ``RESULT`` line. Goals (issue 16): largest report ≤ 2 MB, geometry ≤ 250 KB.
A measurement, not a test: it exits 0 once the sizes are taken.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_quarter import measure_geometry  # noqa: E402  (benchmarks/ is not a package)

PERIOD = "2025-Q4"
GOAL_REPORT_MB = 2.0
GOAL_GEOMETRY_KB = 250.0
MB, KB = 1_000_000, 1_000
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S)


def baseline_notebooks(target: Path) -> Path:
    """A copy of the notebooks whose first setup cell installs today's renderer and maps."""
    shutil.copytree(ROOT / "notebooks", target)
    path = target / "10_angebote_abdeckung.ipynb"
    nb = json.loads(path.read_text("utf-8"))
    setup = next(c for c in nb["cells"] if "setup" in c.get("metadata", {}).get("tags", []))
    patch = (f"import sys\nsys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
             "import report_size_baseline\nreport_size_baseline.install()\n")
    setup["source"] = patch + "".join(setup["source"])
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def sizes(path: Path) -> dict[str, float]:
    html = path.read_text(encoding="utf-8")
    library = max((len(s.encode()) for s in _SCRIPT.findall(html) if "plotly.js v" in s[:300]),
                  default=0)
    geo = measure_geometry(html)
    return {"mb": len(html.encode()) / MB, "plotlyjs_mb": library / MB,
            "geo_kb": geo.total / KB, "geo_unique_kb": geo.unique / KB,
            "geo_traces": geo.geo_traces}


def render(codes: list[str], store: Path, out: Path, notebooks: Path | None) -> dict[str, Path]:
    from monitoring.report import run_quarter

    summary = run_quarter(PERIOD, store_path=store, out_dir=out, areas=codes, workers=2,
                          notebooks=notebooks, renderer="nbconvert")
    if not summary.ok:
        print("  WARNUNG: fehlgeschlagen:", [r.error for r in summary.failed])
    return {p.name[:5]: p for p in (out / PERIOD).glob("16*.html")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", default="16074,16051",
                        help="district codes (default: the Landkreis with the largest report, "
                             "Saale-Holzland-Kreis, and Erfurt)")
    parser.add_argument("--out", help="keep store and reports in this folder")
    args = parser.parse_args(argv)
    codes = [c.strip() for c in args.areas.split(",") if c.strip()]
    from monitoring.demo.build import build_demo_store

    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="bench-size-"))
    work.mkdir(parents=True, exist_ok=True)
    store = build_demo_store(work / "demo.duckdb")
    before = render(codes, store, work / "heute", baseline_notebooks(work / "nb-heute"))
    after = render(codes, store, work / "neu", None)
    print(f"Berichte / reports: {', '.join(codes)}; {PERIOD}; renderer nbconvert; {work}")
    print(f"  {'Datei / file':<34} {'MB':>6} {'→ MB':>6} {'×':>6} {'plotly.js MB':>13} "
          f"{'Geo KB':>8} {'→ KB':>7} {'×':>6}")
    worst_mb = worst_kb = 0.0
    ratios = []
    for code in codes:
        if code not in before or code not in after:
            print(f"  {code}: kein Bericht / no report")
            continue
        old, new = sizes(before[code]), sizes(after[code])
        ratios.append(new["mb"] / old["mb"])
        worst_mb, worst_kb = max(worst_mb, new["mb"]), max(worst_kb, new["geo_kb"])
        print(f"  {after[code].name:<34} {old['mb']:6.2f} {new['mb']:6.2f} "
              f"{new['mb'] / old['mb']:6.3f} {old['plotlyjs_mb']:6.2f}→{new['plotlyjs_mb']:5.2f} "
              f"{old['geo_kb']:8.1f} {new['geo_kb']:7.1f} {new['geo_kb'] / old['geo_kb']:6.3f}")

    def goal(value: float, limit: float) -> str:
        return "erreicht / met" if value <= limit else "NICHT erreicht / not met"

    print(f"  größter Bericht / largest report : {worst_mb:.2f} MB "
          f"(Ziel / goal <= {GOAL_REPORT_MB} MB: {goal(worst_mb, GOAL_REPORT_MB)})")
    print(f"  Geometrie / geometry (max)       : {worst_kb:.1f} KB "
          f"(Ziel / goal <= {GOAL_GEOMETRY_KB:.0f} KB: {goal(worst_kb, GOAL_GEOMETRY_KB)})")
    print(f"RESULT ratio_max={max(ratios, default=float('nan')):.3f} "
          f"max_report_mb={worst_mb:.2f} max_geometry_kb={worst_kb:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
