"""The issue's session, end to end (issue 12, item 1): own figures of counts 1 and 2 in a store
copy, then ``monitoring veroeffentlichen`` for all districts. The publication must either
come out with the withheld cells safely protected in every published form – read back by the
scanner's solver over the published folder – or be refused; and an artefact edited to show
what was withheld must be caught. Real store on disk, real command line, real papermill.
"""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from monitoring.cli.main import main
from monitoring.report.publish import scan
from monitoring.store.database import open_store
from monitoring.views.scope import districts

ERFURT, GREIZ = "16051", "16076"  # a town and a county: A28 2025-Q4 1 and 2, all others 0
TITLE = "A28 Anerkennung von Berufsabschlüssen"


@pytest.fixture
def own_figures(writable_store: Path, tmp_path: Path) -> Path:
    """The demo store with A28 (positive recognitions, a count) imported for every district:
    2025-Q3 5 + i, 2025-Q4 Erfurt 1, Greiz 2, every other district 0 – the state 3 – and a
    target for A28 in every district, so each report shows the comparison chart."""
    with open_store(writable_store) as store:
        codes = list(districts(store)["area_code"])
    values = tmp_path / "a28.csv"
    values.write_text("reihe;gebiet;zeitraum;wert\n" + "".join(
        f"anerkennungen_positiv;{c};2025-Q3;{5 + i}\n"
        f"anerkennungen_positiv;{c};2025-Q4;{ {ERFURT: 1, GREIZ: 2}.get(c, 0)}\n"
        for i, c in enumerate(codes)), encoding="utf-8")
    targets = tmp_path / "a28_ziele.csv"
    targets.write_text("indikator;gebiet;ziel;ausgangsquartal;ausgangswert;zielquartal;"
                       "zielwert\n" + "".join(f"A28;{c};Z-{c}-arbeit;2024-Q4;1;2026-Q4;20\n"
                                              for c in codes), encoding="utf-8")
    assert main(["import", "zahlen", str(values), "--store", str(writable_store)]) == 0
    assert main(["import", "konzept", str(targets), "--store", str(writable_store)]) == 0
    return writable_store


def _published(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in scan.SUFFIXES)


@pytest.mark.slow
@pytest.mark.nightly  # all 22 districts in every format: many minutes on two cores
def test_small_own_figures_are_published_protected_or_refused(
        own_figures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, fazit = tmp_path / "out", tmp_path / "fazit"
    fazit.mkdir()
    code = main(["veroeffentlichen", "--period", "2025-Q4", "--store", str(own_figures),
                 "--out", str(out), "--fazit", str(fazit), "--workers", "2"])
    printed = " ".join(capsys.readouterr().out.split())
    folder = out / "2025-Q4"
    if code == 1:  # refused: a German finding, nothing published
        assert "Nichts veröffentlicht" in printed
        assert not list(folder.glob("*.html"))
        return
    assert code == 0, printed
    register = json.loads((folder / "veroeffentlichung.json").read_text(encoding="utf-8"))
    tables = [t for e in register["artefacts"] for t in e["tables"]]
    files = _published(folder)
    assert len([p for p in files if p.name.endswith("_Evaluation.pdf")]) == 22
    for path in files:  # every published form, read back
        assert scan.scan_file(path, threshold=3, register=tables) == [], path.name
    assert scan.scan_families(files, threshold=3) == []
    # the comparison chart of A28 over all reports: 22 districts, Erfurt and Greiz withheld,
    # and a reader cannot narrow either (by hand: with 20 zeros shown nothing can protect
    # them, so the state value 3 must be withheld)
    families: dict[str, scan.CountFamily] = {}
    for path in files:
        if path.suffix == ".html":
            scan.count_families(scan.plotly_figures(path.read_text(encoding="utf-8")),
                                path.name, families)
    a28 = families[TITLE]
    assert len(a28.cells) == 22
    assert sorted(n for n, v in a28.cells.items() if v is None) == ["Erfurt", "Greiz"]
    assert a28.state is None

    # an artefact edited to show the withheld state value (as the old rule published it)
    report = next(p for p in files if p.name.startswith(f"{ERFURT}_"))
    figure = next(f for f in scan.plotly_figures(report.read_text(encoding="utf-8"))
                  if scan.chart_title(f["layout"]) == TITLE)
    leaked = go.Figure(figure)
    leaked.add_vline(x=3.0)
    with report.open("a", encoding="utf-8") as handle:
        handle.write(pio.to_html(leaked, full_html=False, include_plotlyjs=False))
    found = scan.scan_families(files, threshold=3)
    assert {f.where for f in found} == {f"Diagramm „{TITLE}“, Erfurt",
                                        f"Diagramm „{TITLE}“, Greiz"}
    assert all("zwischen 1 und 2" in f.reason for f in found)
