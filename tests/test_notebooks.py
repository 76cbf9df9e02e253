"""Notebook contracts: parameters, no outputs, valid Quarto front matter, composition."""

import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest
import yaml

from monitoring.report.run.compose import PARAMETERS, REPORTS, compose, notebooks_dir

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_coverage_and_indicator_notebooks() -> None:
    names = {p.name for p in NOTEBOOKS}
    assert {"10_angebote_abdeckung.ipynb", "15_bestand.ipynb", "20_indikatoren.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_contract(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip outputs"
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    assert set(pm.inspect_notebook(str(path))) == set(PARAMETERS)
    front = nb.cells[0]
    assert front.cell_type == "raw"
    meta = yaml.safe_load(front.source.strip().strip("-"))
    assert meta["lang"] == "de" and meta["title"] and meta["execute"]["echo"] is False
    assert not any("def " in c.source or "class " in c.source for c in code), \
        "logic belongs in src/"
    assert all(len(c.source.splitlines()) <= 15 for c in code), "keep cells short"


def test_report_composition_keeps_one_header_and_footer() -> None:
    report = compose(REPORTS["quartalsbericht"], notebooks_dir())
    tags = [t for c in report.cells for t in c.metadata.get("tags", [])]
    assert tags.count("parameters") == 1 and tags.count("setup") == 1
    assert tags.count("footer") == 1
    assert report.cells[0].cell_type == "raw" and "Quartalsbericht" in report.cells[0].source
    json.dumps(report)  # serialisable
