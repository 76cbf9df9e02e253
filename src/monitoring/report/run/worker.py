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

import contextlib
import functools
import logging
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitoring.errors import MonitoringError
from monitoring.report.run.pool import take_interrupts_ignored
from monitoring.report.run.render import prepare_for_batch, render_html, warm_renderer
from monitoring.report.run.warm import quiet_shutdown_kernel_manager

# A cell that runs past the cell timeout ends with an error of this name in the executed
# notebook (German: whoever opens the notebook kept in `_fehler/` reads it); `describe`
# recognises it. The papermill engine that does this is registered under `ENGINE`.
TIMEOUT_ENAME = "Zeitüberschreitung"
ENGINE = "monitoring-zeitlimit"


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
    missing: list[dict[str, object]] = field(default_factory=list)
    """What the report lacks (`monitoring.views.inputs.MissingInput.record`): key, label,
    German notice and the sections that leave something out; set by the runner."""
    disk_full: bool = False
    """Failed because the disk (or quota, or file size limit) was full: the runner then stops
    the whole run with the full-disk message instead of reporting one failed district."""
    rendering: bool = False
    """Executed; its page is still to be rendered by the run's Quarto batches (`quarto_batch`)."""


def init_worker(cwd: str | None = None) -> None:
    """Pool initializer: ignore Ctrl-C in the worker; with `cwd`, start the worker's kernel.

    A terminal sends SIGINT to the whole process group. The parent process alone decides what
    an interrupt means (stop the pool, clean up, release the lock); a worker that reacted on its
    own would print a traceback and could take the next job from the queue meanwhile.

    `cwd` (the notebooks folder of the run): start the kernel the worker's reports reuse
    (`warm`) and load the HTML exporter now, while the run builds the quarter snapshot.
    """
    take_interrupts_ignored()
    if cwd is not None:
        from monitoring.report.run.warm import keeper

        keeper.warm(cwd)
        # an initializer that raises breaks the whole pool: a failure here is left to the
        # first report, which renders (and names the error) itself
        with contextlib.suppress(Exception):
            warm_renderer()


def warm_up() -> None:
    """A job that does nothing: submitted once per worker, it makes the pool start its
    processes (and so their initializer) before the real jobs are ready."""


def execute_report(job: dict[str, str]) -> ReportResult:
    """Execute the composed notebook for one area and render it; never raises an `Exception`.

    Every failure becomes a ``failed`` result naming its cause, so that one district cannot
    stop the others.
    """
    import papermill as pm

    from monitoring.report.run.warm import KERNEL_ARGUMENTS, keeper

    started = time.perf_counter()
    staging = Path(job["staging"])
    executed_path = staging / "_notebooks" / f"{job['area_code']}.ipynb"
    kernel = None
    kept = False
    try:
        # the worker's kept kernel (reset), or a new one; papermill does not shut down a
        # kernel it was given
        kernel = keeper.take(job["cwd"])
        # request_save_on_cell_execute=False: papermill would otherwise rewrite (and validate)
        # the whole growing notebook before every cell – with the inlined figures that was
        # more than half of a district's run. It still writes the notebook once at the end,
        # and on a failing cell (with the error marked) before raising, for `_fehler/`.
        _quiet_papermill_log()
        executed = pm.execute_notebook(
            job["notebook"], str(executed_path), engine_name=_timeout_engine(),
            kernel_name="python3",
            parameters={"area_code": job["area_code"], "period": job["period"],
                        "store_path": job["store_path"],
                        "settings_json": job["settings_json"],
                        "snapshot_path": job.get("snapshot_path", "")},
            cwd=job["cwd"], progress_bar=False, log_output=False, start_timeout=120,
            execution_timeout=float(job["cell_timeout"]) if job.get("cell_timeout") else None,
            request_save_on_cell_execute=False, km=kernel.km, kc=kernel.kc,
            extra_arguments=list(KERNEL_ARGUMENTS))
        # only a kernel whose report ran well serves the next one (see `warm`); it resets
        # while this report is rendered
        if job.get("reuse_kernel") == "1":
            keeper.keep(kernel, job["cwd"])
            kept = True
        if job.get("quarto_batch"):  # Quarto renders it with others (`quarto_batch`)
            prepare_for_batch(executed, Path(job["quarto_batch"]), job["area_code"],
                              job["title"])
            return ReportResult(job["area_code"], job["name"], "ok",
                                time.perf_counter() - started, job["file"], rendering=True)
        size = render_html(executed, staging / job["file"], title=job["title"],
                           renderer=job["renderer"])
        return ReportResult(job["area_code"], job["name"], "ok",
                            time.perf_counter() - started, job["file"], size)
    except Exception as err:  # noqa: BLE001 - every failure is reported, none stops the run
        if kept:  # the report failed after all: its kernel is not passed on
            keeper.close()
        return ReportResult(job["area_code"], job["name"], "failed",
                            time.perf_counter() - started, None, None,
                            describe(err, cell_timeout=job.get("cell_timeout")),
                            disk_full=disk_full(err))
    finally:
        if kernel is not None and not kept:
            keeper.discard(kernel)


def disk_full(err: BaseException | None) -> bool:
    """Whether `err` or an error it was raised from is a full disk, quota or size limit."""
    import errno

    seen = 0
    while err is not None and seen < 10:
        if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return True
        err = err.__cause__ or err.__context__
        seen += 1
    return False


def _first_line(source: str, limit: int = 60) -> str:
    """The first line of code of a cell (no comments), shortened: names the cell in messages."""
    for raw in source.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            return line if len(line) <= limit else line[:limit - 1] + "…"
    return ""


def _timeout_note(cell: Any, index: int, seconds: float) -> str:
    """German sentence naming the timed-out cell (``In [n]`` and its first line of code) and
    the limit; the error value of the cell and, through `describe`, the report's error."""
    number = (f"In [{cell.get('execution_count')}]" if cell.get("execution_count")
              else f"Nr. {index + 1} des Notebooks")
    code = _first_line(str(cell.get("source", "")))
    return (f"Die Zelle {number}{f' („{code}“)' if code else ''} lief länger als das "
            f"Zeitlimit von {seconds:g} s und wurde abgebrochen; die folgenden Zellen wurden "
            "nicht ausgeführt.")


def _mark_timeout(cell: Any, index: int, seconds: float) -> None:
    """Give the timed-out `cell` the German error output (in place).

    The kernel's own ``KeyboardInterrupt`` (from the interrupt at the timeout) is replaced;
    its traceback stays, because it shows the line the cell was running when it was stopped.
    """
    import nbformat

    frames: list[str] = []
    kept = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error" and output.get("ename") == "KeyboardInterrupt":
            frames = list(output.get("traceback", []))[:-1]  # without "KeyboardInterrupt: "
        else:
            kept.append(output)
    note = _timeout_note(cell, index, seconds)
    kept.append(nbformat.v4.new_output("error", ename=TIMEOUT_ENAME, evalue=note,
                                       traceback=[*frames, f"{TIMEOUT_ENAME}: {note}"]))
    cell["outputs"] = kept


@functools.cache
def _timeout_engine() -> str:
    """Register (once per process) the papermill engine that keeps a timed-out notebook.

    papermill's own engine lets nbclient's ``CellTimeoutError`` escape before anything is
    written (with ``request_save_on_cell_execute=False`` not even the cells before), and
    nbclient then shuts the kernel down in the middle of the cell, which makes ipykernel
    print a zmq traceback on stderr. This engine has nbclient interrupt the kernel at the
    timeout instead (``interrupt_on_timeout``) and report an error named `TIMEOUT_ENAME`
    (``error_on_timeout``): the cell ends like a failing one, papermill marks it, writes the
    executed notebook and raises `PapermillExecutionError` – the path of every other failure
    (the runner keeps the notebook in ``_fehler/``). A kernel that does not react to the
    interrupt (a call that ignores SIGINT) still raises ``CellTimeoutError`` after nbclient's
    IOPub wait; then the running cell is marked here and the notebook returned the same way.
    """
    from nbclient.exceptions import CellTimeoutError
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger as pm_logger
    from papermill.utils import merge_kwargs, remove_args

    class TimeoutKeepingEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
                cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
            kwargs.setdefault("kernel_manager_class", quiet_shutdown_kernel_manager())
            seconds = kwargs.get("execution_timeout")
            if not seconds:
                return cls._execute(nb_man, kernel_name, **kwargs)

            def on_cell_error(cell: Any, cell_index: int, execute_reply: dict[str, Any]) -> None:
                if execute_reply.get("content", {}).get("ename") == TIMEOUT_ENAME:
                    _mark_timeout(cell, cell_index, float(seconds))

            try:
                return cls._execute(
                    nb_man, kernel_name, interrupt_on_timeout=True,
                    error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "", "traceback": []},
                    on_cell_error=on_cell_error, **kwargs)
            except CellTimeoutError:
                cells = nb_man.nb.cells
                # the cell that was running: papermill marks every cell "pending" at the start
                # and stopped right after this one
                index = max((i for i, c in enumerate(cells)
                             if c.metadata.get("papermill", {}).get("status") != "pending"),
                            default=None)
                if index is None:
                    raise
                _mark_timeout(cells[index], index, float(seconds))
                cells[index].metadata.papermill.update(status="failed", exception=True)
                nb_man.nb.metadata.papermill["exception"] = True
                return nb_man.nb

        @classmethod
        def _execute(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                     stdout_file: Any = None, stderr_file: Any = None,
                     start_timeout: float = 60, execution_timeout: float | None = None,
                     **kwargs: Any) -> Any:
            """papermill 2.7's `NBClientEngine.execute_managed_notebook`, except that a kept
            kernel's own client (``kc``, `warm.Kernel`) is used instead of a new one, and
            that a client nbclient opened to a kernel it was given (``km``) is closed
            afterwards: nbclient leaves it open (its heartbeat thread, and sockets that would
            go on receiving every output of the kernel's next reports)."""
            kwargs = remove_args(["input_path"], **kwargs)
            kc = kwargs.pop("kc", None)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs, timeout=execution_timeout or kwargs.get("timeout"),
                startup_timeout=start_timeout, kernel_name=kernel_name, log=pm_logger,
                log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            client = PapermillNotebookClient(nb_man, **final_kwargs)
            client.kc = kc  # the kept kernel's client (`warm`): ready, no new connection
            try:
                return client.execute()
            finally:
                if kc is None and not client.owns_km and client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE, TimeoutKeepingEngine)
    return ENGINE


@functools.cache
def _quiet_papermill_log() -> None:
    """No English log lines from papermill/nbclient on stderr ("Timeout waiting for execute
    reply", "Interrupting kernel"): every failure reaches the user as a German `describe`.

    Without any handler Python prints warnings and errors through its last-resort handler;
    a `NullHandler` stops that, and records still propagate to handlers an application
    configured on the root logger.
    """
    logging.getLogger("papermill").addHandler(logging.NullHandler())


def describe(err: Exception, *, cell_timeout: str | None = None) -> str:
    """A one-line German description of a failed report for summary, manifest and index."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(err, PapermillExecutionError) and err.ename == TIMEOUT_ENAME:
        return (f"Zeitüberschreitung: {err.evalue} Hängt z. B. ein Zugriff auf die Datenbank? "
                "Die übrigen Berichte wurden weiter erstellt; starten Sie den Lauf für dieses "
                "Gebiet erneut (--area).")
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
