"""Compose one report notebook from section notebooks.

Each section notebook in ``notebooks/`` runs on its own (front matter, a ``parameters`` cell,
a ``setup`` cell with the report header, body cells, a ``footer`` cell). A report is the
sections in order, with the front matter, parameters and setup of the first section and the
footer of the last, so that it executes in one kernel and states its header and sources once.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from monitoring.errors import ConfigError


@dataclass(frozen=True)
class ReportSpec:
    """A report: its German title and its section notebooks (file names in ``notebooks/``)."""

    name: str
    title: str
    sections: tuple[str, ...]


REPORTS: dict[str, ReportSpec] = {
    "quartalsbericht": ReportSpec(
        "quartalsbericht", "Quartalsbericht Integrationsmonitoring",
        ("10_angebote_abdeckung.ipynb", "15_bestand.ipynb", "20_indikatoren.ipynb",
         "30_erreichbarkeit.ipynb", "40_controlling.ipynb")),
}

# ``settings_json``: the run's resolved settings (`monitoring.core.config.Settings.to_json`);
# empty when a notebook is run by hand (then `monitoring.io.settings.interactive` applies).
# ``snapshot_path``: the run's quarter snapshot (`monitoring.views.snapshot`); empty by hand
# (then the state-wide results are computed in the notebook, with the same numbers)
PARAMETERS = ("area_code", "period", "store_path", "settings_json", "snapshot_path")


def notebooks_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the section notebooks are: the argument, ``./notebooks``, or the source checkout."""
    candidates = [Path(explicit)] if explicit else [
        Path.cwd() / "notebooks", Path(__file__).resolve().parents[4] / "notebooks"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    raise ConfigError(
        "Der Ordner mit den Berichts-Notebooks wurde nicht gefunden (gesucht: "
        + ", ".join(str(c) for c in candidates)
        + "). Starten Sie den Befehl im Projektordner oder geben Sie `--notebooks ORDNER` an.")


def _tags(cell: nbformat.NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _check_section(path: Path, nb: nbformat.NotebookNode) -> None:
    params = [c for c in nb.cells if "parameters" in _tags(c)]
    if len(params) != 1:
        raise ConfigError(
            f"Das Notebook {path.name} braucht genau eine Zelle mit dem Tag `parameters` "
            f"(gefunden: {len(params)}).")
    names = set(re.findall(r"^(\w+)\s*=", params[0].source, flags=re.MULTILINE))
    if names != set(PARAMETERS):
        raise ConfigError(
            f"Die Parameterzelle von {path.name} definiert {sorted(names)}; erwartet werden "
            f"genau {list(PARAMETERS)}.")


# cells a previous run wrote into a notebook: papermill and ``quarto render -P`` insert one
# tagged so after the ``parameters`` cell (papermill replaces an existing one in place)
INJECTED = "injected-parameters"


def _strip_run_state(path: Path, nb: nbformat.NotebookNode) -> str:
    """Remove what an earlier execution left in a section (in memory, never in the file):
    ``injected-parameters`` cells, outputs, execution counts, papermill metadata. Returns a
    German note naming what was removed ("" when the section was clean)."""
    found = []
    injected = [c for c in nb.cells if INJECTED in _tags(c)]
    if injected:
        nb.cells = [c for c in nb.cells if INJECTED not in _tags(c)]
        found.append(f"{len(injected)} Zelle(n) `{INJECTED}`")
    with_outputs = 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            if cell.get("outputs"):
                with_outputs += 1
            cell.outputs = []
            cell.execution_count = None
    if with_outputs:
        found.append(f"Ausgaben in {with_outputs} Zelle(n)")
    nb.metadata.pop("papermill", None)
    if not found:
        return ""
    return (f"Das Notebook {path.name} enthält Reste eines früheren Laufs ({', '.join(found)}, "
            "z. B. von `quarto render … --execute -P …`); sie wurden für diesen Bericht "
            "ignoriert, die Datei selbst bleibt unverändert. Bereinigen: `git checkout -- "
            f"{path.name}` oder `jupyter nbconvert --clear-output --inplace {path.name}` und "
            f"die Zelle `{INJECTED}` löschen.")


def compose(spec: ReportSpec, directory: Path,
            notes: list[str] | None = None) -> nbformat.NotebookNode:
    """The report notebook for `spec`, built from its sections in `directory`.

    A section that an earlier run executed in place (outputs, a stale ``injected-parameters``
    cell) is used without them – otherwise the stale cell would override the run's parameters;
    a German note for each such file is appended to `notes`.
    """
    sections = []
    for name in spec.sections:
        path = directory / name
        if not path.exists():
            raise ConfigError(f"Das Berichts-Notebook {path} fehlt.")
        nb = nbformat.read(path, as_version=4)
        _check_section(path, nb)
        note = _strip_run_state(path, nb)
        if note and notes is not None:
            notes.append(note)
        sections.append(nb)
    first, last = sections[0], sections[-1]
    cells = []
    for cell in first.cells:
        if cell.cell_type == "raw" and cell.source.lstrip().startswith("---"):
            cells.append(_retitle(cell, spec.title))
        elif "parameters" in _tags(cell) or "setup" in _tags(cell):
            cells.append(cell)
    for nb in sections:
        for cell in nb.cells:
            tags = _tags(cell)
            if (cell.cell_type == "raw" and cell.source.lstrip().startswith("---")) or \
                    tags & {"parameters", "setup", "footer"}:
                continue
            cells.append(cell)
    cells.extend(c for c in last.cells if "footer" in _tags(c))
    for i, cell in enumerate(cells):  # section ids may collide (c000 …): renumber first
        cell["id"] = f"c{i:03d}"
    report = nbformat.v4.new_notebook(cells=cells, metadata=first.metadata)
    report.metadata["title"] = spec.title
    nbformat.validator.normalize(report)
    return report


def _retitle(cell: nbformat.NotebookNode, title: str) -> nbformat.NotebookNode:
    new = nbformat.v4.new_raw_cell(
        re.sub(r'^title: .*$', f'title: "{title}"', cell.source, count=1, flags=re.MULTILINE))
    new.metadata = cell.metadata
    return new
