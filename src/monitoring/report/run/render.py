"""Render an executed report notebook to one self-contained HTML file.

Quarto is used when the `quarto` executable is on PATH (``quarto render … --to html`` on the
already executed notebook, with embedded resources); otherwise the Jupyter-native path:
nbconvert with our template, code hidden, plotly.js inlined once, no external resources.
"""

from __future__ import annotations

import errno
import shutil
import subprocess
import tempfile
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

if TYPE_CHECKING:
    from nbconvert import HTMLExporter

from monitoring import __version__
from monitoring.errors import ReportError
from monitoring.io.files import atomic_path
from monitoring.present.markup import with_csp


def quarto_available() -> bool:
    return shutil.which("quarto") is not None


def choose_renderer(requested: str = "auto") -> str:
    """``quarto`` or ``nbconvert``; ``auto`` prefers Quarto when it is installed."""
    if requested == "auto":
        return "quarto" if quarto_available() else "nbconvert"
    if requested == "quarto" and not quarto_available():
        raise ReportError(
            "Quarto ist nicht installiert (kein `quarto` im Suchpfad). Installieren Sie Quarto "
            "oder lassen Sie `--renderer` weg: dann wird der eingebaute Jupyter-Renderer benutzt.")
    if requested not in ("quarto", "nbconvert"):
        raise ReportError(f"Unbekannter Renderer „{requested}“; erlaubt: auto, quarto, nbconvert.")
    return requested


@lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    from nbconvert import HTMLExporter

    templates = str(files("monitoring").joinpath("templates"))
    exporter = HTMLExporter(template_name="report", extra_template_basedirs=[templates])
    exporter.exclude_input = True
    exporter.exclude_raw = True  # the Quarto front matter is for Quarto, not for readers
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    exporter.language_code = "de"  # <html lang="de">; the exporter's own default is "en"
    return exporter


def _css() -> str:
    return files("monitoring").joinpath("templates", "report", "report.css").read_text("utf-8")


def render_html(executed: nbformat.NotebookNode, out: Path, *, title: str,
                renderer: str = "nbconvert") -> int:
    """Write `executed` as one HTML file at `out` (atomically); returns the file size."""
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_path(out) as tmp:
            if renderer == "quarto":
                _render_quarto(executed, tmp, title)
            else:
                executed.metadata["title"] = title
                body, _ = _exporter().from_notebook_node(
                    executed, resources={"monitoring": {"css": _css(), "version": __version__},
                                         "language_code": "de"})
                tmp.write_text(with_csp(body), encoding="utf-8")
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise ReportError(f"Kein Speicherplatz mehr auf dem Datenträger: {out.name} konnte "
                              "nicht geschrieben werden. Die zuletzt erstellte Fassung bleibt "
                              "unverändert; geben Sie Speicherplatz frei und starten Sie den "
                              "Lauf erneut.", detail=str(err)) from err
        raise
    return out.stat().st_size


def _render_quarto(executed: nbformat.NotebookNode, out: Path, title: str) -> None:
    with tempfile.TemporaryDirectory(prefix="monitoring-quarto-") as tmpdir:
        source = Path(tmpdir) / "bericht.ipynb"
        nbformat.write(executed, source)
        command = ["quarto", "render", source.name, "--to", "html", "-M", "embed-resources:true",
                   "-M", f"title:{title}", "-M", "lang:de", "--output", "bericht.html"]
        result = subprocess.run(command, cwd=tmpdir, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise ReportError("Quarto konnte den Bericht nicht rendern.",
                              detail=result.stderr[-2000:])
        shutil.move(str(Path(tmpdir) / "bericht.html"), out)
