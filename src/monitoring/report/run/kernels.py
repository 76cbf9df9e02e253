"""A private Jupyter runtime folder per run: the kernels' connection files (with their key).

papermill starts a kernel per report; jupyter_client writes its connection file – ports and
the HMAC key that lets anyone on the machine run code in the kernel – as ``tmp….json`` into
the temporary folder (nbclient's kernel managers have no connection file set; a manager that
has one uses ``jupyter_runtime_dir()``) and removes it only when the kernel is shut down
normally. A run stopped by SIGTERM or a failing worker would leave it in ``/tmp``. So each run
points ``TMPDIR`` and ``JUPYTER_RUNTIME_DIR`` (and `tempfile.tempdir` of this process; the
spawned workers and the kernels inherit the environment) at its own folder
``monitoring-kernels-<pid>-…`` in the system's temporary folder (mode 0700), and on every way
out – normal end, an error, a stop
signal, which `signals.StopSignals` turns into an exception – kills the kernels still using
it and removes the folder. ``kill -9`` of the run itself cannot be cleaned up after: the next
run removes the folders of processes that no longer exist (and their kernels).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from monitoring.report.run.lock import process_exists

__all__ = ["PREFIX", "private_runtime_dir"]

PREFIX = "monitoring-kernels-"
ENV = "JUPYTER_RUNTIME_DIR"


def _kernels_using(folder: Path) -> list[int]:
    """PIDs of processes whose command line names a file in `folder` (the kernels, started
    with ``-f <connection file>``); Linux ``/proc`` only, elsewhere none are found."""
    marker = os.fsencode(str(folder) + os.sep)
    pids = []
    for entry in (Path("/proc").glob("[0-9]*") if Path("/proc/self").exists() else []):
        try:
            if marker in entry.joinpath("cmdline").read_bytes():
                pids.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return [pid for pid in pids if pid != os.getpid()]


def _stop_kernels(folder: Path) -> None:
    """Terminate the kernels still using `folder`, kill those that do not exit within 3 s."""
    pids = _kernels_using(folder)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 3.0
    while pids and time.monotonic() < deadline:
        time.sleep(0.1)
        pids = [pid for pid in pids if _running(pid)]
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))


def _running(pid: int) -> bool:
    """Alive and not a zombie (a kernel of this process that exited but is not reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return process_exists(pid)
    return stat[stat.rfind(")") + 2:][:1] not in ("Z", "X")


def _remove_stale(base: Path) -> None:
    """Folders of runs that died without cleaning up (``kill -9``, a power cut)."""
    for folder in base.glob(f"{PREFIX}*"):
        try:
            pid = int(folder.name[len(PREFIX):].split("-", 1)[0])
        except ValueError:
            continue
        if pid != os.getpid() and not process_exists(pid) and folder.is_dir():
            _stop_kernels(folder)
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def private_runtime_dir() -> Iterator[Path]:
    """Point ``JUPYTER_RUNTIME_DIR`` at a new private folder while the block runs; afterwards
    (however the block ends) stop the kernels using it, remove it and restore the variable."""
    base = Path(tempfile.gettempdir())
    _remove_stale(base)
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))
    previous = {name: os.environ.get(name) for name in (ENV, "TMPDIR")}
    previous_tempdir = tempfile.tempdir
    os.environ[ENV] = os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = previous_tempdir
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _stop_kernels(folder)
        shutil.rmtree(folder, ignore_errors=True)
