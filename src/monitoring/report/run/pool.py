"""The process pools of a run: how they are started and how they are stopped at once."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

__all__ = ["POOL_METHOD", "stop_pool"]

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

