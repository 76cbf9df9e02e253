"""The plotly.js the reports inline: a partial bundle with only the trace types they draw.

plotly.py's own bundle holds every trace type (4.8 MB); the reports draw bar, scatter and
choropleth traces only. ``data/plotly/`` holds plotly.js of the same version built with just
those (``scripts/build_plotly_bundle.py``; about 1.3 MB), its MIT licence, and a manifest
(``bundle.json``: version, trace types, SHA-256). Every page that embeds plotly figures
inlines it once: the report renderer (`notebook.use_report_renderer`) and the Landesvergleich
(`report.publish.compare`). A figure with another trace type would not draw, so
``tests/test_plotly_bundle.py`` checks every trace type our figure functions produce against
the manifest.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any


def _folder() -> Any:
    return files("monitoring").joinpath("data", "plotly")


@lru_cache(maxsize=1)
def manifest() -> dict[str, Any]:
    """The bundle's manifest: ``plotly_js`` (version), ``traces`` (registered trace types),
    ``file``, ``bytes`` and ``sha256`` of the bundle."""
    data: dict[str, Any] = json.loads(_folder().joinpath("bundle.json").read_text("utf-8"))
    return data


def trace_types() -> frozenset[str]:
    """The trace types the bundle can draw (e.g. ``bar``, ``choropleth``, ``scatter``)."""
    return frozenset(manifest()["traces"])


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The partial bundle's source, starting with plotly.js's licence header (Quarto
    recognises the library by it and moves the output carrying it into the page head)."""
    return str(_folder().joinpath(manifest()["file"]).read_text("utf-8"))


def library_script() -> str:
    """The HTML that loads plotly.js once in a page, before its first figure: the config
    plotly.py writes with ``include_plotlyjs=True`` (no MathJax) and the bundle itself."""
    return ('<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: '
            f"'local'}};</script><script type=\"text/javascript\">{plotly_js()}</script>")
