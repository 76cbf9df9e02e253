"""Integrationsmonitor: monitoring toolkit for municipal integration management.

The package is layered, one folder per layer (see README "Layout"):

    errors, periods, fmt, vocab   vocabulary every layer may use
    core/      pure computation (no files, no store, no drawing)
    store/     the DuckDB store: schema migrations and every SQL statement
    io/        importers, the settings file, the packaged geography
    views/     what notebooks and reports ask the store for, disclosure-controlled
    present/   figures, tables, notebook helpers
    report/    the quarterly run and publication in every format
    cli/       the `monitoring` command;   demo/  the demo store (CLI and tests only)

Notebooks read as ``coverage.by_area(...)``, ``indicators.series(...)``: ``from monitoring
import coverage, views`` loads the module of that name from its layer on first use, so
importing this package is cheap and heavy libraries load only when a function needs them.
"""

from __future__ import annotations

import importlib
from typing import Any


def _version() -> str:
    """The installed version (read on first use: `importlib.metadata` costs a command's
    start ≈ 30 ms on a quiet machine and far more under load)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("integrationsmonitor")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0"


# The analyst's namespace: short module name → module in its layer.
MODULES = {
    **{name: f"monitoring.core.{name}" for name in (
        "accessibility", "area_changes", "areas", "catalogue", "composite_index", "concept",
        "coverage", "demand", "genesis", "indicators", "network", "overlap", "privacy",
        "weights")},
    **{name: f"monitoring.present.{name}" for name in ("figures", "notebook", "tables")},
    "geography": "monitoring.io.geography",
    "settings": "monitoring.io.settings",
    "store": "monitoring.store",
    "views": "monitoring.views",
}

__all__ = ["MODULES", "__version__", "open_store", *sorted(MODULES)]  # noqa: PLE0604 - str keys


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = _version()
        return globals()[name]
    if name in MODULES:
        module = importlib.import_module(MODULES[name])
        globals()[name] = module
        return module
    raise AttributeError(f"module 'monitoring' has no attribute {name!r}")


def open_store(*args: Any, **kwargs: Any) -> Any:
    """Open the DuckDB store; see `monitoring.store.open_store`."""
    from monitoring.store import open_store as _open

    return _open(*args, **kwargs)
