"""Integrationsmonitor: monitoring toolkit for municipal integration management.

Notebooks read as ``coverage.by_area(...)``, ``indicators.series(...)``: the submodules are the
namespaces. Importing this package is cheap; heavy libraries load when a function needs them.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("integrationsmonitor")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["__version__", "open_store"]


def open_store(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Open the DuckDB store; see `monitoring.store.open_store`."""
    from monitoring.store import open_store as _open

    return _open(*args, **kwargs)
