"""Orchestration: compose report notebooks, execute them with papermill, render them, publish.

The only part of the package that imports papermill or starts the quarto executable.
"""

from __future__ import annotations

from monitoring.report.runner import RunSummary, run_quarter

__all__ = ["RunSummary", "run_quarter"]
