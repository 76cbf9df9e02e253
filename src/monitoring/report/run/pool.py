"""The process pools of a run: how they are started and how they are stopped at once."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

__all__ = ["POOL_METHOD", "born_ignoring_interrupts", "stop_pool", "take_interrupts_ignored"]

# Start method of the pools (HTML reports, publication formats). Not "fork": this process has
# used DuckDB and BLAS, whose threads may hold a lock at the moment of the fork (a forked
# format worker once hung in futex_wait). Not "forkserver" either, although it starts almost
# as fast as fork with the heavy modules preloaded (benchmarks/README.md, bench_pool_start.py):
# its server process is started once per process and forks every later worker with the
# environment of THAT moment, so a second run in the same Python session (JupyterLab, the
# tests) would give its kernels a stale environment – and the kernels read the disclosure
# settings (--schwelle) from it. "spawn" costs about 1–2 s once per run, and works on Windows.
POOL_METHOD = "spawn"


def stop_pool(pool: ProcessPoolExecutor) -> None:
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



@contextlib.contextmanager
def born_ignoring_interrupts() -> Iterator[None]:
    """Processes started inside this block cannot be stopped by Ctrl-C before they ignore it.

    A terminal sends SIGINT to the whole process group. A spawned worker ignores it once its
    pool initializer has run, about a second after its start; a Ctrl-C before that ended it
    with a `KeyboardInterrupt` traceback from `multiprocessing`'s bootstrap and broke the
    pool. So SIGINT is blocked in this thread while the workers start: a child inherits the
    blocked mask across `exec`, holds a Ctrl-C pending, and `take_interrupts_ignored` (its
    initializer) drops it. This process loses nothing: another thread takes the signal and
    Python's handler still runs in the main thread – or it waits for the end of the block.
    """
    usable = (threading.current_thread() is threading.main_thread()
              and hasattr(signal, "pthread_sigmask"))
    if not usable:  # Windows (no process groups), or not the main thread
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if signal.SIGINT not in held:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def take_interrupts_ignored() -> None:
    """In a pool worker: ignore Ctrl-C (the parent alone decides what it means); a Ctrl-C
    held while the worker started is dropped, and the kernels it starts get SIGINT unblocked
    (ipykernel needs it to interrupt a cell)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
