"""Rendering with Quarto where it is installed; the Jupyter-native path is tested elsewhere."""

import json
import shutil
from pathlib import Path

import pytest

from monitoring.errors import ReportError
from monitoring.report import run_quarter
from monitoring.report.run.render import choose_renderer

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


def test_full_disk_during_render_keeps_the_previous_file(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import nbformat

    from monitoring.report.run.render import render_html

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Bericht")])
    out = tmp_path / "16070_Ilm-Kreis.html"
    render_html(nb, out, title="Erste Fassung")
    first = out.read_bytes()
    assert b"Bericht" in first
    real_write = Path.write_text

    def full_disk(self: Path, *args: object, **kwargs: object) -> int:
        if self.name.endswith(".tmp"):
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", full_disk)
    with pytest.raises(ReportError, match="Kein Speicherplatz mehr") as info:
        render_html(nb, out, title="Zweite Fassung")
    assert "No space left" in str(info.value)  # the technical cause stays attached
    assert out.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def quarto_command(notebook: str, parameters: dict[str, str], *, to: str = "html") -> list[str]:
    """``quarto render`` for one notebook with the same parameters papermill gets
    (``-P name:value`` fills the notebook's ``parameters`` cell, as papermill does)."""
    command = ["quarto", "render", notebook, "--to", to, "--execute"]
    for name, value in parameters.items():
        command += ["-P", f"{name}:{value}"]
    return command


def test_quarto_parameters_are_the_papermill_parameters() -> None:
    """`quarto render -P` must fill the same names the notebooks' parameters cell defines."""
    import ast

    import nbformat

    from monitoring.report.run.compose import notebooks_dir

    params = {"area_code": "16070", "period": "2025-Q4", "store_path": "data/demo.duckdb",
              "settings_json": ""}
    command = quarto_command("notebooks/10_angebote_abdeckung.ipynb", params)
    assert command[:3] == ["quarto", "render", "notebooks/10_angebote_abdeckung.ipynb"]
    passed = [command[i + 1].split(":", 1)[0] for i, c in enumerate(command) if c == "-P"]
    for path in sorted(notebooks_dir(None).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        names = [t.id for node in ast.parse(cell.source).body if isinstance(node, ast.Assign)
                 for t in node.targets if isinstance(t, ast.Name)]
        assert sorted(names) == sorted(passed), path.name


@pytest.fixture(scope="module")
def facts(demo_store_path: Path):  # type: ignore[no-untyped-def]
    from monitoring.io import settings
    from monitoring.report.publish import evaluation
    from monitoring.store.database import open_store

    with open_store(demo_store_path) as store:
        return evaluation.collect(store, "16072", "2025-Q4",
                                  settings=settings.resolve(store=store))


def test_revealjs_deck_source(facts) -> None:  # type: ignore[no-untyped-def]
    import yaml

    from monitoring.report.publish.reveal import MAP_FILE, deck_qmd

    qmd = deck_qmd(facts, conclusions_text="## Nächste Schritte\n\n- Netzwerktreffen im Mai\n")
    _, front, body = qmd.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert meta["lang"] == "de" and meta["title"] == "Integrationsmonitoring Sonneberg"
    assert meta["format"]["revealjs"]["embed-resources"] is True
    slides = [line[3:] for line in body.splitlines() if line.startswith("## ")]
    assert slides == ["Angebote je 1.000 ausländische Staatsangehörige",
                      "Ziele im Überblick (Ampel)", "Drei Kernaussagen", "Nächste Schritte",
                      "Quellen und Datenstand"]
    assert len(slides) + 1 <= 8  # plus the title slide
    assert f"![]({MAP_FILE})" in body and "- Netzwerktreffen im Mai" in body
    assert "Demodaten – fiktiv" in qmd and body.count("Quelle:") >= 2
    # like the PowerPoint deck: one line on the district's place in the Status-Dynamik-Index
    messages = body.split("## Drei Kernaussagen")[1].split("## ")[0]
    assert "Status-Dynamik-Index (Lage im Vergleich von 22 Kreisen" in messages
    assert "relativ zu den anderen Gebieten" in messages


@pytest.mark.quarto
@pytest.mark.skipif(QUARTO is None, reason="Quarto-CLI nicht installiert (kein `quarto` im "
                    "PATH); die Kreistag-Folien werden als PowerPoint getestet")
def test_revealjs_deck_renders_offline(facts, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from monitoring.report.publish.reveal import deck_qmd, render_deck

    out = tmp_path / "16072_Sonneberg_Kreistag.html"
    render_deck(deck_qmd(facts), facts.figures["map"], out)
    html = out.read_text(encoding="utf-8")
    assert "reveal" in html and "Drei Kernaussagen" in html
    assert "<script src=\"http" not in html


@pytest.mark.quarto
@pytest.mark.skipif(QUARTO is None, reason="Quarto-CLI nicht installiert (kein `quarto` im "
                    "PATH); die Quelldateien der Website werden in test_publish geprüft")
def test_quarto_website_renders(tmp_path: Path) -> None:
    from monitoring.report.publish import site

    period = tmp_path / "2025-Q4"
    period.mkdir()
    (period / "16070_Ilm-Kreis.html").write_text("<html><body>Bericht</body></html>")
    (period / "manifest.json").write_text(json.dumps({"reports": [
        {"area_code": "16070", "name": "Ilm-Kreis", "file": "16070_Ilm-Kreis.html"}]}))
    site.write_sources(tmp_path)
    built = site.render(tmp_path)
    assert (built / "index.html").exists() and (built / "2025-Q4" / "16070_Ilm-Kreis.html").exists()
    assert "Ilm-Kreis" in (built / "2025-Q4" / "uebersicht.html").read_text(encoding="utf-8")
