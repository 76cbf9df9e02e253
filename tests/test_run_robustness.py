"""A scheduled run meets signals, crashes and stale locks: clean up, say what happened in German.

The interrupted runs are real `monitoring run` processes (console script and ``python -m``),
with a spawned worker pool and papermill kernels; they are stopped as soon as a kernel runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from monitoring.cli.main import main
from monitoring.errors import ReportError, RunInterrupted
from monitoring.report import run_quarter
from monitoring.report.run.compose import REPORTS, notebooks_dir
from monitoring.report.run.lock import LOCK_NAME, RunLock
from monitoring.report.run.signals import StopSignals

HAS_PROC = Path("/proc/self/environ").exists()
MARK = "MONITORING_TEST_RUN"


# -- helpers -----------------------------------------------------------------------------------
def _processes_marked(mark: str) -> list[str]:
    """Command lines of all live processes whose environment carries ``MARK=mark``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"{MARK}={mark}".encode() in environ.split(b"\0"):
            found.append(f"{entry.name}: {cmdline}")
    return found


def _wait_for(condition, what: str, limit: float = 180.0):  # type: ignore[no-untyped-def]
    """Poll until `condition()` is truthy; a generous limit only guards against a hang."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for: {what}")


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


# -- Ctrl-C and SIGTERM in the middle of a run -------------------------------------------------
@pytest.mark.slow
@pytest.mark.skipif(not HAS_PROC, reason="finds the run's processes through /proc")
@pytest.mark.parametrize(("launcher", "signum", "to_group"), [
    ("console-script", signal.SIGINT, True),    # Ctrl-C in a terminal: the whole group
    ("python-m", signal.SIGTERM, False),        # a scheduler stopping the job: the main process
])
def test_interrupted_run_cleans_up_and_keeps_published_reports(
        demo_store_path: Path, tmp_path: Path, launcher: str, signum: int,
        to_group: bool) -> None:
    out = tmp_path / "reports"
    folder = out / "2025-Q4"
    folder.mkdir(parents=True)
    published = folder / "16051_Erfurt.html"
    published.write_text("<html>zuletzt veröffentlicht</html>\n", encoding="utf-8")
    command = ([str(Path(sys.executable).with_name("monitoring"))] if launcher == "console-script"
               else [sys.executable, "-m", "monitoring"])
    mark = uuid.uuid4().hex
    env = {**os.environ, MARK: mark}
    with (tmp_path / "stdout.txt").open("wb") as stdout, \
            (tmp_path / "stderr.txt").open("wb") as stderr:
        proc = subprocess.Popen(
            [*command, "run", "--period", "2025-Q4", "--store", str(demo_store_path),
             "--out", str(out), "--area", "16051", "--area", "16052", "--workers", "2"],
            env=env, stdout=stdout, stderr=stderr, start_new_session=True)
        try:
            # Stop it while the spawned workers execute notebooks in their kernels.
            _wait_for(lambda: [p for p in _processes_marked(mark) if "ipykernel" in p],
                      "a report kernel of the run")
            assert (folder / LOCK_NAME).exists() and list(out.glob(".2025-Q4.staging-*"))
            if to_group:
                os.killpg(proc.pid, signum)
            else:
                proc.send_signal(signum)
            code = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
    err = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert code == 128 + signum, err
    assert f"Berichtslauf abgebrochen (Signal {signal.Signals(signum).name})" in err
    assert "Traceback" not in err
    assert not (folder / LOCK_NAME).exists()
    assert sorted(p.name for p in out.iterdir()) == ["2025-Q4"]  # no staging folder left
    assert sorted(p.name for p in folder.iterdir()) == ["16051_Erfurt.html"]
    assert published.read_text(encoding="utf-8") == "<html>zuletzt veröffentlicht</html>\n"
    # Workers were terminated; their kernels notice the missing parent and exit.
    _wait_for(lambda: not _processes_marked(mark), "no process of the run left", limit=60)


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signals")
def test_ctrl_c_while_the_workers_start_does_not_reach_them(
        capfd: pytest.CaptureFixture[str]) -> None:
    # A terminal's Ctrl-C reaches every process of the group, the workers too – also in the
    # second before their initializer ignores it, while `multiprocessing` still bootstraps them.
    from monitoring.report.run.pool import stop_pool
    from monitoring.report.run.runner import _start_pool

    pool = _start_pool(workers=2, jobs=2, cwd=None)
    assert pool is not None
    try:
        children = list(pool._processes.values())
        assert len(children) == 2
        for child in children:  # at once: they are still starting
            os.kill(child.pid, signal.SIGINT)
        pids = {pool.submit(os.getpid).result(timeout=120) for _ in range(6)}
        assert pids <= {child.pid for child in children}
        assert all(child.is_alive() for child in children)
    finally:
        stop_pool(pool)
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signals")
def test_a_ctrl_c_while_workers_start_still_reaches_the_run() -> None:
    from monitoring.report.run.pool import born_ignoring_interrupts

    with pytest.raises(KeyboardInterrupt), born_ignoring_interrupts():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.5)  # another thread may take it at once; else it waits for the end
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())


# -- a worker process dies; a crashed run left its lock and staging folder ---------------------
def _worker_killing_notebooks(tmp_path: Path, victim: str) -> Path:
    """Section notebooks where the kernel of `victim` kills its worker (as the OOM killer would)."""
    target = tmp_path / "notebooks"
    shutil.copytree(notebooks_dir(), target)
    path = target / "10_angebote_abdeckung.ipynb"
    nb = nbformat.read(path, as_version=4)
    position = next(i for i, c in enumerate(nb.cells) if "setup" in c.metadata.get("tags", []))
    nb.cells.insert(position + 1, nbformat.v4.new_code_cell(
        f'if area_code == "{victim}":\n'
        "    import os, signal\n"
        "    os.kill(os.getppid(), signal.SIGKILL)  # the papermill worker\n"
        "    import time; time.sleep(30)"))
    nbformat.write(nb, path)
    return target


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_dead_worker_fails_its_report_not_the_run_and_crash_leftovers_are_removed(
        demo_store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    dead = _dead_pid()
    (out / "2025-Q4").mkdir()  # the lock is the quarter folder's; the previous version's
    (out / "2025-Q4" / LOCK_NAME).write_text(str(dead))  # format: the PID only
    leftover = out / f".2025-Q4.staging-{dead}"
    (leftover / "_notebooks").mkdir(parents=True)
    (leftover / "16051_Erfurt.html").write_text("halb")

    code = main(["run", "--period", "2025-Q4", "--store", str(demo_store_path), "--out", str(out),
                 "--notebooks", str(_worker_killing_notebooks(tmp_path, "16052")),
                 "--area", "16051", "--area", "16052", "--workers", "2"])
    printed = capsys.readouterr().out
    assert code == 1
    assert f"Hinweis: Die Sperrdatei eines nicht mehr laufenden Berichtslaufs (Prozess {dead})" \
        in printed
    assert f"Zwischenordner abgebrochener Läufe entfernt: {leftover.name}" in printed
    manifest = json.loads((out / "2025-Q4" / "manifest.json").read_text())
    status = {r["area_code"]: r for r in manifest["reports"]}
    assert status["16052"]["status"] == "failed"
    assert "Arbeitsprozess für diesen Bericht wurde unerwartet beendet" in status["16052"]["error"]
    # Erfurt ran in the other worker: finished before the pool broke, or failed with it.
    erfurt = status["16051"]
    assert erfurt["status"] == "ok" or "Arbeitsprozess" in erfurt["error"]
    assert (erfurt["status"] == "ok") == (out / "2025-Q4" / "16051_Erfurt.html").exists()
    assert sorted(p.name for p in out.iterdir()) == ["2025-Q4"]  # lock released, nothing left


# -- the lock file -----------------------------------------------------------------------------
def _lock(folder: Path, **holder: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    path.write_text(json.dumps(holder), encoding="utf-8")
    return path


def test_live_lock_names_the_process_and_how_to_proceed(tmp_path: Path) -> None:
    with RunLock(tmp_path) as lock:
        mine = json.loads(lock.path.read_text())
        with pytest.raises(ReportError) as caught, RunLock(tmp_path):
            pass
    message = str(caught.value)
    assert mine["pid"] == os.getpid() and mine["host"] == socket.gethostname()
    assert f"läuft bereits ein Berichtslauf: Prozess {os.getpid()}" in message
    assert f"ps -p {os.getpid()}" in message
    assert f"löschen Sie die Sperrdatei {lock.path}" in message
    assert not lock.path.exists()  # released by the holder, not by the refused attempt


def test_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    dead = _dead_pid()
    _lock(tmp_path, pid=dead, host=socket.gethostname(), started="2026-11-20T06:00:00",
          command="monitoring run --period 2026-Q3")
    with RunLock(tmp_path) as lock:
        assert lock.taken_over is not None and lock.taken_over.pid == dead
        assert lock.taken_over.describe() == (
            f"Prozess {dead}, auf dem Rechner {socket.gethostname()}, gestartet 20.11.2026 06:00 "
            "(monitoring run --period 2026-Q3)")
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()


@pytest.mark.skipif(not HAS_PROC, reason="process start times and boot id come from /proc")
def test_reused_pid_or_reboot_makes_a_lock_stale(tmp_path: Path) -> None:
    me = {"pid": os.getpid(), "host": socket.gethostname()}
    # Our own PID, but a different process start: the PID was reused after a crash.
    _lock(tmp_path / "a", **me, proc_start="1")
    with RunLock(tmp_path / "a") as lock:
        assert lock.taken_over is not None
    # Written before the last boot: whatever holds that PID now, it is not that run.
    _lock(tmp_path / "b", **me, boot_id="00000000-0000-0000-0000-000000000000")
    with RunLock(tmp_path / "b") as lock:
        assert lock.taken_over is not None
    # Same PID, same start, same boot: that is a live run (this process).
    start = Path(f"/proc/{os.getpid()}/stat").read_text().rsplit(")", 1)[1].split()[19]
    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    _lock(tmp_path / "c", **me, proc_start=start, boot_id=boot)
    with pytest.raises(ReportError, match="läuft bereits"), RunLock(tmp_path / "c"):
        pass


def test_lock_from_another_host_is_not_guessed_at(tmp_path: Path) -> None:
    path = _lock(tmp_path, pid=_dead_pid(), host="fileserver-2", started="2026-11-20T06:00:00")
    with pytest.raises(ReportError) as caught, RunLock(tmp_path):
        pass
    assert "auf dem Rechner fileserver-2" in str(caught.value)
    assert "lässt sich nicht prüfen" in str(caught.value)
    assert path.exists()


def test_empty_lock_is_young_or_stale(tmp_path: Path) -> None:
    path = tmp_path / LOCK_NAME
    path.write_text("")  # another run between creating and writing it (older versions)
    with pytest.raises(ReportError, match="wird gerade ein Berichtslauf gestartet"), \
            RunLock(tmp_path):
        pass
    old = time.time() - 600
    os.utime(path, (old, old))
    with RunLock(tmp_path) as lock:
        assert lock.taken_over is not None and lock.taken_over.pid is None


def test_a_lock_that_is_no_longer_ours_is_left_alone(tmp_path: Path) -> None:
    with RunLock(tmp_path) as lock:
        lock.path.write_text(json.dumps({"pid": 1, "host": "anderer"}))
    assert lock.path.exists()


# -- signals -----------------------------------------------------------------------------------
@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_signal_raises_until_deferred_then_is_recorded() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(RunInterrupted) as caught, StopSignals():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises before this ends
    assert caught.value.exit_code == 143 and "Signal SIGTERM" in str(caught.value)
    with StopSignals() as stop:
        stop.defer()  # files are being moved into place: finish first
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.1)
    assert stop.pending == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) == before


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_signal_deferred_by_a_nested_run_stops_the_outer_one() -> None:
    """A publication runs the HTML reports: a signal while those are being moved into place
    lets that finish, then stops the publication."""
    reached = []
    with pytest.raises(RunInterrupted, match="Signal SIGTERM"), StopSignals():  # publication
        with StopSignals() as inner:  # its HTML run, moving reports into place
            inner.defer()
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.1)
            reached.append("inner finished")
        time.sleep(5)  # interrupted by the outer handler
        reached.append("outer continued")
    assert reached == ["inner finished"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_signal_duckdb_swallows_still_stops_the_run() -> None:
    """A Ctrl-C while DuckDB runs a query (the quarter snapshot): DuckDB stops the query and
    raises its own "Query interrupted" in place of the stop – the run must stop all the same
    (before: an error caught on the way let the run finish with exit code 0)."""
    import duckdb

    def interrupt_soon() -> None:
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGINT)

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    long_query = "SELECT count(*) FROM range(1000000000) t(a) WHERE a % 7 = 3"  # ≈ 3 s
    # swallowed on the way: the next checkpoint raises the stop
    with pytest.raises(RunInterrupted, match="Signal SIGINT"), StopSignals() as stop:
        threading.Thread(target=interrupt_soon).start()
        with contextlib.suppress(RuntimeError):
            con.execute(long_query).fetchall()
        assert stop.received == signal.SIGINT
        stop.check()
        pytest.fail("the checkpoint did not stop the run")
    # left as DuckDB's error: the end of the block turns it into the stop
    with pytest.raises(RunInterrupted, match="Signal SIGINT") as caught, StopSignals():
        threading.Thread(target=interrupt_soon).start()
        con.execute(long_query).fetchall()
    assert isinstance(caught.value.__cause__, RuntimeError)
    # after defer() the run finishes: no checkpoint raises
    with StopSignals() as stop:
        stop.defer()
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.1)
        stop.check()
    assert stop.pending == signal.SIGINT


# -- a cell that hangs -------------------------------------------------------------------------
def _tiny_sections(folder: Path, body: list[str]) -> Path:
    """The quarterly report's section notebooks reduced to their parameters cell; the first
    section also holds `body`, so the composed report is just these cells (real papermill
    kernels, no report code)."""
    folder.mkdir()
    for n, name in enumerate(REPORTS["quartalsbericht"].sections):
        params = nbformat.v4.new_code_cell(
            'area_code = "16051"\nperiod = "2025-Q4"\nstore_path = ""\nsettings_json = ""\n'
            'snapshot_path = ""')
        params.metadata["tags"] = ["parameters"]
        cells = [params, *(nbformat.v4.new_code_cell(b) for b in body)] if n == 0 else [params]
        nb = nbformat.v4.new_notebook(cells=cells)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nbformat.write(nb, folder / name)
    return folder


@pytest.mark.slow
def test_hanging_cell_fails_its_report_and_keeps_the_notebook(
        demo_store_path: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """A cell over the time limit fails its report only; the notebook executed so far is
    kept in `_fehler/` with a German note naming the cell and the limit, like any failure.
    Erfurt's cell stops at the kernel interrupt; Gera's ignores SIGINT (a call deaf to the
    interrupt), so its kernel is shut down – the notebook is kept all the same."""
    hang = ('import signal, time\n'
            'if area_code == "16052":\n'
            '    signal.signal(signal.SIGINT, signal.SIG_IGN)\n'
            'time.sleep(120)  # a hang')
    source = _tiny_sections(tmp_path / "notebooks",
                            ['print("vorher")', hang, 'print("nachher")'])
    summary = run_quarter("2025-Q4", store_path=demo_store_path, out_dir=tmp_path / "out",
                          areas=["16051", "16052"], workers=2, notebooks=source,
                          cell_timeout=2)
    folder = tmp_path / "out" / "2025-Q4"
    assert [r.status for r in summary.results] == ["failed", "failed"]
    for result in summary.results:
        kept = nbformat.read(folder / "_fehler" / f"{result.area_code}.ipynb", as_version=4)
        code = [c for c in kept.cells if c.cell_type == "code"]
        before, hung, after = code[-3:]
        assert [o.get("text") for o in before.outputs] == ["vorher\n"]  # ran before: kept
        assert after.execution_count is None and after.outputs == []    # never ran
        [error] = [o for o in hung.outputs if o.output_type == "error"]
        note = (f"Die Zelle In [{hung.execution_count}] („import signal, time“) lief länger "
                "als das Zeitlimit von 2 s und wurde abgebrochen; die folgenden Zellen wurden "
                "nicht ausgeführt.")
        assert hung.execution_count == before.execution_count + 1
        assert (error.ename, error.evalue) == ("Zeitüberschreitung", note)
        assert error.traceback[-1] == f"Zeitüberschreitung: {note}"
        assert result.error == (f"Zeitüberschreitung: {note} Hängt z. B. ein Zugriff auf die "
                                "Datenbank? Die übrigen Berichte wurden weiter erstellt; "
                                "starten Sie den Lauf für dieses Gebiet erneut (--area).")
        assert not list(folder.glob(f"{result.area_code}_*.html"))
    erfurt = nbformat.read(folder / "_fehler" / "16051.ipynb", as_version=4)
    # interrupted: the kernel's traceback shows the line the cell was running
    assert any("time.sleep" in line for c in erfurt.cells for o in c.get("outputs", [])
               for line in o.get("traceback", []))
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert index.count("Zeitüberschreitung") >= 2
    err = capfd.readouterr().err
    assert "Traceback" not in err and "ZMQError" not in err and "Timeout waiting" not in err, err


@pytest.mark.slow
def test_a_finished_report_kernel_is_shut_down_without_an_interrupt(
        demo_store_path: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """jupyter_client interrupts a kernel before shutting it down; meeting ipykernel inside a
    message handler, that SIGINT printed „[IPKernelApp] ERROR | KeyboardInterrupt caught in
    kernel.“ in runs that went fine. The report kernels are shut down without it: a kernel
    whose SIGINT handler leaves a mark (kept past its cell) must not be signalled."""
    mark = tmp_path / "sigint"
    body = ["import pathlib, signal\n"
            f"def _mark(*_): pathlib.Path({str(mark)!r}).write_text('SIGINT')\n"
            "signal.signal(signal.SIGINT, _mark)\n"
            "get_ipython().kernel.saved_sigint_handler = _mark  # kept after the cell"]
    source = _tiny_sections(tmp_path / "notebooks", body)
    summary = run_quarter("2025-Q4", store_path=demo_store_path, out_dir=tmp_path / "out",
                          areas=["16051"], workers=1, notebooks=source)
    assert [r.status for r in summary.results] == ["ok"]
    assert not mark.exists()
    assert "KeyboardInterrupt" not in capfd.readouterr().err
