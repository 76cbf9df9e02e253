"""Orchestration: compose report notebooks, execute them with papermill, render them, publish.

The only part of the package that imports papermill or starts the quarto executable.
`run_quarter` and `RunSummary` are loaded on first use: a spawned report worker imports
`monitoring.report.run.worker` and must not pay for the runner's imports (pandas, DuckDB, views).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitoring.report.run.runner import RunSummary, run_quarter

__all__ = ["RunSummary", "run_quarter"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from monitoring.report.run import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
