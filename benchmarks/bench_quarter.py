"""Benchmark: quarterly report run vs. the naive serial papermill + nbconvert workflow.

Run from the project folder (takes minutes; all 22 districts by default):

    .venv/bin/python benchmarks/bench_quarter.py [--areas N | --areas 16051,16052] [--out DIR]
                                                 [--then 9c36aba]

In one process it

1. builds a fresh demo store in a temporary folder (or in ``--out``),
2. times the baseline a user would run without our tool: for each district, papermill on
   EACH section notebook of the quarterly report separately (serially; five since sections
   15, 30 and 40 were added), then ``jupyter nbconvert --to html`` as a subprocess for every
   executed notebook,
3. times ``monitoring.report.run_quarter(snapshot=False, reuse_kernels=False)`` – the run as
   it was before the quarter snapshot and the kept kernels: every report computes the
   state-wide results (protected indicator panel, accessibility of all municipalities …)
   itself, in a kernel of its own,
4. times ``monitoring.report.run_quarter`` (one composed notebook per district, 2 workers,
   the state-wide results computed once into the quarter snapshot, each worker keeping its
   kernel from one report to the next, started while the snapshot is built),
5. with ``--then COMMIT``, also times ``run_quarter`` as the code was at that commit (a git
   worktree, its own demo store and notebooks, 2 workers): issue #16 measured against
   "today's run_quarter" when it was filed, commit 9c36aba,
6. prints wall times, the ratios ours/baseline, ours/previous (and ours/then), per-report
   seconds, report sizes and the size of the map geometry embedded in each report.

This is a measurement, not a test: it never asserts timings or sizes and exits 0 once the
measurement has been taken (failed reports are listed as warnings).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PERIOD = "2025-Q4"
WORKERS = 2

GOAL_RATIO = 0.05         # ours / baseline wall time (issue #16)
GOAL_RATIO_PREVIOUS = 0.4  # ours / run_quarter without the quarter snapshot (issue #16)
GOAL_REPORT_MB = 2.0      # per report HTML file (issue #16; bench_report_size.py the same)
GOAL_GEOMETRY_KB = 250.0  # embedded geometry per report (issue #16)

MB = 1_000_000
KB = 1_000


# --------------------------------------------------------------------------------------------
# Geometry measurement
# --------------------------------------------------------------------------------------------

@dataclass
class GeometryStats:
    """Geometry embedded in one HTML file, in bytes as they appear in the file."""

    figures: int = 0              # Plotly.newPlot calls whose data array parsed as JSON
    unparsed_calls: int = 0       # Plotly.newPlot calls that could not be parsed as JSON
    geo_traces: int = 0           # traces with a `geojson` member
    in_traces: int = 0            # bytes of all `geojson` members of traces (repeats counted)
    unique: int = 0               # bytes if every distinct geojson were stored once
    elsewhere: int = 0            # FeatureCollection JSON outside the traces (e.g. shared script)
    elsewhere_count: int = 0
    hashes: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        """Everything that is actually in the file."""
        return self.in_traces + self.elsewhere


_NEWPLOT = re.compile(r"Plotly\.newPlot\(\s*")
_GEOJSON_KEY = re.compile(r'"geojson"\s*:\s*')
_FEATURE_COLLECTION_START = re.compile(r'\{\s*"(?:type|features)"\s*:')


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def measure_geometry(html: str) -> GeometryStats:
    """Parse the plotly figure JSON passed to ``Plotly.newPlot`` and size its ``geojson``.

    The size of a geojson member is the length of its serialized text exactly as it stands in
    the file; a geojson repeated in several traces is counted every time it occurs. Any other
    GeoJSON FeatureCollection in the file (outside those traces) is counted as well, so that
    geometry moved into a shared script is not missed.
    """
    decoder = json.JSONDecoder()
    stats = GeometryStats()
    counted: list[tuple[int, int]] = []
    for match in _NEWPLOT.finditer(html):
        pos = match.end()
        try:
            _, pos = decoder.raw_decode(html, pos)          # the div id
            pos = html.index(",", pos) + 1
            while html[pos].isspace():
                pos += 1
            if html[pos] != "[":
                raise ValueError("no data array")
            start = pos
            data, end = decoder.raw_decode(html, start)     # the traces
        except (ValueError, IndexError):
            stats.unparsed_calls += 1
            continue
        if not isinstance(data, list):
            stats.unparsed_calls += 1
            continue
        stats.figures += 1
        # Exact text spans of the `geojson` members inside this data array.
        for key in _GEOJSON_KEY.finditer(html, start, end):
            try:
                value, value_end = decoder.raw_decode(html, key.end())
            except ValueError:
                continue
            if any(a <= key.start() < b for a, b in counted):
                continue  # nested inside a geojson already counted
            stats.geo_traces += 1
            stats.in_traces += _nbytes(html[key.end():value_end])
            digest = hashlib.sha1(json.dumps(value, sort_keys=True).encode()).hexdigest()
            if digest not in stats.hashes:
                stats.hashes.add(digest)
                stats.unique += _nbytes(html[key.end():value_end])
            counted.append((key.end(), value_end))
    for match in _FEATURE_COLLECTION_START.finditer(html):
        if any(a <= match.start() < b for a, b in counted):
            continue
        try:
            value, value_end = decoder.raw_decode(html, match.start())
        except ValueError:
            continue
        if isinstance(value, dict) and value.get("type") == "FeatureCollection":
            stats.elsewhere += _nbytes(html[match.start():value_end])
            stats.elsewhere_count += 1
            counted.append((match.start(), value_end))
    return stats


# --------------------------------------------------------------------------------------------
# The two workflows
# --------------------------------------------------------------------------------------------

def nbconvert_command() -> list[str]:
    """The venv's ``jupyter nbconvert`` (or ``python -m nbconvert`` as fallback)."""
    jupyter = Path(sys.executable).with_name("jupyter")
    if jupyter.exists():
        return [str(jupyter), "nbconvert"]
    return [sys.executable, "-m", "nbconvert"]


def section_notebooks() -> list[Path]:
    from monitoring.report.run.compose import REPORTS

    return [NOTEBOOKS / name for name in REPORTS["quartalsbericht"].sections]


@dataclass
class BaselineResult:
    area_code: str
    seconds: float
    files: list[Path]
    error: str | None = None


def run_baseline(codes: list[str], store: Path, out: Path) -> tuple[float, list[BaselineResult]]:
    """Naive serial workflow: papermill per section notebook, then the nbconvert CLI."""
    import papermill as pm

    sections = section_notebooks()
    command = nbconvert_command()
    out.mkdir(parents=True, exist_ok=True)
    results = []
    started = time.perf_counter()
    for i, code in enumerate(codes, 1):
        t0 = time.perf_counter()
        files: list[Path] = []
        error = None
        try:
            for section in sections:
                executed = out / f"{code}_{section.stem}.ipynb"
                pm.execute_notebook(
                    str(section), str(executed), kernel_name="python3",
                    parameters={"area_code": code, "period": PERIOD, "store_path": str(store)},
                    cwd=str(NOTEBOOKS), progress_bar=False)
                done = subprocess.run([*command, "--to", "html", str(executed)],
                                      capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    raise RuntimeError(f"nbconvert failed: {done.stderr[-500:]}")
                files.append(executed.with_suffix(".html"))
        except Exception as err:  # noqa: BLE001 - a measurement: record and go on
            error = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        seconds = time.perf_counter() - t0
        results.append(BaselineResult(code, seconds, files, error))
        state = "ok" if error is None else f"FEHLER/ERROR {error}"
        print(f"  Baseline {i:>2}/{len(codes)}  {code}  {seconds:6.1f} s  {state}", flush=True)
    return time.perf_counter() - started, results


def run_ours(codes: list[str], store: Path, out: Path, *,  # type: ignore[no-untyped-def]
             snapshot: bool = True, reuse_kernels: bool = True, label: str = "Ours"):
    from monitoring.report import run_quarter

    done = [0]

    def on_result(result) -> None:  # type: ignore[no-untyped-def]
        done[0] += 1
        state = "ok" if result.status == "ok" else f"FEHLER/ERROR {result.error}"
        print(f"  {label:<8} {done[0]:>2}/{len(codes)}  {result.area_code}  "
              f"{result.seconds:6.1f} s  {state}", flush=True)

    started = time.perf_counter()
    summary = run_quarter(PERIOD, store_path=store, out_dir=out, areas=codes, workers=WORKERS,
                          notebooks=NOTEBOOKS, on_result=on_result, snapshot=snapshot,
                          reuse_kernels=reuse_kernels)
    return time.perf_counter() - started, summary


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def _goal(value: float, goal: float) -> str:
    return "erreicht / met" if value <= goal else "verfehlt / missed"


def _areas(text: str) -> int | list[str]:
    """``--areas``: a count (first N districts) or a comma-separated list of codes."""
    if text.isdigit() and len(text) < 5:
        return int(text)
    codes = [c.strip() for c in text.split(",") if c.strip()]
    if not codes or not all(c.isdigit() and len(c) == 5 for c in codes):
        raise argparse.ArgumentTypeError("expected N or district codes like 16051,16052")
    return codes


# Runs in a subprocess with PYTHONPATH=<worktree of an earlier commit>/src: that commit's demo
# store (its schema) and its run_quarter, timed alone; prints one "THEN wall=…" line.
THEN_SCRIPT = """
import sys, tempfile, time
from pathlib import Path
from monitoring.report import run_quarter
try:
    from monitoring.demo.build import build_demo_store
except ImportError:  # the package layout before the layers were folders
    from monitoring.demo import build_demo_store
codes = sys.argv[1].split(",")
with tempfile.TemporaryDirectory(prefix="bench-quarter-then-") as tmp:
    store = build_demo_store(Path(tmp) / "demo.duckdb")
    started = time.perf_counter()
    summary = run_quarter("2025-Q4", store_path=store, out_dir=Path(tmp) / "out", areas=codes,
                          workers=2, notebooks="notebooks", renderer="nbconvert")
    print(f"THEN wall={time.perf_counter() - started:.3f} failed={len(summary.failed)}")
"""


def run_then(commit: str, codes: list[str], work: Path) -> tuple[float | None, str]:
    """Wall time of `run_quarter` as the code was at `commit` (its own worktree, demo store
    and notebooks; 2 workers, nbconvert), or None and why not."""
    tree = work / f"then-{commit}"
    made = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f",
                           str(tree), commit], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        return None, made.stderr.strip()[-300:]
    try:
        env = {**os.environ, "PYTHONPATH": str(tree / "src")}
        done = subprocess.run([sys.executable, "-c", THEN_SCRIPT, ",".join(codes)], cwd=tree,
                              env=env, capture_output=True, text=True, check=False)
        found = re.search(r"THEN wall=([\d.]+) failed=(\d+)", done.stdout)
        if done.returncode != 0 or not found:
            return None, (done.stderr or done.stdout).strip()[-300:]
        if found.group(2) != "0":
            return None, f"{found.group(2)} report(s) failed with the code of {commit}"
        return float(found.group(1)), ""
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                       capture_output=True, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=_areas, default=None,
                        help="only the first N districts, or a comma-separated list of district "
                             "codes (e.g. 16051,16052); default: all 22")
    parser.add_argument("--out", type=Path, default=None,
                        help="keep store and outputs in DIR (default: temporary, deleted)")
    parser.add_argument("--then", metavar="COMMIT", default=None,
                        help="also time run_quarter as the code was at COMMIT (e.g. 9c36aba, "
                             "when issue #16 was filed: its \"today's run_quarter\")")
    args = parser.parse_args(argv)

    from monitoring.demo.build import build_demo_store
    from monitoring.report.run.render import choose_renderer
    from monitoring.store.database import open_store
    from monitoring.views.scope import districts

    if args.out:
        work = args.out.resolve()
        work.mkdir(parents=True, exist_ok=True)
        cleanup = False
    else:
        work = Path(tempfile.mkdtemp(prefix="bench-quarter-"))
        cleanup = True
    os.chdir(ROOT)  # notebooks_dir() and relative paths behave as in the project folder
    try:
        print("== Benchmark Quartalsbericht / quarterly report ==")
        print(f"Datum / date      : {datetime.now():%Y-%m-%d %H:%M}")
        print(f"Rechner / machine : {platform.node()}, {os.cpu_count()} CPU, "
              f"load avg {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
              f"Python {platform.python_version()}")
        print(f"Arbeitsordner     : {work}")

        t0 = time.perf_counter()
        store = work / "demo.duckdb"
        build_demo_store(store)
        print(f"Demo-Datenbank / demo store built in {time.perf_counter() - t0:.1f} s")
        with open_store(store, read_only=True) as s:
            codes = list(districts(s)["area_code"])
        if isinstance(args.areas, int):
            codes = codes[:args.areas]
        elif args.areas:
            unknown = sorted(set(args.areas) - set(codes))
            if unknown:
                parser.error(f"unknown district code(s): {', '.join(unknown)}")
            codes = list(args.areas)
        print(f"Kreise / districts: {len(codes)} ({', '.join(codes)})")
        print(f"Zeitraum / period : {PERIOD}; renderer (ours): {choose_renderer('auto')}; "
              f"workers (ours): {WORKERS}")
        sections = ", ".join(p.name for p in section_notebooks())
        convert = " ".join(Path(c).name for c in nbconvert_command())
        print(f"Baseline          : papermill per section ({sections}), "
              f"then `{convert} --to html` per notebook, serial")
        print()

        print("-- Baseline (naiv seriell / naive serial) --", flush=True)
        base_wall, base = run_baseline(codes, store, work / "baseline")
        print(f"  Wall time baseline: {base_wall:.1f} s\n", flush=True)

        print(f"-- Bisher / previous: run_quarter(workers={WORKERS}, snapshot=False, "
              "reuse_kernels=False) --", flush=True)
        prev_wall, previous = run_ours(codes, store, work / "previous", snapshot=False,
                                       reuse_kernels=False, label="Previous")
        print(f"  Wall time previous: {prev_wall:.1f} s\n", flush=True)

        then_wall, then_error = None, ""
        if args.then:
            print(f"-- Damals / then: run_quarter der Version / of commit {args.then} --",
                  flush=True)
            then_wall, then_error = run_then(args.then, codes, work)
            print(f"  Wall time then: {then_wall:.1f} s\n" if then_wall is not None else
                  f"  nicht gemessen / not measured: {then_error}\n", flush=True)

        print(f"-- Unser Lauf / ours: run_quarter(workers={WORKERS}) mit Quartals-Snapshot --",
              flush=True)
        ours_wall, summary = run_ours(codes, store, work / "ours")
        print(f"  Wall time ours: {ours_wall:.1f} s (davon Snapshot / of which snapshot "
              f"{summary.snapshot_seconds or 0:.1f} s)\n", flush=True)

        ok = [r for r in summary.results if r.status == "ok"]
        base_ok = [r for r in base if r.error is None]
        ratio = ours_wall / base_wall if base_wall else float("nan")
        ratio_previous = ours_wall / prev_wall if prev_wall else float("nan")

        print("-- Berichte / reports (ours) --")
        print(f"  {'Kreis':<7}{'Datei / file':<42}{'s':>7}{'MB':>8}{'Figs':>6}"
              f"{'Geo-Traces':>11}{'Geo KB':>9}{'unique KB':>11}")
        sizes_mb: list[float] = []
        geo_kb: list[float] = []
        for r in summary.results:
            if r.status != "ok" or not r.file:
                print(f"  {r.area_code:<7}FEHLER/ERROR: {r.error}")
                continue
            path = summary.out_dir / r.file
            html = path.read_text(encoding="utf-8")
            geo = measure_geometry(html)
            size = path.stat().st_size / MB
            sizes_mb.append(size)
            geo_kb.append(geo.total / KB)
            note = ""
            if geo.elsewhere:
                note += (f"  (+{geo.elsewhere / KB:.1f} KB in {geo.elsewhere_count} "
                         "FeatureCollection(s) outside traces)")
            if geo.unparsed_calls:
                note += f"  ({geo.unparsed_calls} Plotly.newPlot call(s) not parsable as JSON)"
            print(f"  {r.area_code:<7}{r.file:<42}{r.seconds:7.1f}{size:8.2f}{geo.figures:6d}"
                  f"{geo.geo_traces:11d}{geo.total / KB:9.1f}{geo.unique / KB:11.1f}{note}")
        print()

        base_sizes = [sum(f.stat().st_size for f in r.files) / MB for r in base_ok]
        n = len(section_notebooks())
        print("-- Zusammenfassung / summary --")
        print(f"  Wall time baseline (naiv seriell)      : {base_wall:8.1f} s")
        print(f"  Wall time previous (old run_quarter)   : {prev_wall:8.1f} s")
        print(f"  Wall time ours (run_quarter, {WORKERS} workers) : {ours_wall:8.1f} s")
        ratio_then = ours_wall / then_wall if then_wall else float("nan")
        if then_wall:
            print(f"  Wall time then (run_quarter @ {args.then}) : {then_wall:8.1f} s")
        print(f"  Verhältnis / ratio ours/baseline       : {ratio:8.3f}   "
              f"(Ziel / goal <= {GOAL_RATIO}: {_goal(ratio, GOAL_RATIO)})")
        print(f"  Verhältnis / ratio ours/previous       : {ratio_previous:8.3f}   "
              f"(Ziel / goal <= {GOAL_RATIO_PREVIOUS}: "
              f"{_goal(ratio_previous, GOAL_RATIO_PREVIOUS)})")
        if then_wall:
            print(f"  Verhältnis / ratio ours/then           : {ratio_then:8.3f}   "
                  f"(Ziel / goal <= {GOAL_RATIO_PREVIOUS}: "
                  f"{_goal(ratio_then, GOAL_RATIO_PREVIOUS)})")
        if base_ok:
            print(f"  Mittel je Bericht / mean per report    : baseline "
                  f"{sum(r.seconds for r in base_ok) / len(base_ok):.1f} s "
                  f"({n} notebooks + {n} nbconvert), "
                  f"ours {sum(r.seconds for r in ok) / max(len(ok), 1):.1f} s (per worker)")
            print(f"  Wand-Zeit je Bericht / wall per report : baseline "
                  f"{base_wall / len(codes):.1f} s, ours {ours_wall / len(codes):.1f} s")
            print(f"  Baseline-HTML je Kreis / per district  : mean "
                  f"{sum(base_sizes) / len(base_sizes):.2f} MB, max {max(base_sizes):.2f} MB "
                  f"({n} files)")
        max_mb = max(sizes_mb) if sizes_mb else float("nan")
        max_geo = max(geo_kb) if geo_kb else float("nan")
        if sizes_mb:
            print(f"  Berichtsgröße / report size (ours)     : mean "
                  f"{sum(sizes_mb) / len(sizes_mb):.2f} MB, "
                  f"max {max_mb:.2f} MB   (Ziel / goal <= {GOAL_REPORT_MB:g} MB: "
                  f"{_goal(max_mb, GOAL_REPORT_MB)})")
            print(f"  Geometrie / geometry per report (ours) : mean "
                  f"{sum(geo_kb) / len(geo_kb):.1f} KB, "
                  f"max {max_geo:.1f} KB   (Ziel / goal <= {GOAL_GEOMETRY_KB:g} KB: "
                  f"{_goal(max_geo, GOAL_GEOMETRY_KB)})")
        failed_ours = len(summary.results) - len(ok) + len(previous.failed)
        failed_base = len(base) - len(base_ok)
        if failed_ours or failed_base:
            print(f"  WARNUNG / WARNING: {failed_ours} report(s) of ours and {failed_base} "
                  "baseline district(s) failed; timings are not comparable.")
        if not cleanup:
            print(f"  Ausgaben / outputs kept in {work}")
        print(f"RESULT ratio={ratio:.3f} ratio_previous={ratio_previous:.3f} "
              + (f"ratio_then={ratio_then:.3f} " if then_wall else "")
              + f"max_report_mb={max_mb:.2f} max_geometry_kb={max_geo:.1f}", flush=True)
        return 0
    finally:
        if cleanup:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
