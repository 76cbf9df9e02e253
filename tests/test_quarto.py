"""Rendering with Quarto where it is installed; the Jupyter-native path is tested elsewhere."""

import shutil
from pathlib import Path

import pytest

from monitoring.errors import ReportError
from monitoring.report import run_quarter
from monitoring.report.render import choose_renderer

QUARTO = shutil.which("quarto")


def test_renderer_choice() -> None:
    assert choose_renderer("nbconvert") == "nbconvert"
    assert choose_renderer("auto") == ("quarto" if QUARTO else "nbconvert")
    with pytest.raises(ReportError, match="Unbekannter Renderer"):
        choose_renderer("word")
    if not QUARTO:
        with pytest.raises(ReportError, match="Quarto ist nicht installiert"):
            choose_renderer("quarto")


@pytest.mark.quarto
@pytest.mark.slow
@pytest.mark.skipif(QUARTO is None, reason="Quarto-CLI nicht installiert (kein `quarto` im "
                    "PATH); der Jupyter-native Renderer wird stattdessen getestet")
def test_quarto_renders_a_self_contained_report(demo_store_path: Path, tmp_path: Path) -> None:
    summary = run_quarter("2025-Q4", store_path=demo_store_path, out_dir=tmp_path,
                          areas=["16070"], renderer="quarto")
    assert summary.ok, summary.failed
    html = (tmp_path / "2025-Q4" / "16070_Ilm-Kreis.html").read_text()
    assert "Demodaten – fiktiv" in html and "Plotly.newPlot" in html
    assert "<script src=\"http" not in html
