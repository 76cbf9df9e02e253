"""The quarterly run: one report per district, executed by papermill, rendered, published.

Guarantees:

* Parameters (period, areas, store) are validated before any notebook runs.
* Districts run in parallel (one papermill kernel per worker; default: two workers). The
  workers are started with ``spawn`` (see `_POOL_METHOD`).
* One failing district does not stop the others; its error is named in the summary, the
  manifest and the index, and its previous good report (if any) stays in place. A worker
  process that dies (e.g. killed for lack of memory) fails the reports it had not finished,
  not the run.
* Outputs are written to a staging folder and moved into ``reports/<period>/`` file by file
  with atomic renames, so a reader never sees a half-written report.
* A lock file prevents two runs from writing the same output folder at once. It names the
  process (PID, host, start time); the lock of a process that no longer exists is taken over
  with a note, together with the staging folders such a run left behind.
* Ctrl-C, SIGTERM (a scheduler stopping the job) and SIGHUP stop the run cleanly: the workers
  are terminated, the staging folder is removed, the lock released, and the reports published
  before stay as they were. Once files are being moved into place, the run finishes first.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import platform
import shutil
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib.metadata import version as pkg_version
from pathlib import Path
from types import FrameType
from typing import Any, Self

import nbformat

from monitoring import __version__
from monitoring.errors import ReportError, RunInterrupted
from monitoring.periods import Quarter
from monitoring.report.publish.site import write_atomic
from monitoring.report.run import index as index_page
from monitoring.report.run.compose import REPORTS, compose, notebooks_dir
from monitoring.report.run.render import choose_renderer
from monitoring.report.run.worker import ReportResult, describe, execute_report, init_worker
from monitoring.store.database import open_store, resolve_path
from monitoring.views.base import context, districts

__all__ = ["ReportResult", "RunLock", "RunSummary", "report_filename", "run_quarter"]

# Start method of the report pool. Not "fork": this process has used DuckDB and BLAS, whose
# threads may hold a lock at the moment of the fork (a forked format worker once hung in
# futex_wait, see publish.py). Not "forkserver" either, although it starts almost as fast as
# fork with the heavy modules preloaded (benchmarks/README.md, bench_pool_start.py): its
# server process is started once per process and forks every later worker with the
# environment of THAT moment, so a second run in the same Python session (JupyterLab, the
# tests) would give its kernels a stale environment – and the kernels read the disclosure
# settings (--schwelle) from it. "spawn" costs about 1–2 s once per run, and works on Windows.
_POOL_METHOD = "spawn"

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
    notes: list[str] = field(default_factory=list)  # German "Hinweis" lines for the user

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
    """The report's file name: ``<code>_<name without umlauts and spaces>.html``."""
    return f"{area_code}_{_slug(name)}.html"


def _versions() -> dict[str, str]:
    out = {"integrationsmonitor": __version__, "python": platform.python_version()}
    for name in ("duckdb", "pandas", "geopandas", "plotly", "papermill", "nbconvert"):
        try:
            out[name] = pkg_version(name)
        except Exception:  # noqa: BLE001
            out[name] = "?"
    return out


LOCK_NAME = ".monitoring-run.lock"
_YOUNG_LOCK_S = 60.0  # a lock without readable content is being written, unless it is older


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock file, as written by `RunLock` (older versions wrote the PID only)."""

    pid: int | None
    host: str | None = None
    boot_id: str | None = None
    proc_start: str | None = None
    started: str | None = None
    command: str | None = None
    raw: str = ""

    def describe(self) -> str:
        """German description for messages: process, host, start time, command."""
        parts = [f"Prozess {self.pid}" if self.pid else "unbekannter Prozess"]
        if self.host:
            parts.append(f"auf dem Rechner {self.host}")
        if self.started:
            with contextlib.suppress(ValueError):
                parts.append(f"gestartet {datetime.fromisoformat(self.started):%d.%m.%Y %H:%M}")
        text = ", ".join(parts)
        return f"{text} ({self.command})" if self.command else text


def _boot_id() -> str | None:
    """Changes with every boot (Linux); None elsewhere."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip() or None
    except OSError:
        return None


def _proc_start(pid: int) -> str | None:
    """Start time of process `pid` in clock ticks since boot (Linux ``/proc``); None elsewhere.

    With the PID it identifies a process: after a crash or reboot the PID of a dead run may
    belong to an unrelated process, whose start time then differs.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # the name in (…) may contain spaces
    return fields[19] if len(fields) > 19 else None  # field 22 of proc(5)


def _pid_alive(pid: int) -> bool:
    """Whether a process with this PID exists on this machine (without disturbing it)."""
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl-C (CTRL_C_EVENT == 0) on Windows
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]  # Windows only
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # type: ignore[attr-defined]  # Windows only; 5: access denied
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to another user
    return True


def _identity() -> dict[str, object]:
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "boot_id": _boot_id(),
            "proc_start": _proc_start(pid),
            "started": datetime.now().isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200]
            if sys.argv and sys.argv[0] else None}


class RunLock:
    """An exclusive lock file in the output folder, naming the process that holds it.

    The file appears atomically with its content (written aside, then hard-linked into place),
    so a reader never sees an empty lock. A lock is *stale* when its process is gone: same host
    and the PID does not exist, or exists with a different start time (PID reused after a
    crash), or the machine has rebooted since. A stale lock is taken over (`taken_over` tells
    whose it was); a live one, or one from another host, stops the run with a German message
    naming the process and how to proceed.
    """

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK_NAME
        self.taken_over: LockHolder | None = None
        self._text: str | None = None

    def __enter__(self) -> Self:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(_identity(), ensure_ascii=False)
        for _ in range(5):
            if self._create(text):
                self._text = text
                return self
            holder = self.holder()
            if holder is None:
                continue  # released between our attempt and the read: try again
            if not self._stale(holder):
                raise ReportError(self._busy_message(holder))
            if self._remove_stale(holder):
                self.taken_over = holder
        raise ReportError(
            f"Die Sperrdatei {self.path} konnte nicht angelegt werden: andere Läufe legen sie "
            "gerade gleichzeitig an. Starten Sie den Lauf in einigen Minuten erneut.")

    def __exit__(self, *exc: object) -> None:
        # Only our own lock is removed (never one another run created after taking ours over).
        with contextlib.suppress(OSError):
            if self._text is not None and self.path.read_text(encoding="utf-8") == self._text:
                self.path.unlink()
        self._text = None

    def _create(self, text: str) -> bool:
        tmp = self.path.with_name(f"{LOCK_NAME}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            try:
                os.link(tmp, self.path)  # atomic; fails if the lock exists
                return True
            except FileExistsError:
                return False
            except OSError:  # no hard links on this file system (FAT, some shares)
                try:
                    fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                except FileExistsError:
                    return False
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                return True
        finally:
            tmp.unlink(missing_ok=True)

    def holder(self) -> LockHolder | None:
        """Who holds the lock now (None: no lock file)."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError:
            raw = ""
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if isinstance(data, int):  # written by an older version: the PID only
            return LockHolder(pid=data, raw=raw)
        if not isinstance(data, dict):
            return LockHolder(pid=None, raw=raw)
        pid = data.get("pid")
        return LockHolder(pid=pid if isinstance(pid, int) else None, host=data.get("host"),
                          boot_id=data.get("boot_id"), proc_start=data.get("proc_start"),
                          started=data.get("started"), command=data.get("command"), raw=raw)

    def _stale(self, holder: LockHolder) -> bool:
        if holder.pid is None or holder.pid <= 0:  # unreadable: stale once it is not new
            try:
                return time.time() - self.path.stat().st_mtime > _YOUNG_LOCK_S
            except OSError:
                return False
        if holder.host and holder.host != socket.gethostname():
            return False  # cannot be checked from here
        if holder.boot_id and _boot_id() and holder.boot_id != _boot_id():
            return True  # the machine has rebooted since
        if not _pid_alive(holder.pid):
            return True
        start = _proc_start(holder.pid)
        return bool(holder.proc_start and start and start != holder.proc_start)

    def _remove_stale(self, holder: LockHolder) -> bool:
        """Move the stale lock aside; put it back if it was not the one judged stale."""
        aside = self.path.with_name(f"{LOCK_NAME}.stale-{os.getpid()}")
        try:
            os.replace(self.path, aside)
        except FileNotFoundError:
            return False
        try:
            if aside.read_text(encoding="utf-8") != holder.raw:
                os.replace(aside, self.path)  # another run has just taken it: theirs
                return False
        except OSError:
            pass
        aside.unlink(missing_ok=True)
        return True

    def _busy_message(self, holder: LockHolder) -> str:
        folder = self.path.parent
        if holder.pid is None:
            return (f"Für {folder} wird gerade ein Berichtslauf gestartet (die Sperrdatei "
                    f"{self.path} ist noch leer oder unlesbar). Warten Sie einen Moment und "
                    "starten Sie den Lauf erneut; bleibt die Meldung länger als eine Minute, "
                    "löschen Sie die Sperrdatei.")
        if holder.host and holder.host != socket.gethostname():
            return (f"Für {folder} läuft bereits ein Berichtslauf: {holder.describe()}. Von "
                    "diesem Rechner aus lässt sich nicht prüfen, ob er noch läuft. Warten Sie, "
                    f"bis er fertig ist. Ist er sicher beendet (auf {holder.host} prüfen), "
                    f"löschen Sie die Sperrdatei {self.path} und starten Sie den Lauf erneut.")
        check = (f"im Task-Manager, PID {holder.pid}" if os.name == "nt"
                 else f"mit `ps -p {holder.pid}`")
        return (f"Für {folder} läuft bereits ein Berichtslauf: {holder.describe()}. Warten "
                f"Sie, bis er fertig ist. Läuft dieser Prozess nicht mehr ({check} prüfen), "
                f"löschen Sie die Sperrdatei {self.path} und starten Sie den Lauf erneut.")


class _StopSignals:
    """While active (main thread only): SIGINT, SIGTERM and SIGHUP raise `RunInterrupted`.

    Python's default for SIGTERM and SIGHUP is to die at once – no ``finally`` runs, so the
    lock, the staging folder and the workers would be left behind. After `defer()` (the files
    are being moved into place) a signal is only recorded in `pending`, so that the run
    finishes instead of leaving a half-updated folder; the same after the first signal, so
    that a second Ctrl-C does not interrupt the cleanup. Signals a caller ignores (``nohup``,
    a background job) stay ignored. Nested (a run inside a publication), a signal recorded by
    the inner one is passed on to the outer one when the inner block ends.
    """

    def __init__(self) -> None:
        self.pending: int | None = None
        self._deferring = False
        self._previous: dict[int, Any] = {}  # signal handlers as signal.signal returns them

    def __enter__(self) -> Self:
        if threading.current_thread() is not threading.main_thread():
            return self  # signal handlers can only be set in the main thread
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            signum = getattr(signal, name, None)
            if signum is None or signal.getsignal(signum) is signal.SIG_IGN:
                continue
            with contextlib.suppress(ValueError, OSError):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        outer = self._previous.get(self.pending) if self.pending else None
        for signum, previous in self._previous.items():
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()
        if exc_type is None and isinstance(getattr(outer, "__self__", None), _StopSignals):
            # Nested (a run inside a publication): the outer run stops now instead.
            signal.raise_signal(self.pending)  # type: ignore[arg-type]  # set whenever `outer` is

    def defer(self) -> None:
        self._deferring = True

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self._deferring:
            self.pending = self.pending or signum
            return
        self._deferring = True
        raise RunInterrupted(signum)


def _remove_stale_staging(out_dir: Path) -> list[str]:
    """Staging folders of runs that died (only called while holding the folder's lock)."""
    removed = []
    for stale in sorted(out_dir.glob(".*.staging-*")):
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
                cell_timeout: float | None = CELL_TIMEOUT_S) -> RunSummary:
    """Run `report` for every district (or `areas`) for `period`; see the module docstring.

    A cell running longer than `cell_timeout` seconds fails its report (None: no limit).

    Raises `RunInterrupted` (a `KeyboardInterrupt`) when stopped by a signal, after cleaning up.
    """
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
    notes: list[str] = []
    with _StopSignals() as stop, RunLock(Path(out_dir)) as lock:
        if lock.taken_over:
            notes.append(f"Die Sperrdatei eines nicht mehr laufenden Berichtslaufs "
                         f"({lock.taken_over.describe()}) wurde übernommen.")
        removed = _remove_stale_staging(Path(out_dir))
        if removed:
            notes.append("Zwischenordner abgebrochener Läufe entfernt: " + ", ".join(removed))
        staging = Path(out_dir) / f".{quarter}.staging-{os.getpid()}"
        (staging / "_notebooks").mkdir(parents=True)
        try:
            composed_path = staging / "_notebooks" / f"{spec.name}.ipynb"
            nbformat.write(composed, composed_path)
            jobs = [{"area_code": c.area_code, "name": c.area_name, "period": str(quarter),
                     "store_path": str(store_file), "notebook": str(composed_path),
                     "cwd": str(source_dir), "staging": str(staging), "renderer": chosen,
                     "file": report_filename(c.area_code, c.area_name),
                     "title": f"{spec.title}: {c.area_name}, {quarter.label_de()}",
                     "cell_timeout": f"{cell_timeout:g}" if cell_timeout else ""}
                    for c in contexts]
            if on_start:
                on_start(len(jobs))
            results = _run_jobs(jobs, workers, on_result)
            summary = RunSummary(str(quarter), target, sorted(results,
                                                              key=lambda r: r.area_code))
            stop.defer()  # from here on the run finishes: a half-moved folder is worse
            _publish(staging, target, summary, period=quarter, snapshot=snapshot,
                     is_demo=is_demo, meta=meta, schema_version=schema_version,
                     renderer=chosen, store_file=store_file)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    if stop.pending:
        notes.append(f"Das Abbruchsignal ({signal.Signals(stop.pending).name}) kam, als die "
                     "Berichte schon an ihren Platz verschoben wurden; der Lauf wurde noch "
                     "abgeschlossen.")
    summary.notes = notes
    summary.seconds = time.perf_counter() - started
    return summary


def _run_jobs(jobs: list[dict[str, str]], workers: int,
              on_result: Callable[[ReportResult], None] | None) -> list[ReportResult]:
    """Execute the jobs, in a pool of `workers` processes unless there is only one of either."""
    results: list[ReportResult] = []

    def collect(result: ReportResult) -> None:
        results.append(result)
        if on_result:
            on_result(result)

    if workers <= 1 or len(jobs) == 1:
        for job in jobs:
            collect(execute_report(job))
        return results
    pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=init_worker,
                               mp_context=multiprocessing.get_context(_POOL_METHOD))
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
            collect(result)
    except BaseException:  # RunInterrupted, or an error in `on_result`: stop now
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)
    return results


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool at once: drop queued jobs and terminate the workers.

    ``shutdown(cancel_futures=True)`` alone would still wait for the running notebooks. A
    terminated worker's kernel exits on its own within about a second (ipykernel polls its
    parent process). `_processes` is private; Python 3.14 has ``terminate_workers()``.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


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
    versions = _versions()
    manifest = {
        "period": str(period), "created_at": created.isoformat(timespec="seconds"),
        "data_snapshot": snapshot, "schema_version": schema_version, "is_demo": is_demo,
        "data_stand": meta.get("data_stand"), "store": str(store_file), "renderer": renderer,
        "versions": versions,
        "reports": [asdict(r) for r in listing],
    }
    write_atomic(target / "manifest.json",
                  json.dumps(manifest, ensure_ascii=False, indent=2, default=str))
    write_atomic(target / "index.html", index_page.render(
        period=period, results=listing, snapshot=snapshot, is_demo=is_demo,
        data_stand=meta.get("data_stand"), created=created, versions=versions))


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

