"""The quarterly run: one report per district, executed by papermill, rendered, published.

Guarantees:

* Parameters (period, areas, store) are validated before any notebook runs.
* The settings (disclosure rule, traffic light, index) are resolved once, here
  (`monitoring.io.settings.resolve`), and handed to every report as the notebook parameter
  ``settings_json``; the manifest records them with their origins.
* What is the same for every district of the quarter – the indicator panel, the panel after
  disclosure control, the accessibility of every municipality, the list of districts – is
  computed once, before the reports, into a quarter snapshot in the staging folder
  (`monitoring.views.snapshot`); each report reads it (notebook parameter ``snapshot_path``)
  and only filters and draws. ``snapshot=False`` leaves it out: every report computes these
  itself, with the same numbers (slower; kept for the benchmark and for comparison).
* Districts run in parallel (one papermill kernel per worker; default: two workers). The
  workers are started with ``spawn`` (see `pool.POOL_METHOD`) before the quarter snapshot is
  built, and each starts its kernel meanwhile; a worker keeps its kernel from one report to
  the next (reset in between; a failed report's kernel is replaced), see `warm`.
* Each report's manifest entry and index row list what data it lacks
  (`monitoring.views.inputs.report_missing`: „Fehlt: Angebote, …“).
* One failing district does not stop the others; its error is named in the summary, the
  manifest and the index, and its previous good report (if any) stays in place. A worker
  process that dies (e.g. killed for lack of memory) fails the reports it had not finished,
  not the run.
* Outputs are written to a staging folder and moved into ``reports/<period>/`` file by file
  with atomic renames, so a reader never sees a half-written report.
* A lock file in the quarter's folder (``<out>/<period>/``) prevents two runs – or a run and
  a publication (`monitoring.report.publish.quarter`), which takes the same lock – from
  writing that folder at once. It names the process (PID, host, start time); the lock of a
  process that no longer exists is taken over with a note, together with the staging folders
  such a run left behind (`lock.RunLock`).
* A full disk (or another OS error) while writing ends the run with a German message
  (`OutputError`); the reports published before stay. A notebook that cannot be read back
  (written half when the disk filled up) is not kept in ``_fehler/``.
* Ctrl-C, SIGTERM (a scheduler stopping the job) and SIGHUP stop the run cleanly: the workers
  are terminated, the staging folder is removed, the lock released, and the reports published
  before stay as they were. The kernels' connection files (with their key) live in a private
  runtime folder of the run, removed with its kernels on every way out (`kernels`). Once
  files are being moved into place, the run finishes first
  (`signals.StopSignals`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import multiprocessing
import os
import platform
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib.metadata import version as pkg_version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from monitoring import __version__
from monitoring.core.config import Settings
from monitoring.errors import OutputError, WriteFault
from monitoring.io import settings as settings_file
from monitoring.io.files import atomic_write, move_into_place
from monitoring.periods import Quarter
from monitoring.present.notebook import FIGURE_JSON_SWITCH
from monitoring.present.page import STATEMENT_FILE
from monitoring.report import statement
from monitoring.report.run import index as index_page
from monitoring.report.run.compose import REPORTS, compose, notebooks_dir
from monitoring.report.run.kernels import private_runtime_dir
from monitoring.report.run.lock import RunLock
from monitoring.report.run.naming import report_filename
from monitoring.report.run.outdir import check_out_dir, usable_workers
from monitoring.report.run.pool import POOL_METHOD, born_ignoring_interrupts, stop_pool
from monitoring.report.run.quarto_batch import Batches
from monitoring.report.run.render import choose_renderer
from monitoring.report.run.signals import StopSignals
from monitoring.report.run.warm import keeper as kernel_keeper
from monitoring.report.run.worker import (
    ReportResult,
    describe,
    execute_report,
    init_worker,
    warm_up,
)
from monitoring.store.database import open_store, resolve_path
from monitoring.views import snapshot as quarter_snapshot
from monitoring.views.inputs import report_missing, sections_of
from monitoring.views.quarter import build_snapshot
from monitoring.views.scope import (
    context,
    districts,
    geo_attribution,
    report_areas,
    scope_label,
)

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["ReportResult", "RunSummary", "check_sources", "report_filename", "run_quarter",
           "write_error", "write_quarter_snapshot"]

# Longest a single notebook cell may run before its report fails: the slowest cells take
# seconds; a cell that hangs (a lock, a network drive) would otherwise hold up a scheduled run –
# and its lock – until someone notices.
CELL_TIMEOUT_S = 600.0

WORKER_DIED = ("Der Arbeitsprozess für diesen Bericht wurde unerwartet beendet (z. B. vom "
               "Betriebssystem wegen Speichermangels), bevor der Bericht fertig war. Die "
               "übrigen Berichte wurden weiter erstellt. Starten Sie den Lauf für dieses Gebiet "
               "erneut (--area); tritt der Fehler wieder auf, verringern Sie --workers.")


@dataclass
class RunSummary:
    """What a run did: the reports' results, its wall time and notes for the user."""

    period: str
    out_dir: Path
    results: list[ReportResult] = field(default_factory=list)
    seconds: float = 0.0
    land: str = ""
    """Code of what the store reports on: its Land, or „DG“ (`views.scope.scope_label`)."""
    land_name: str = ""
    geo_attribution: str = ""
    notes: list[str] = field(default_factory=list)  # German "Hinweis" lines for the user
    index_args: dict[str, Any] = field(default_factory=dict)
    """The arguments the index page was rendered with (`index.render`); a publication
    renders it again with the published artefacts added."""
    snapshot_seconds: float | None = None
    """Time to build and write the quarter snapshot (None: the run used none)."""

    @property
    def failed(self) -> list[ReportResult]:
        return [r for r in self.results if r.status != "ok"]

    @property
    def ok(self) -> bool:
        return not self.failed


def _versions() -> dict[str, str]:
    out = {"integrationsmonitor": __version__, "python": platform.python_version()}
    for name in ("duckdb", "pandas", "geopandas", "plotly", "papermill", "nbconvert"):
        try:
            out[name] = pkg_version(name)
        except Exception:  # noqa: BLE001
            out[name] = "?"
    return out


def _remove_stale_staging(out_dir: Path, quarter: Quarter) -> list[str]:
    """Staging folders of runs of `quarter` that died (only called while holding the quarter's
    lock: a run of another quarter may be live)."""
    removed = []
    for stale in sorted(out_dir.glob(f".{quarter}.staging-*")):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
            removed.append(stale.name)
    return removed


def run_quarter(period: str, *, store_path: str | os.PathLike[str] | None = None,
                out_dir: str | os.PathLike[str] = "reports",
                areas: Sequence[str] | None = None, workers: int = 2,
                notebooks: str | os.PathLike[str] | None = None, renderer: str = "auto",
                report: str = "quartalsbericht",
                on_result: Callable[[ReportResult], None] | None = None,
                on_start: Callable[[int], None] | None = None,
                cell_timeout: float | None = CELL_TIMEOUT_S,
                settings: Settings | None = None,
                stage_into: Path | None = None,
                snapshot: bool | Path = True, reuse_kernels: bool = True) -> RunSummary:
    """Run `report` for every district (or `areas`) for `period`; see the module docstring.

    A cell running longer than `cell_timeout` seconds fails its report (None: no limit).
    `settings` are handed to every report; None resolves them here, in this process
    (`monitoring.io.settings.resolve`: ``monitoring.toml`` in the working folder, the store).

    `stage_into`: for the publication, which holds the quarter's lock itself and checks
    everything before it replaces anything: the reports, ``_fehler/``, the manifest and the
    index are written into this folder instead of ``<out>/<period>/`` (which is only read:
    previous reports and manifest), and no lock is taken here.

    `snapshot`: True builds the quarter snapshot in the staging folder before the reports run
    (`monitoring.views.quarter.build_snapshot`); a path uses that snapshot file (the
    publication builds one for the HTML reports and its other formats); False: none, every
    report computes the state-wide results itself.

    `reuse_kernels`: each worker keeps its kernel for its next report (reset in between, see
    `monitoring.report.run.warm`), started while the snapshot is built; False: a new kernel
    for every report, started when the report begins (as before; for comparison).

    Raises `OutputError` when the disk is full or a file cannot be written (nothing half
    written is put in place). Raises `RunInterrupted` (a `KeyboardInterrupt`) when stopped by
    a signal, after cleaning up.
    """
    started = time.perf_counter()
    quarter = Quarter.parse(period)
    store_file = resolve_path(store_path).resolve()
    chosen = choose_renderer(renderer)
    spec = REPORTS[report]
    source_dir = notebooks_dir(notebooks)
    with open_store(store_file, read_only=True) as store:
        settings = settings or settings_file.resolve(store=store)
        wanted, scope_note = report_areas(store, list(areas) if areas else None)
        land = scope_label(store)
        geometry = geo_attribution(store)
        contexts = [context(store, code, str(quarter), settings) for code in wanted]
        # what each report lacks, for the index and the manifest (the sections say it too)
        missing = {c.area_code: [m.record() for m in report_missing(
            store, c, sections_of(spec.sections))] for c in contexts}
        data_snapshot = store.snapshot_id()
        is_demo = store.is_demo
        meta = store.meta()
        schema_version = store.schema_version
        # the index's map: the districts of the store's scope (its Land), today's areas
        district_geo = store.read_areas(level="kreis")[["area_code", "name", "geometry"]]
        district_geo = district_geo[district_geo["area_code"].isin(
            set(districts(store)["area_code"]))]
    notes: list[str] = [scope_note] if scope_note else []
    workers, capped = usable_workers(workers)
    if capped:
        notes.append(capped)
    if stage_into is None:  # all input checked: now the folder (nothing is created yet)
        check_out_dir(out_dir)
    composed = compose(spec, source_dir, notes)

    target = Path(out_dir) / str(quarter)
    held = contextlib.nullcontext(None) if stage_into else RunLock(target)
    with StopSignals() as stop, held as lock, private_runtime_dir(), _kernel_environment():
        if lock is not None and lock.taken_over:
            notes.append(f"Die Sperrdatei eines nicht mehr laufenden Berichtslaufs "
                         f"({lock.taken_over.describe()}) wurde übernommen.")
        removed = _remove_stale_staging(Path(out_dir), quarter)
        if removed:
            notes.append("Zwischenordner abgebrochener Läufe entfernt: " + ", ".join(removed))
        staging = Path(out_dir) / f".{quarter}.staging-{os.getpid()}"
        batch_root: Path | None = None
        try:
            (staging / "_notebooks").mkdir(parents=True)
            composed_path = staging / "_notebooks" / f"{spec.name}.ipynb"
            nbformat.write(composed, composed_path)
            # the workers start (and with them their kernels) while the snapshot is built
            pool = _start_pool(workers, len(contexts),
                               str(source_dir) if reuse_kernels else None)
            snapshot_file, snapshot_seconds = "", None
            try:
                if snapshot is True:
                    begun = time.perf_counter()
                    # absolute: the kernels run in the notebooks folder, not in the caller's
                    snapshot_file = str(write_quarter_snapshot(
                        store_file, str(quarter), settings,
                        staging / quarter_snapshot.FILE_NAME).resolve())
                    snapshot_seconds = time.perf_counter() - begun
                elif snapshot:
                    snapshot_file = str(Path(snapshot).resolve())
                stop.check()  # a Ctrl-C that DuckDB turned into "Query interrupted" and lost
            except BaseException:
                if pool is not None:
                    stop_pool(pool)
                raise
            jobs = [{"area_code": c.area_code, "name": c.area_name, "period": str(quarter),
                     "store_path": str(store_file), "settings_json": settings.to_json(),
                     "snapshot_path": snapshot_file,
                     "notebook": str(composed_path),
                     "cwd": str(source_dir), "staging": str(staging), "renderer": chosen,
                     "file": report_filename(c.area_code, c.area_name),
                     "title": f"{spec.title}: {c.area_name}, {quarter.label_de()}",
                     "cell_timeout": f"{cell_timeout:g}" if cell_timeout else "",
                     "reuse_kernel": "1" if reuse_kernels else ""}
                    for c in contexts]
            batches = None
            if chosen == "quarto":  # several reports per Quarto process (`quarto_batch`)
                batch_root = Path(tempfile.mkdtemp(prefix="monitoring-quarto-"))
                batches = Batches(batch_root, staging, parallel=workers)
                for job in jobs:
                    job["quarto_batch"] = str(batch_root)
            if on_start:
                on_start(len(jobs))
            results = _run_jobs(jobs, pool, on_result, batches)
            stop.check()
            if any(r.disk_full for r in results):  # no half-written notebook into _fehler/
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(staging))
            for result in results:
                result.missing = missing.get(result.area_code, [])
            summary = RunSummary(str(quarter), target, sorted(results,
                                                              key=lambda r: r.area_code),
                                 land=land[0], land_name=land[1], geo_attribution=geometry,
                                 snapshot_seconds=snapshot_seconds)
            stop.defer()  # from here on the run finishes: a half-moved folder is worse
            _publish(staging, target, summary, period=quarter, snapshot=data_snapshot,
                     is_demo=is_demo, meta=meta, schema_version=schema_version,
                     renderer=chosen, store_file=store_file, settings=settings,
                     dest=stage_into, district_geo=district_geo)
        except OutputError:
            raise
        except OSError as err:
            raise write_error(err, Path(out_dir), "Der Berichtslauf") from err
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if batch_root is not None:
                shutil.rmtree(batch_root, ignore_errors=True)
    if stop.pending:
        notes.append(f"Das Abbruchsignal ({signal.Signals(stop.pending).name}) kam, als die "
                     "Berichte schon an ihren Platz verschoben wurden; der Lauf wurde noch "
                     "abgeschlossen.")
    summary.notes = notes
    summary.seconds = time.perf_counter() - started
    return summary


@contextlib.contextmanager
def _kernel_environment() -> Any:
    """While the run lasts, the environment its workers and kernels start with: figures
    without their plotly JSON (`notebook.FIGURE_JSON_SWITCH`; the run's pages show each
    figure's HTML, which carries the same figure) unless the caller set the switch itself."""
    if FIGURE_JSON_SWITCH in os.environ:
        yield
        return
    os.environ[FIGURE_JSON_SWITCH] = "0"
    try:
        yield
    finally:
        os.environ.pop(FIGURE_JSON_SWITCH, None)


def write_quarter_snapshot(store_file: Path, period: str, settings: Settings,
                           path: Path) -> Path:
    """Build the quarter snapshot of `period` from the store at `store_file` (read-only) under
    `settings` and write it to `path` (`monitoring.views.quarter.build_snapshot`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_store(store_file, read_only=True) as store:
        return quarter_snapshot.write_snapshot(build_snapshot(store, period, settings), path)


def check_sources(notebooks: str | os.PathLike[str] | None = None, renderer: str = "auto",
                  report: str = "quartalsbericht") -> None:
    """Raise the error `run_quarter` would raise for the notebooks folder or the renderer –
    for callers that must check every input before they create anything (the publication)."""
    choose_renderer(renderer)
    compose(REPORTS[report], notebooks_dir(notebooks), [])


def _start_pool(workers: int, jobs: int, cwd: str | None) -> ProcessPoolExecutor | None:
    """The pool of `workers` processes for `jobs` reports, its processes started now – None
    when there is only one of either (the reports then run in this process).

    `cwd`: each worker starts its kernel in this folder at once (`worker.init_worker`), so
    that kernel start and imports overlap what the run does before the reports (the quarter
    snapshot). A `ProcessPoolExecutor` starts a process per submitted job while none is idle:
    one no-op job per worker starts them all.
    """
    if workers <= 1 or jobs <= 1:
        return None
    size = min(workers, jobs)
    pool = ProcessPoolExecutor(max_workers=size, initializer=init_worker, initargs=(cwd,),
                               mp_context=multiprocessing.get_context(POOL_METHOD))
    try:
        with born_ignoring_interrupts():  # a Ctrl-C while they start must not break them
            for _ in range(size):
                pool.submit(warm_up)
    except BaseException:  # a stop signal meanwhile: no worker may outlive the run
        stop_pool(pool)
        raise
    return pool


def _run_jobs(jobs: list[dict[str, str]], pool: ProcessPoolExecutor | None,
              on_result: Callable[[ReportResult], None] | None,
              batches: Batches | None = None) -> list[ReportResult]:
    """Execute the jobs in `pool`, or one after another in this process if there is none;
    with `batches`, Quarto renders the executed reports several at a time meanwhile."""
    results: list[ReportResult] = []

    def collect(result: ReportResult, job: dict[str, str]) -> None:
        finished = [result]
        if batches is not None:
            finished = batches.add(result, job) if result.rendering else [
                result, *batches.done()]
        for each in finished:
            results.append(each)
            if on_result:
                on_result(each)

    def finish() -> list[ReportResult]:
        if batches is not None:
            for each in batches.finish():
                collect(each, {})
        return results

    try:
        if pool is None:
            try:
                for job in jobs:
                    collect(execute_report(job), job)
            finally:  # the kernel kept for a next report of this process
                kernel_keeper.close()
            return finish()
        try:
            futures = {pool.submit(execute_report, job): job for job in jobs}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool:  # a worker died; every unfinished job fails with it
                    result = ReportResult(job["area_code"], job["name"], "failed", 0.0,
                                          error=WORKER_DIED)
                except Exception as err:  # noqa: BLE001 - reported like a failing notebook
                    result = ReportResult(job["area_code"], job["name"], "failed", 0.0,
                                          error=describe(err))
                collect(result, job)
        except BaseException:  # RunInterrupted, or an error in `on_result`: stop now
            stop_pool(pool)
            raise
        pool.shutdown(wait=True)
        return finish()
    except BaseException:
        if batches is not None:
            batches.stop()
        raise


def write_error(err: OSError, folder: Path, what: str) -> WriteFault:
    """German message for an OS error while `what` (e.g. „Die Veröffentlichung“) wrote below
    `folder`: a full disk or quota says so; nothing incomplete was moved into place."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return WriteFault(f"Kein Speicherplatz mehr auf dem Datenträger von {folder}. {what} "
                           "wurde abgebrochen; die zuletzt veröffentlichten Dateien bleiben "
                           "unverändert. Geben Sie Speicherplatz frei und starten Sie den Lauf "
                           "erneut.", detail=str(err))
    return WriteFault(f"Beim Schreiben nach {folder} ist ein Fehler aufgetreten "
                       f"({err.strerror or err}). {what} wurde abgebrochen; die zuletzt "
                       "veröffentlichten Dateien bleiben unverändert. Prüfen Sie Platz und "
                       "Schreibrechte und starten Sie den Lauf erneut.", detail=str(err))


def _readable_notebook(path: Path) -> bool:
    """Whether a failed report's notebook is a whole notebook (not cut off by a full disk)."""
    try:
        nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - any parse error means: not worth keeping
        return False
    return True


def _publish(staging: Path, target: Path, summary: RunSummary, *, period: Quarter,
             snapshot: str, is_demo: bool, meta: dict[str, str], schema_version: int,
             renderer: str, store_file: Path, settings: Settings,
             dest: Path | None = None, district_geo: gpd.GeoDataFrame | None = None) -> None:
    """Move finished files into place (atomic per file), then the manifest and index.

    `dest`: write into this folder instead (see `run_quarter`'s `stage_into`); `target` is
    then only read (previous reports and manifest)."""
    dest = dest or target
    dest.mkdir(parents=True, exist_ok=True)
    errors_dir = dest / "_fehler"
    for result in summary.results:
        if result.status == "ok" and result.file:
            move_into_place(staging / result.file, dest / result.file)
            if dest == target:  # staged: the publication removes it when it moves files
                (errors_dir / f"{result.area_code}.ipynb").unlink(missing_ok=True)
        else:
            previous = sorted(target.glob(f"{result.area_code}_*.html"))
            if previous:
                result.kept_previous = True
                result.file = previous[0].name
            failed_nb = staging / "_notebooks" / f"{result.area_code}.ipynb"
            if failed_nb.exists() and _readable_notebook(failed_nb):
                errors_dir.mkdir(exist_ok=True)
                move_into_place(failed_nb, errors_dir / f"{result.area_code}.ipynb")
    created = datetime.now()
    listing = _merge_previous(target / "manifest.json", summary.results)
    versions = _versions()
    manifest = {
        "period": str(period), "created_at": created.isoformat(timespec="seconds"),
        "data_snapshot": snapshot, "schema_version": schema_version, "is_demo": is_demo,
        "data_stand": meta.get("data_stand"), "store": str(store_file), "renderer": renderer,
        "einstellungen": settings.record(),
        "geheimhaltung": settings.disclosure_note_de(),
        "versions": _versions(),
        "quarter_snapshot_seconds": summary.snapshot_seconds,
        "land": summary.land, "land_name": summary.land_name,
        "reports": [asdict(r) for r in listing],
    }
    atomic_write(dest / "manifest.json",
                 json.dumps(manifest, ensure_ascii=False, indent=2, default=str))
    links: dict[str, tuple[str, str | None]] = {} if district_geo is None else {
        str(code): (str(name), None)
        for code, name in zip(district_geo["area_code"], district_geo["name"], strict=True)}
    links.update({r.area_code: (r.name, r.file) for r in listing})
    map_svg = "" if district_geo is None else index_page.district_map(district_geo, links)
    summary.index_args = {
        "period": period, "results": listing, "snapshot": snapshot, "is_demo": is_demo,
        "data_stand": meta.get("data_stand"), "created": created, "versions": versions,
        "land_name": summary.land_name, "geo_attribution": summary.geo_attribution,
        "map_svg": map_svg, "style": settings.style,
        "accessibility": settings.accessibility}
    atomic_write(dest / "index.html", index_page.render(**summary.index_args))
    # the accessibility statement every report's and the index's footer links to
    atomic_write(dest / STATEMENT_FILE, statement.html_page(
        settings.accessibility, publisher=settings.style.publisher,
        land_name=summary.land_name, created=created.date(), style=settings.style))


def _merge_previous(manifest: Path, results: list[ReportResult]) -> list[ReportResult]:
    """This run's results plus the still-present reports of earlier runs (for `--area` runs)."""
    merged = {r.area_code: r for r in results}
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8")).get("reports", [])
    except (OSError, ValueError):
        previous = []
    for entry in previous:
        code = entry.get("area_code")
        if code not in merged and entry.get("file") and (manifest.parent / entry["file"]).exists():
            merged[code] = ReportResult(**{k: entry.get(k) for k in (
                "area_code", "name", "status", "seconds", "file", "bytes", "error",
                "kept_previous")}, missing=entry.get("missing") or [])
    return [merged[k] for k in sorted(merged)]

