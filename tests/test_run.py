"""The quarterly run with real papermill kernels: outputs, failure isolation, atomic replacement."""

from __future__ import annotations

import json
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat
import pytest

from monitoring.cli.main import main
from monitoring.report import run_quarter
from monitoring.report.run.compose import notebooks_dir
from monitoring.store import schema

pytestmark = pytest.mark.slow
AREAS = ["16051", "16052"]


@pytest.fixture(scope="module")
def first_run(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    summary = run_quarter("2025-Q4", store_path=demo_store_path, out_dir=out, areas=AREAS)
    assert summary.ok, [r.error for r in summary.failed]
    return out


def test_reports_index_and_manifest(first_run: Path) -> None:
    folder = first_run / "2025-Q4"
    files = sorted(p.name for p in folder.glob("*.html"))
    assert files == ["16051_Erfurt.html", "16052_Gera.html", "barrierefreiheit.html",
                     "index.html"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["period"] == "2025-Q4" and manifest["is_demo"] is True
    assert len(manifest["data_snapshot"]) == 12 and manifest["versions"]["duckdb"]
    assert [r["status"] for r in manifest["reports"]] == ["ok", "ok"]
    assert all(r["seconds"] > 0 for r in manifest["reports"])
    assert manifest["quarter_snapshot_seconds"] > 0  # the state-wide results computed once
    index = (folder / "index.html").read_text()
    assert 'href="16051_Erfurt.html"' in index and "Demodaten – fiktiv" in index
    report = (folder / "16052_Gera.html").read_text()
    assert "Demodaten – fiktiv" in report and "Gera" in report
    assert "4. Quartal 2025" in report and "Datenstand 31.12.2025" in report
    assert "Daten-Snapshot" in report and f"Schema-Version {schema.SCHEMA_VERSION}" in report
    assert "<script src=" not in report  # self-contained: no external scripts
    assert report.count("plotly.js v") == 1  # plotly.js inlined exactly once
    # the partial bundle (≈ 1.1 MB), not plotly.py's full one (4.8 MB): issue 16 item 1
    assert "Partial bundle for the Integrationsmonitor reports" in report
    assert 1_000_000 < len(report.encode()) < 2_000_000
    assert not list(first_run.glob(".*staging*"))
    assert not (first_run / ".monitoring-run.lock").exists()


def _broken_notebooks(tmp_path: Path, fail_for: str) -> Path:
    target = tmp_path / "notebooks"
    shutil.copytree(notebooks_dir(), target)
    path = target / "20_indikatoren.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(4, nbformat.v4.new_code_cell(
        f'if area_code == "{fail_for}":\n    raise RuntimeError("Testfehler für {fail_for}")'))
    nbformat.write(nb, path)
    return target


class _Content(HTMLParser):
    """What a screen-reader user gets of a report (issue 15): figures with their text and
    data, tables with caption and header scopes, traffic lights, the summary."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.plots_outside_figure = 0
        self.figures: list[dict[str, Any]] = []
        self.tables: list[dict[str, Any]] = []
        self.lights: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self._text: list[str] | None = None
        self._what = ""

    def _in(self, tag: str, cls: str | None = None) -> bool:
        return any(t == tag and (cls is None or cls in (a.get("class") or "").split())
                   for t, a in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "div" and "plotly-graph-div" in classes:
            if self._in("figure", "mon-figure"):
                self.figures[-1]["plots"] += 1
            else:
                self.plots_outside_figure += 1
        elif tag == "figure" and "mon-figure" in classes:
            self.figures.append({"alt": "", "plots": 0, "details": None, "table": None})
        elif tag == "details" and self._in("figure", "mon-figure"):
            self.figures[-1]["details"] = "open" in a
        elif tag == "table":
            self.tables.append({"caption": "", "col": [], "row": [], "rows": []})
            if self._in("figure", "mon-figure"):
                self.figures[-1]["table"] = self.tables[-1]
        elif tag == "tr" and self._in("tbody"):
            self.tables[-1]["rows"].append([])
        elif tag == "th":
            self.tables[-1]["row" if self._in("tbody") else "col"].append(a.get("scope"))
        if tag in ("figcaption", "caption", "h1", "h2", "td", "th") or (
                tag == "span" and "mon-light" in classes):
            self._text, self._what = [], tag if tag != "span" else "light"
        self.stack.append((tag, a))

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass
        if self._text is None or tag != ("span" if self._what == "light" else self._what):
            return
        text = " ".join("".join(self._text).replace("¶", "").split())  # nbconvert's anchors
        self._text = None
        if tag == "figcaption":
            self.figures[-1]["alt"] = text
        elif tag == "caption":
            self.tables[-1]["caption"] = text
        elif tag in ("h1", "h2"):
            self.headings.append((tag, text))
        elif tag == "span":
            self.lights.append(text)
        elif self._in("tbody"):
            self.tables[-1]["rows"][-1].append(text)


def test_reports_give_every_figure_and_table_an_accessible_form(first_run: Path) -> None:
    """Issue 15 (content): in Gera's and Erfurt's reports every plotly figure sits in a
    <figure> with a German text alternative and its data table, collapsed; every table has a
    caption and header scopes; traffic lights carry a symbol; „Das Wichtigste in Kürze“
    follows the title; the figure data pass the disclosure scan (withheld: „gesperrt“)."""
    from monitoring.core.privacy import DEFAULT_THRESHOLD
    from monitoring.report.publish import scan

    pages = {}
    for name in ("16052_Gera.html", "16051_Erfurt.html"):
        path = first_run / "2025-Q4" / name
        page = pages[name] = _Content()
        page.feed(path.read_text(encoding="utf-8"))
        assert page.plots_outside_figure == 0 and len(page.figures) >= 8, name
        for figure in page.figures:
            assert figure["plots"] == 1 and figure["details"] is False, figure["alt"]
            assert re.match(r"(Karte|Liniendiagramm|Balkendiagramm|Streudiagramm)\b",
                            figure["alt"]), figure["alt"]
            data = figure["table"]
            assert data is not None and data["caption"].startswith("Daten zur Abbildung")
            assert data["rows"] and not any(c == "." for r in data["rows"] for c in r)
        for table in page.tables:
            assert table["caption"], table["rows"][:2]
            assert table["col"] and set(table["col"]) == {"col"}, table["caption"]
            assert set(table["row"]) <= {"row"}, table["caption"]
        assert page.lights and set(page.lights) <= set("●▲■○")
        h2 = [text for kind, text in page.headings if kind == "h2"]
        assert h2[:2] == ["Das Wichtigste in Kürze", "Angebote und Abdeckung"], h2[:3]
        assert scan.scan_file(path, threshold=DEFAULT_THRESHOLD) == []
    # the district map's text states Gera's value as its data table shows it
    district_map = pages["16052_Gera.html"].figures[0]
    said = re.search(r"Hervorgehoben: Gera mit (\d[\d.]*(?:,\d+)?)", district_map["alt"])
    assert said is not None, district_map["alt"]
    rows = {r[0]: r for r in district_map["table"]["rows"]}
    assert rows["Gera"][1] == said.group(1)



def test_one_failing_district_does_not_stop_the_others(
        first_run: Path, demo_store_path: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    shutil.copytree(first_run, out)
    folder = out / "2025-Q4"
    old_gera = (folder / "16052_Gera.html").read_bytes()
    old_erfurt_mtime = (folder / "16051_Erfurt.html").stat().st_mtime_ns

    code = main(["run", "--period", "2025-Q4", "--store", str(demo_store_path), "--out", str(out),
                 "--notebooks", str(_broken_notebooks(tmp_path, "16052")),
                 "--area", "16051", "--area", "16052"])
    printed = capsys.readouterr().out
    assert code == 1
    assert "Testfehler für 16052" in printed and "1 von 2 Berichten erstellt" in printed
    assert (folder / "16052_Gera.html").read_bytes() == old_gera  # last good report kept
    assert (folder / "16051_Erfurt.html").stat().st_mtime_ns != old_erfurt_mtime
    assert (folder / "_fehler" / "16052.ipynb").exists()
    manifest = json.loads((folder / "manifest.json").read_text())
    gera = next(r for r in manifest["reports"] if r["area_code"] == "16052")
    assert gera["status"] == "failed" and gera["kept_previous"] and "Testfehler" in gera["error"]
    assert "letzte erfolgreiche Fassung" in (folder / "index.html").read_text()


def test_rerun_replaces_reports_atomically(first_run: Path, demo_store_path: Path,
                                           tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(first_run, out)
    report = out / "2025-Q4" / "16051_Erfurt.html"
    from_snapshot = report.read_text()
    reads, partial, stop = [0], [], threading.Event()

    def reader() -> None:
        while not stop.is_set():
            data = report.read_bytes()
            reads[0] += 1
            if not data.rstrip().endswith(b"</html>"):
                partial.append(len(data))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        # without the quarter snapshot: the report computes the state-wide results itself
        summary = run_quarter("2025-Q4", store_path=demo_store_path, out_dir=out,
                              areas=["16051"], workers=1, snapshot=False)
    finally:
        stop.set()
        thread.join()
    assert summary.ok and reads[0] > 10 and partial == []
    assert summary.snapshot_seconds is None
    # … and it is the report the first run made from its snapshot, figure for figure
    assert _comparable(report.read_text()) == _comparable(from_snapshot)
    assert sorted(p.name for p in (out / "2025-Q4").iterdir()) == [
        "16051_Erfurt.html", "16052_Gera.html", "barrierefreiheit.html", "index.html",
        "manifest.json"]
    # The index still lists Gera from the earlier run.
    assert "16052_Gera.html" in (out / "2025-Q4" / "index.html").read_text()


def _comparable(html: str) -> str:
    """A report without what differs between two runs of the same data: the plotly figures'
    random element ids (and with them the scripts' hashes in the Content-Security-Policy),
    the id of papermill's injected cell and the creation time in the footer."""
    html = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", html)
    html = re.sub(r"'sha256-[A-Za-z0-9+/=]+'", "'sha256-…'", html)
    html = re.sub(r'id="cell-id=[0-9a-f]{8}"', 'id="cell-id=…"', html)
    return re.sub(r"erstellt [^<]*", "erstellt …", html)


def test_notebooks_are_found_from_any_working_folder(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside the project folder a source checkout still finds its own notebooks."""
    monkeypatch.chdir(tmp_path)
    found = notebooks_dir()
    assert (found / "10_angebote_abdeckung.ipynb").is_file()
    assert found == (Path(__file__).resolve().parents[1] / "notebooks")


@pytest.mark.slow
def test_a_relative_output_folder_still_gives_the_kernels_the_snapshot(
        demo_store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's `monitoring run` writes to a folder relative to the caller; the kernels
    run in the notebooks folder, so the snapshot must reach them as an absolute path (before:
    every report fell back to on-demand and showed a „SnapshotWarning“ box)."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--period", "2025-Q4", "--area", "16053", "--store",
                 str(demo_store_path), "--out", "berichte", "--workers", "1"]) == 0
    html = (tmp_path / "berichte" / "2025-Q4" / "16053_Jena.html").read_text(encoding="utf-8")
    assert "SnapshotWarning" not in html and "nicht gelesen werden" not in html
