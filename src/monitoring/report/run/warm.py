"""One warm kernel per worker process, reused for the reports it executes one after another.

Starting a kernel and importing pandas, geopandas, plotly, DuckDB and the library took about
2 s of a district report's 5.5 s on a quiet machine (demo store, quarter snapshot): the same
work for every district. A worker therefore keeps its kernel after a report that went well
and hands it to its next report, after a reset that gives that report what a new kernel
would give it:

* IPython's ``reset(new_session=True)``: an empty namespace (no variable of the previous
  district), a new history session, cell numbers from ``In [1]`` again – so the executed
  notebook and the error messages („Fehler im Notebook (Zelle n)“) read as before;
* the working folder, the environment variables, ``sys.path``, the warnings filters, the
  pandas options and the signal handlers as they were when the kernel was started, no alarm
  pending; unreachable objects (the previous report's store connection) are collected.

The reset is sent as soon as a report's notebook has run, and runs while the worker renders
that report; the kernel's client stays connected from one report to the next (`Kernel`).

Imported modules stay, which is the point. What the library keeps between calls in a
process is keyed by the store's identity (`views.panel._PanelCache`, the prepared map
geometry in `present.figures`) or reset per report (`notebook.open_report`: the quarter
snapshot, the plotly renderer), so two districts in one kernel give the reports they give in
two kernels (tests/test_kernel_reuse.py). A report that fails – an error, a time-out, a kernel
that died – never passes its kernel on: the kernel is shut down and the next report gets a
new one, so a failure cannot leave anything behind for the next district.

The kernel is started by the worker's pool initializer (`runner` starts the pool before it
builds the quarter snapshot), so kernel start and imports overlap the snapshot. Its
connection is a set of Unix sockets in the run's private runtime folder (`kernels`) where
that is possible, not TCP ports on localhost: a port picked as free can be taken by another
process before the kernel binds it (a kernel once died with „Address already in use“ on a
busy machine), and no other user can reach the sockets in the folder of mode 0700.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["IMPORTS", "Kernel", "KernelKeeper", "keeper", "quiet_shutdown_kernel_manager"]

# Imported by a new kernel before its first report (the report notebooks' setup cells); a
# module that is missing is skipped – the report's own import then names it.
IMPORTS = ("pandas", "geopandas", "duckdb", "plotly.graph_objects", "plotly.io",
           "monitoring.notebook", "monitoring.figures", "monitoring.views", "monitoring.tables",
           "monitoring.indicators", "monitoring.coverage", "monitoring.fmt",
           "monitoring.views.inventory", "monitoring.views.publishable")

# Runs in a new kernel: the imports, then what the reset restores, kept outside the user
# namespace (which the reset empties).
_WARM_UP = """\
def _monitoring_warm_up(modules):
    import importlib, os, signal, sys, types, warnings
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:
            pass
    pandas = sys.modules.get("pandas")
    sys.modules["_monitoring_kernel_start"] = types.SimpleNamespace(
        cwd=os.getcwd(), environ=dict(os.environ), path=list(sys.path),
        filters=list(warnings.filters),
        pandas=pandas.get_option("display.max_rows") if pandas else None,
        signals={{s: signal.getsignal(s) for s in
                 (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP",
                                                    "SIGALRM", "SIGUSR1", "SIGUSR2"))
                 if s is not None}})
_monitoring_warm_up({imports!r})
del _monitoring_warm_up
"""

# Runs before every further report in the kernel (see the module docstring).
_RESET = """\
def _monitoring_reset():
    import gc, os, signal, sys, warnings
    start = sys.modules["_monitoring_kernel_start"]
    get_ipython().reset(new_session=True)
    os.chdir(start.cwd)
    os.environ.clear()
    os.environ.update(start.environ)
    sys.path[:] = start.path
    warnings.filters[:] = start.filters
    pandas = sys.modules.get("pandas")
    if pandas is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pandas.reset_option("all")
    if hasattr(signal, "setitimer"):  # an alarm a report set must not reach the next one
        signal.setitimer(signal.ITIMER_REAL, 0)
    for number, handler in start.signals.items():
        if handler is not None:  # None: set outside Python, cannot be restored
            signal.signal(number, handler)
    gc.collect()
_monitoring_reset()
"""  # no `del`: the reset has emptied the namespace, the function's name included

# Unix socket paths are limited to 107 bytes on Linux (104 on macOS): with a longer runtime
# folder the kernel is reached over TCP as before.
_SOCKET_PATH_MAX = 100
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR",  # no kernel chatter on stderr
                    "--HistoryManager.hist_file=:memory:"]  # as nbclient starts its kernels


def _connection(runtime_dir: str | None) -> dict[str, Any]:
    """Kernel manager settings: Unix sockets in the run's private `runtime_dir` if possible."""
    if os.name != "posix" or not runtime_dir or not Path(runtime_dir).is_dir():
        return {}
    stem = Path(runtime_dir) / f"kernel-{uuid.uuid4().hex[:12]}"
    if len(os.fsencode(f"{stem}-ipc-00000")) > _SOCKET_PATH_MAX:
        return {}
    return {"transport": "ipc", "connection_file": f"{stem}.json"}


def _send(kc: Any, code: str) -> str:
    """Ask the kernel of `kc` to execute `code` silently (no ``In [n]``, no history); the
    request's message id. Only the shell reply is read (`_reply`): its outputs and status
    messages on IOPub are left for whoever reads that channel next, and nbclient skips
    messages that answer other requests."""
    return str(kc.execute(code, silent=True, store_history=False, allow_stdin=False))


def _reply(kc: Any, msg_id: str, timeout: float) -> bool:
    """Whether the request `msg_id` ran without an error within `timeout` seconds."""
    from jupyter_core.utils import run_sync

    deadline = time.monotonic() + timeout
    try:
        while True:
            msg = run_sync(kc.get_shell_msg)(timeout=max(0.0, deadline - time.monotonic()))
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return bool(msg.get("content", {}).get("status") == "ok")
    except Exception:  # noqa: BLE001 - a kernel that does not answer is not used
        return False


def _client(km: Any, timeout: float) -> Any:
    """A client of the kernel of `km` with its channels open and the kernel answering.

    One client serves all reports of a kept kernel: a new client's first wait for the kernel
    costs ≈ 0.2 s (jupyter_client waits for IOPub to connect), which nbclient would otherwise
    pay for every report and the reset once more."""
    from jupyter_core.utils import run_sync

    kc = km.client()
    kc.start_channels()
    try:
        run_sync(kc.wait_for_ready)(timeout=timeout)
    except BaseException:
        kc.stop_channels()
        raise
    kc.allow_stdin = False
    return kc


@functools.cache
def quiet_shutdown_kernel_manager() -> type:
    """The kernel manager for report kernels: jupyter_client's, without the interrupt it
    sends before every shutdown.

    jupyter_client (≥ 8) sends SIGINT to the kernel before asking it to shut down. When that
    signal meets ipykernel inside a message handler – a race that a finished notebook loses
    now and then – the kernel logs ``[IPKernelApp] ERROR | KeyboardInterrupt caught in
    kernel.`` on the terminal of a run that went fine. A report kernel has nothing left to
    stop when it is shut down (the notebook ran to its end, or failed and stopped), and a
    kernel that does not react to the shutdown request is killed by jupyter_client anyway,
    so the interrupt is left out at shutdown; interrupts at a cell timeout are unchanged.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietShutdownKernelManager(AsyncKernelManager):
        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

    return QuietShutdownKernelManager


@dataclass
class Kernel:
    """A report kernel: its manager and the client that talks to it."""

    km: Any
    kc: Any


@dataclass
class _Kept:
    kernel: Kernel
    cwd: str
    reset: str | None = None
    """Message id of the reset sent when the kernel was kept; None for a new kernel."""


class KernelKeeper:
    """The warm kernel of this process (at most one): started, handed out, kept or shut down.

    `take` gives a report its kernel – the kept one after the reset, else a new one; after the
    report's notebook ran well, `keep` keeps it for the next one and sends the reset at once,
    so that the kernel resets while the worker renders the report; `discard` shuts a kernel
    down.
    """

    def __init__(self) -> None:
        self._kept: _Kept | None = None
        self._registered = False

    def start(self, cwd: str, *, start_timeout: float = 120.0) -> Kernel:
        """A new kernel (python3) in `cwd` with `IMPORTS` imported; raises if it cannot start."""
        from jupyter_core.utils import run_sync

        km = quiet_shutdown_kernel_manager()(
            kernel_name="python3", **_connection(os.environ.get("JUPYTER_RUNTIME_DIR")))
        run_sync(km.start_kernel)(cwd=cwd, extra_arguments=list(KERNEL_ARGUMENTS))
        try:
            kc = _client(km, start_timeout)
        except Exception as err:
            self.discard(Kernel(km, None))
            raise RuntimeError("Der Python-Kernel für die Berichte hat nicht geantwortet.") \
                from err
        kernel = Kernel(km, kc)
        if not _reply(kc, _send(kc, _WARM_UP.format(imports=IMPORTS)), start_timeout):
            self.discard(kernel)
            raise RuntimeError("Der Python-Kernel für die Berichte hat nicht geantwortet.")
        if not self._registered:  # a worker ends normally: its kernel with it
            atexit.register(self.close)
            self._registered = True
        return kernel

    def warm(self, cwd: str) -> None:
        """Start the kernel for the next report now (pool initializer); failures are left to
        the report, which then starts its own kernel and names the error."""
        if self._kept is None:
            try:
                self._kept = _Kept(self.start(cwd), cwd)
            except Exception:  # noqa: BLE001 - see docstring
                self._kept = None

    def take(self, cwd: str, *, start_timeout: float = 120.0) -> Kernel:
        """The kernel for the next report: the kept one, reset, if it is alive and runs in
        `cwd`; otherwise a new one."""
        from jupyter_core.utils import run_sync

        kept, self._kept = self._kept, None
        if kept is not None:
            kernel = kept.kernel
            if kept.cwd == cwd and run_sync(kernel.km.is_alive)() and (
                    kept.reset is None or _reply(kernel.kc, kept.reset, start_timeout)):
                return kernel
            self.discard(kernel)
        return self.start(cwd, start_timeout=start_timeout)

    def keep(self, kernel: Kernel, cwd: str) -> None:
        """Keep `kernel` (after a report whose notebook ran well) for the next report in
        `cwd`, and start its reset now."""
        if self._kept is not None:
            self.discard(self._kept.kernel)
        self._kept = _Kept(kernel, cwd, reset=_send(kernel.kc, _RESET))

    @staticmethod
    def discard(kernel: Kernel) -> None:
        """Shut `kernel` down at once (it may be busy in a cell that timed out)."""
        from jupyter_core.utils import run_sync

        # a failure here is left to the run's end, which kills the kernels of its folder
        with contextlib.suppress(Exception):
            if kernel.kc is not None:
                kernel.kc.stop_channels()
        with contextlib.suppress(Exception):
            run_sync(kernel.km.shutdown_kernel)(now=True)

    def close(self) -> None:
        """Shut the kept kernel down (end of a run, end of the worker process)."""
        kept, self._kept = self._kept, None
        if kept is not None:
            self.discard(kept.kernel)


keeper = KernelKeeper()
