"""The report worker: execute one composed notebook with papermill and render it to HTML.

Runs in the processes of the run's pool (`runner._run_jobs`), which are started with
``spawn``: a fresh interpreter imports this module to find `execute_report`. It is kept apart
from `runner` so that such a worker imports only what it needs (papermill, nbformat, the
renderer) and not pandas, DuckDB and the views: that halved a spawned worker's start-up
(benchmarks/bench_pool_start.py).
Everything that crosses the process boundary is plain data: the job is a ``dict[str, str]``,
the answer a `ReportResult`.
"""

from __future__ import annotations

import signal
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from monitoring.errors import MonitoringError
from monitoring.report.render import render_html


@dataclass
class ReportResult:
    """The outcome of one district's report: status, time, file and size, or the error."""

    area_code: str
    name: str
    status: str  # "ok" | "failed"
    seconds: float
    file: str | None = None
    bytes: int | None = None
    error: str | None = None
    kept_previous: bool = False


def init_worker() -> None:
    """Pool initializer: ignore Ctrl-C in the worker.

    A terminal sends SIGINT to the whole process group. The parent process alone decides what
    an interrupt means (stop the pool, clean up, release the lock); a worker that reacted on its
    own would print a traceback and could take the next job from the queue meanwhile.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def execute_report(job: dict[str, str]) -> ReportResult:
    """Execute the composed notebook for one area and render it; never raises an `Exception`.

    Every failure becomes a ``failed`` result naming its cause, so that one district cannot
    stop the others.
    """
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
            execution_timeout=float(job["cell_timeout"]) if job.get("cell_timeout") else None,
            request_save_on_cell_execute=False,
            extra_arguments=["--IPKernelApp.log_level=ERROR"])  # no kernel chatter on stderr
        size = render_html(executed, staging / job["file"], title=job["title"],
                           renderer=job["renderer"])
        return ReportResult(job["area_code"], job["name"], "ok",
                            time.perf_counter() - started, job["file"], size)
    except Exception as err:  # noqa: BLE001 - every failure is reported, none stops the run
        return ReportResult(job["area_code"], job["name"], "failed",
                            time.perf_counter() - started, None, None,
                            describe(err, cell_timeout=job.get("cell_timeout")))


def describe(err: Exception, *, cell_timeout: str | None = None) -> str:
    """A one-line German description of a failed report for summary, manifest and index."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(err, TimeoutError) and cell_timeout:  # nbclient's CellTimeoutError
        return (f"Zeitüberschreitung: eine Zelle des Berichts lief länger als "
                f"{float(cell_timeout):g} s und wurde abgebrochen (hängt z. B. ein Zugriff auf "
                "die Datenbank?). Die übrigen Berichte wurden weiter erstellt; starten Sie den "
                "Lauf für dieses Gebiet erneut (--area).")
    if isinstance(err, PapermillExecutionError):
        return (f"Fehler im Notebook (Zelle {err.exec_count}): {err.ename}: "
                f"{err.evalue.splitlines()[0] if err.evalue else ''}")
    if isinstance(err, MonitoringError):
        return str(err)
    return f"{type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}"
