"""Rendering never changes the report notebooks, and what a render left in them cannot change
the next run (issue 13, items 1 and 7): stale ``injected-parameters`` cells, parameters that
Quarto passes as YAML, the keep-sources script, German order in listings, ``lang``. The Quarto
renders themselves (direct ``quarto render`` of a notebook, website) are in
test_quarto_render.py.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from monitoring.errors import AreaError
from quarto_helpers import ROOT, SECTION, period_folder, quarto_project


def _as_quarto_left_it(path: Path, area_code: int) -> None:
    """What ``quarto render <path> --execute -P area_code:<n>`` writes into the source
    (observed with Quarto 1.11): an ``injected-parameters`` cell after the ``parameters`` cell
    holding the YAML value, outputs, execution counts and papermill metadata."""
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    injected = nbformat.v4.new_code_cell(f"# Injected Parameters\narea_code = {area_code}\n",
                                         metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(at + 1, injected)
    for number, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = number + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Erfurt\n")]
    nb.metadata["papermill"] = {"parameters": {"area_code": area_code}}
    nbformat.write(nb, path)


@pytest.fixture
def rendered_notebooks(tmp_path: Path) -> Path:
    """A copy of notebooks/ in which 10_angebote_abdeckung was rendered for Erfurt (16051)."""
    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", folder)
    _as_quarto_left_it(folder / SECTION, 16051)
    return folder


def test_compose_ignores_what_a_render_left_in_a_section(rendered_notebooks: Path) -> None:
    from monitoring.report.run.compose import REPORTS, compose

    before = (rendered_notebooks / SECTION).read_bytes()
    notes: list[str] = []
    report = compose(REPORTS["quartalsbericht"], rendered_notebooks, notes)
    tags = [t for c in report.cells for t in c.metadata.get("tags", [])]
    assert "injected-parameters" not in tags
    assert not any("area_code = 16051" in c.source for c in report.cells)
    code = [c for c in report.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "papermill" not in report.metadata
    # one German note, for the one file concerned, saying how to clean it
    assert len(notes) == 1 and SECTION in notes[0] and "injected-parameters" in notes[0]
    assert "unverändert" in notes[0] and "Ausgaben in" in notes[0]
    assert (rendered_notebooks / SECTION).read_bytes() == before  # the source is not touched


def test_clean_sections_give_no_note() -> None:
    from monitoring.report.run.compose import REPORTS, compose, notebooks_dir

    notes: list[str] = []
    compose(REPORTS["quartalsbericht"], notebooks_dir(), notes)
    assert notes == []


@pytest.mark.slow
def test_run_after_a_quarto_render_reports_the_requested_district(
        rendered_notebooks: Path, demo_store_path: Path, tmp_path: Path) -> None:
    """Before: papermill replaced the stale injected cell (after the setup cell) with the run's
    parameters, the setup ran with the defaults and the Jena report was about the Ilm-Kreis."""
    from monitoring.report import run_quarter

    summary = run_quarter("2025-Q4", store_path=demo_store_path, out_dir=tmp_path / "out",
                          areas=["16053"], notebooks=rendered_notebooks, renderer="nbconvert",
                          workers=1)
    assert summary.ok, summary.failed
    html = (tmp_path / "out" / "2025-Q4" / "16053_Jena.html").read_text(encoding="utf-8")
    # the header names Jena (before: Ilm-Kreis, the defaults); other districts may be named in
    # comparisons, so mentions elsewhere are not counted
    assert set(re.findall(r"<h1>([^<]*)</h1>", html)) == {"Jena"}
    assert any(SECTION in note for note in summary.notes)


def test_area_code_from_yaml_keeps_its_leading_zero() -> None:
    from monitoring.core.areas import code_from_parameter

    assert code_from_parameter(16051) == "16051"       # -P area_code:16051 arrives as int
    assert code_from_parameter(1001) == "01001"        # Flensburg: the zero YAML dropped
    assert code_from_parameter(9) == "09" and code_from_parameter(16) == "16"
    assert code_from_parameter(9162000) == "09162000"  # a municipality in Bayern
    assert code_from_parameter(" 16053 ") == "16053"
    with pytest.raises(AreaError, match="führende Null"):
        code_from_parameter("1605")  # text is taken as written
    with pytest.raises(AreaError, match=r"area_code.*16051\.0 \(float\)"):
        code_from_parameter(16051.0)
    with pytest.raises(AreaError, match="area_code"):
        code_from_parameter(True)


def test_setup_cell_refuses_a_malformed_code_before_opening_the_store(tmp_path: Path) -> None:
    from monitoring.present.notebook import open_report

    missing_store = tmp_path / "gibt-es-nicht.duckdb"
    with pytest.raises(AreaError, match="kein gültiger amtlicher Gebietsschlüssel"):
        open_report(str(missing_store), "16O51", "2025-Q4")
    with pytest.raises(AreaError, match="area_code"):
        open_report(str(missing_store), [16051], "2025-Q4")  # type: ignore[arg-type]
    assert not missing_store.exists()


def test_setup_cell_takes_the_code_as_quarto_passes_it(demo_store_path: Path) -> None:
    from monitoring.present.notebook import open_report

    store, ctx = open_report(str(demo_store_path), 16051, "2025-Q4")
    store.close()
    assert ctx.area_code == "16051" and ctx.area_name == "Erfurt"


def test_quartos_gitignore_lines_are_committed() -> None:
    """Quarto appends these two lines to .gitignore on every render unless they are present."""
    lines = [line.strip() for line in (ROOT / ".gitignore").read_text().splitlines()]
    assert "/.quarto/" in lines and "**/*.quarto_ipynb" in lines


def test_german_sort_key() -> None:
    from monitoring.fmt import sort_key

    names = ["Weimar", "Suhl", "Übersicht aller Berichte", "Sömmerda", "Saalfeld-Rudolstadt",
             "Unstrut-Hainich-Kreis", "Straße", "Strasbourg", "eisenach", "Erfurt"]
    assert sorted(names, key=sort_key) == [
        "eisenach", "Erfurt", "Saalfeld-Rudolstadt", "Sömmerda", "Strasbourg", "Straße",
        "Suhl", "Übersicht aller Berichte", "Unstrut-Hainich-Kreis", "Weimar"]


def test_website_listing_in_german_order(tmp_path: Path) -> None:
    from monitoring.report.publish import site

    period = period_folder(tmp_path)
    site.write_sources(tmp_path)
    items = yaml.safe_load((period / "berichte.yml").read_text(encoding="utf-8"))
    assert [i["title"] for i in items] == [
        "Erfurt (16051)", "Sömmerda (16068)", "Suhl (16054)", "Übersicht aller Berichte",
        "Unstrut-Hainich-Kreis (16064)", "Weimarer Land (16071)"]
    front = yaml.safe_load((period / "uebersicht.qmd").read_text(encoding="utf-8")
                           .split("---\n")[1])
    assert front["listing"]["sort"] is False  # Quarto keeps this order


def test_nbconvert_report_declares_german(tmp_path: Path) -> None:
    from monitoring.report.run.render import render_html

    out = tmp_path / "16070_Ilm-Kreis.html"
    render_html(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Bericht")]),
                out, title="Bericht")
    assert '<html lang="de">' in out.read_text(encoding="utf-8")[:300]


def _keep_sources(project: Path, step: str, *inputs: str) -> None:
    env = {**os.environ, "QUARTO_PROJECT_INPUT_FILES": "\n".join(inputs)}
    env.pop("QUARTO_USE_FILE_FOR_PROJECT_INPUT_FILES", None)
    subprocess.run([sys.executable, "scripts/quarto_keep_sources.py", step], cwd=project,
                   env=env, check=True, capture_output=True, text=True)


def test_keep_sources_script_restores_and_respects_edits(tmp_path: Path) -> None:
    """The pre/post-render script on its own (no Quarto needed): a rendered notebook goes back
    to its copy – also after a render that stopped before `nachher` – but an edit made by hand
    since then is kept."""
    project = quarto_project(tmp_path)
    source = project / "notebooks" / SECTION
    clean = source.read_bytes()
    name = f"notebooks/{SECTION}"

    _keep_sources(project, "vorher", name, "notebooks/berichte.qmd")
    _as_quarto_left_it(source, 16051)            # what the render writes back
    _keep_sources(project, "nachher")
    assert source.read_bytes() == clean
    assert not list((project / ".quarto").rglob("*.ipynb"))  # no copies left behind

    _keep_sources(project, "vorher", name)
    _as_quarto_left_it(source, 16051)            # the render stopped: no `nachher`
    _keep_sources(project, "vorher", name)       # the next render first puts it back
    assert source.read_bytes() == clean

    edited = clean.replace(b"Angebote und Abdeckung", b"Angebote und Abdeckung (Entwurf)")
    assert edited != clean
    source.write_bytes(edited)                   # an edit after a stopped render wins
    _keep_sources(project, "vorher", name)
    _keep_sources(project, "nachher")
    assert source.read_bytes() == edited
