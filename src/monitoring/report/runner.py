"""The quarterly run: one report per district, executed by papermill, rendered, published.

Guarantees:

* Parameters (period, areas, store) are validated before any notebook runs.
* Districts run in parallel (one papermill kernel per worker; default: two workers).
* One failing district does not stop the others; its error is named in the summary, the
  manifest and the index, and its previous good report (if any) stays in place.
* Outputs are written to a staging folder and moved into ``reports/<period>/`` file by file
  with atomic renames, so a reader never sees a half-written report.
* A lock file prevents two runs from writing the same output folder at once.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib.metadata import version as pkg_version
from pathlib import Path

import nbformat

from monitoring import __version__
from monitoring.errors import MonitoringError, ReportError
from monitoring.periods import Quarter
from monitoring.report import index as index_page
from monitoring.report.compose import REPORTS, compose, notebooks_dir
from monitoring.report.render import choose_renderer, render_html
from monitoring.store import open_store, resolve_path
from monitoring.views import context, districts


@dataclass
class ReportResult:
    area_code: str
    name: str
    status: str  # "ok" | "failed"
    seconds: float
    file: str | None = None
    bytes: int | None = None
    error: str | None = None
    kept_previous: bool = False


@dataclass
class RunSummary:
    period: str
    out_dir: Path
    results: list[ReportResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[ReportResult]:
        return [r for r in self.results if r.status != "ok"]

    @property
    def ok(self) -> bool:
        return not self.failed


def _slug(name: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe",
                           "Ü": "Ue", " ": "-", "/": "-"})
    return "".join(ch for ch in name.translate(table) if ch.isalnum() or ch in "-_")


def report_filename(area_code: str, name: str) -> str:
    return f"{area_code}_{_slug(name)}.html"


class RunLock:
    """An exclusive lock file in the output folder; a stale lock of a dead process is taken over."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".monitoring-run.lock"

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if self._stale():
                    self.path.unlink(missing_ok=True)
                    continue
                raise ReportError(
                    f"Für {self.path.parent} läuft bereits ein Berichtslauf (Sperrdatei "
                    f"{self.path}). Warten Sie, bis er fertig ist. Ist sicher keiner mehr aktiv, "
                    "löschen Sie die Sperrdatei.") from None
            with os.fdopen(fd, "w") as handle:
                handle.write(str(os.getpid()))
            return self
        raise ReportError(f"Die Sperrdatei {self.path} konnte nicht angelegt werden.")

    def _stale(self) -> bool:
        try:
            pid = int(self.path.read_text().strip() or "0")
        except (OSError, ValueError):
            return True
        if pid <= 0:
            return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def __exit__(self, *exc: object) -> None:
        self.path.unlink(missing_ok=True)


def _execute_one(job: dict[str, str]) -> ReportResult:
    """Worker: execute the composed notebook for one area and render it (runs in a subprocess)."""
    import papermill as pm

    started = time.perf_counter()
    staging = Path(job["staging"])
    executed_path = staging / "_notebooks" / f"{job['area_code']}.ipynb"
    try:
        # request_save_on_cell_execute=False: papermill would otherwise rewrite (and validate)
        # the whole growing notebook before every cell – with the inlined figures that was
        # more than half of a district's run. It still writes the notebook once at the end,
        # and on a failing cell (with the error marked) before raising, for `_fehler/`.
        executed = pm.execute_notebook(
            job["notebook"], str(executed_path), kernel_name="python3",
            parameters={"area_code": job["area_code"], "period": job["period"],
                        "store_path": job["store_path"]},
            cwd=job["cwd"], progress_bar=False, log_output=False, start_timeout=120,
            request_save_on_cell_execute=False,
            extra_arguments=["--IPKernelApp.log_level=ERROR"])  # no kernel chatter on stderr
        size = render_html(executed, staging / job["file"], title=job["title"],
                           renderer=job["renderer"])
        return ReportResult(job["area_code"], job["name"], "ok",
                            time.perf_counter() - started, job["file"], size)
    except Exception as err:  # noqa: BLE001 - every failure is reported, none stops the run
        return ReportResult(job["area_code"], job["name"], "failed",
                            time.perf_counter() - started, None, None, _describe(err))


def _describe(err: Exception) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(err, PapermillExecutionError):
        return (f"Fehler im Notebook (Zelle {err.exec_count}): {err.ename}: "
                f"{err.evalue.splitlines()[0] if err.evalue else ''}")
    if isinstance(err, MonitoringError):
        return str(err)
    return f"{type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}"


def _versions() -> dict[str, str]:
    out = {"integrationsmonitor": __version__, "python": platform.python_version()}
    for name in ("duckdb", "pandas", "geopandas", "plotly", "papermill", "nbconvert"):
        try:
            out[name] = pkg_version(name)
        except Exception:  # noqa: BLE001
            out[name] = "?"
    return out


def run_quarter(period: str, *, store_path: str | os.PathLike[str] | None = None,
                out_dir: str | os.PathLike[str] = "reports",
                areas: Sequence[str] | None = None, workers: int = 2,
                notebooks: str | os.PathLike[str] | None = None, renderer: str = "auto",
                report: str = "quartalsbericht",
                on_result: Callable[[ReportResult], None] | None = None,
                on_start: Callable[[int], None] | None = None) -> RunSummary:
    """Run `report` for every district (or `areas`) for `period`; see the module docstring."""
    started = time.perf_counter()
    quarter = Quarter.parse(period)
    store_file = resolve_path(store_path).resolve()
    chosen = choose_renderer(renderer)
    spec = REPORTS[report]
    source_dir = notebooks_dir(notebooks)
    with open_store(store_file, read_only=True) as store:
        wanted = list(areas) if areas else list(districts(store)["area_code"])
        contexts = [context(store, code, str(quarter)) for code in wanted]
        snapshot = store.snapshot_id()
        is_demo = store.is_demo
        meta = store.meta()
        schema_version = store.schema_version
    composed = compose(spec, source_dir)

    target = Path(out_dir) / str(quarter)
    with RunLock(Path(out_dir)):
        staging = Path(out_dir) / f".{quarter}.staging-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "_notebooks").mkdir(parents=True)
        try:
            composed_path = staging / "_notebooks" / f"{spec.name}.ipynb"
            nbformat.write(composed, composed_path)
            jobs = [{"area_code": c.area_code, "name": c.area_name, "period": str(quarter),
                     "store_path": str(store_file), "notebook": str(composed_path),
                     "cwd": str(source_dir), "staging": str(staging), "renderer": chosen,
                     "file": report_filename(c.area_code, c.area_name),
                     "title": f"{spec.title}: {c.area_name}, {quarter.label_de()}"}
                    for c in contexts]
            if on_start:
                on_start(len(jobs))
            results = _run_jobs(jobs, workers, on_result)
            summary = RunSummary(str(quarter), target, sorted(results,
                                                              key=lambda r: r.area_code))
            _publish(staging, target, summary, period=quarter, snapshot=snapshot,
                     is_demo=is_demo, meta=meta, schema_version=schema_version,
                     renderer=chosen, store_file=store_file)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _run_jobs(jobs: list[dict[str, str]], workers: int,
              on_result: Callable[[ReportResult], None] | None) -> list[ReportResult]:
    results: list[ReportResult] = []
    if workers <= 1 or len(jobs) == 1:
        for job in jobs:
            result = _execute_one(job)
            results.append(result)
            if on_result:
                on_result(result)
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_execute_one, job) for job in jobs]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            if on_result:
                on_result(result)
    return results


def _publish(staging: Path, target: Path, summary: RunSummary, *, period: Quarter,
             snapshot: str, is_demo: bool, meta: dict[str, str], schema_version: int,
             renderer: str, store_file: Path) -> None:
    """Move finished files into place (atomic per file), then the manifest and index."""
    target.mkdir(parents=True, exist_ok=True)
    errors_dir = target / "_fehler"
    for result in summary.results:
        if result.status == "ok" and result.file:
            os.replace(staging / result.file, target / result.file)
            (errors_dir / f"{result.area_code}.ipynb").unlink(missing_ok=True)
        else:
            previous = sorted(target.glob(f"{result.area_code}_*.html"))
            if previous:
                result.kept_previous = True
                result.file = previous[0].name
            failed_nb = staging / "_notebooks" / f"{result.area_code}.ipynb"
            if failed_nb.exists():
                errors_dir.mkdir(exist_ok=True)
                os.replace(failed_nb, errors_dir / f"{result.area_code}.ipynb")
    created = datetime.now()
    listing = _merge_previous(target / "manifest.json", summary.results)
    manifest = {
        "period": str(period), "created_at": created.isoformat(timespec="seconds"),
        "data_snapshot": snapshot, "schema_version": schema_version, "is_demo": is_demo,
        "data_stand": meta.get("data_stand"), "store": str(store_file), "renderer": renderer,
        "versions": _versions(),
        "reports": [asdict(r) for r in listing],
    }
    _write_atomic(target / "manifest.json",
                  json.dumps(manifest, ensure_ascii=False, indent=2, default=str))
    _write_atomic(target / "index.html", index_page.render(
        period=period, results=listing, snapshot=snapshot, is_demo=is_demo,
        data_stand=meta.get("data_stand"), created=created, versions=manifest["versions"]))


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
                "kept_previous")})
    return [merged[k] for k in sorted(merged)]


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
