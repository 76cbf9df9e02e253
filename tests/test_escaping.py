"""No text from the store is ever live markup in a published artefact (issue 12, item 3).

A copy of the demo store gets markup in every text that reaches an output – area names
(district, its Gemeinden, every peer), offer titles and addresses, providers (actors),
Handlungsfeld and target-group labels, indicator names, definitions and sources, series
names, goals, measures and who is responsible, ESF project titles, working groups, meetings –
and the manager's conclusions file gets it too. The texts are written into the store directly
(SQL on the copy): what is tested here is the output side, whatever an importer lets through
today or tomorrow. Then the real command line runs: ``monitoring veroeffentlichen`` for the
Ilm-Kreis (papermill, nbconvert, PDF via pandoc/Typst, PowerPoint, tables, Landesvergleich,
index), ``monitoring export indikatoren`` (CSV, XLSX) and ``monitoring export bestand``.

Every HTML file produced is opened in headless Chromium (``--dump-dom`` after the scripts
ran): the injected ``onerror`` / ``<script>`` would mark the document (``data-pwned``); no
injected ``<img src=x>`` or script element may exist; the text must be visible literally. A
Markdown/Typst-looking name (``*Kurs* #1 $x$``) must print literally in the PDF. In CSV and
XLSX exports the text is unchanged, and a name beginning with ``=`` is never a formula (XLSX:
a text cell; CSV: a leading apostrophe – see `monitoring.io.spreadsheet`).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from monitoring.cli.main import main

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MARK = "window.__pwned=1;document.documentElement.dataset.pwned=1"
IMG = f'<img src=x onerror="{MARK}">'
SCRIPT = f"<script>{MARK}</script>"
LITERAL = "*Kurs* #1 $x$ _a_ [b](c) @d"  # Markdown, Typst maths/labels, a citation
TAG = f"{IMG}{SCRIPT} {LITERAL}"
DISTRICT = "16070"
FORMULA_NAME = "=1+1 Gemeinde"  # a Gemeinde of the district: starts like a formula
PERIOD = "2025-Q4"

# (table, text column, rows) – rows: SQL condition or None for all rows
FIELDS = [
    ("area", "name", "level IN ('kreis', 'gemeinde')"),
    ("offer", "title", None), ("offer", "address", "address IS NOT NULL"),
    ("actor", "name", None),
    ("vocabulary", "label_de", "kind IN ('field', 'target_group')"),
    ("indicator", "name_de", None), ("indicator", "definition", None),
    ("indicator", "source", None),
    ("series", "name_de", None),
    ("goal", "title", None), ("measure", "title", None), ("measure", "actor", None),
    ("esf_project", "title", None), ("working_group", "name", None),
    ("meeting", "title", None),
]


def _poison(store: Path) -> str:
    """Markup into every text field; returns the name of the Gemeinde starting with "="."""
    with duckdb.connect(str(store)) as con:
        for table, column, where in FIELDS:
            con.execute(f"UPDATE {table} SET {column} = {column} || ' ' || ?"
                        + (f" WHERE {where}" if where else ""), [TAG])
        code = con.execute("SELECT min(area_code) FROM area WHERE level = 'gemeinde' AND "
                           "area_code LIKE ?", [DISTRICT + "%"]).fetchone()[0]
        con.execute("UPDATE area SET name = ? WHERE area_code = ?", [FORMULA_NAME + TAG, code])
    return FORMULA_NAME + TAG


@pytest.fixture(scope="module")
def published(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("escaping")
    store = root / "store.duckdb"
    shutil.copy(demo_store_path, store)
    _poison(store)
    fazit = root / "fazit"
    fazit.mkdir()
    (fazit / f"{DISTRICT}_2025.md").write_text(
        # the manager's own Markdown: markup yes, but no "@d" (a pandoc citation, see report)
        f"Fazit {IMG}{SCRIPT}\n\n## Nächste Schritte\n\n- Schritt {IMG}{SCRIPT}\n",
        encoding="utf-8")
    out = root / "reports"
    code = main(["veroeffentlichen", "--period", PERIOD, "--store", str(store), "--out",
                 str(out), "--area", DISTRICT, "--fazit", str(fazit), "--workers", "1",
                 "--renderer", "nbconvert"])
    assert code == 0
    exports = root / "exports"
    exports.mkdir()
    for form in ("csv", "xlsx"):
        assert main(["export", "indikatoren", "--format", form, "--store", str(store),
                     "--out", str(exports / f"indikatoren.{form}")]) == 0
    assert main(["export", "bestand", "--format", "xlsx", "--store", str(store), "--area",
                 DISTRICT, "--out", str(exports / "bestand.xlsx")]) == 0
    return root


def _dom(page: Path) -> str:
    assert CHROMIUM is not None
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--virtual-time-budget=15000", "--dump-dom",
         page.as_uri()], capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _unpacked(root: Path) -> list[Path]:
    """Every HTML file of the publication, also those only inside a ZIP."""
    pages = sorted(root.rglob("*.html"))
    target = root / "_aus_zip"
    for archive in sorted(root.rglob("*.zip")):
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                if name.endswith(".html"):
                    pages.append(Path(zf.extract(name, target / archive.stem)))
    return pages


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium fehlt (Debian-Paket `chromium`)")
def test_no_injected_markup_is_live_in_any_html_page(published: Path) -> None:
    pages = _unpacked(published / "reports")
    names = {p.name for p in pages}
    assert "index.html" in names and any(n.startswith(DISTRICT) for n in names)
    assert any("vergleich" in n.lower() for n in names), names
    for page in pages:
        source = page.read_text(encoding="utf-8")
        assert 'http-equiv="Content-Security-Policy"' in source, page.name
        dom = _dom(page)
        assert "data-pwned" not in dom, f"{page.name}: eingeschleuster Code lief"
        assert not re.search(r"<img[^>]*\bsrc=\"?x\b", dom), f"{page.name}: <img src=x> im DOM"
        assert not re.search(r"<script>\s*window\.__pwned", dom), f"{page.name}: <script> im DOM"
        if page.name == "barrierefreiheit.html":
            continue  # the statement shows no store text (only the Land's name, not poisoned)
        # the text is there, visible as text (serialised text nodes escape only & < >)
        assert f'&lt;img src=x onerror="{MARK}"&gt;' in dom, page.name
    report = next(p for p in pages if p.name.startswith(DISTRICT) and p.parent.name == PERIOD)
    dom = _dom(report)
    assert dom.count('class="main-svg"') >= 20  # the plotly figures still draw under the CSP
    comparison = next(p for p in pages if "vergleich" in p.name.lower())
    source = comparison.read_text(encoding="utf-8")
    assert source.count("plotly.js v") == 1 and "Partial bundle" in source  # issue 16
    assert 'class="main-svg"' in _dom(comparison)  # its map draws with the partial bundle
    assert LITERAL in dom and "&lt;script&gt;" in dom


def test_markdown_and_typst_look_alikes_print_literally_in_the_pdf(published: Path) -> None:
    from pypdf import PdfReader

    pdfs = sorted((published / "reports").rglob("*.pdf"))
    assert pdfs
    for pdf in pdfs:
        text = " ".join(" ".join((p.extract_text() or "").split())
                        for p in PdfReader(pdf).pages)
        assert "*Kurs* #1 $x$ _a_ [b](c) @d" in text, pdf.name
        # pandoc sets typographic quotes („…“): the markup is still printed as text
        assert '<img src=x onerror="window.__pwned=1;' in text.replace("„", '"').replace(
            "“", '"'), pdf.name


def _csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [c for row in csv.reader(io.StringIO(text), delimiter=";") for c in row]


def test_exports_keep_the_text_and_never_hold_a_formula(published: Path) -> None:
    books = [*sorted((published / "reports").rglob("*.xlsx")),
             published / "exports" / "indikatoren.xlsx", published / "exports" / "bestand.xlsx"]
    seen_tag = seen_formula = 0
    for path in books:
        for ws in openpyxl.load_workbook(path).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{path.name} {cell.coordinate}: Formel"
                    if isinstance(cell.value, str):
                        seen_tag += TAG in cell.value
                        seen_formula += cell.value.startswith(FORMULA_NAME)
    assert seen_tag and seen_formula  # the names are there, unchanged
    csvs = [*sorted((published / "reports").rglob("*.csv")),
            published / "exports" / "indikatoren.csv"]
    cells = [c for path in csvs for c in _csv_cells(path.read_bytes())]
    assert any(TAG in c for c in cells)
    starts = [c for c in cells if FORMULA_NAME in c]
    assert starts and all(c.startswith("'" + FORMULA_NAME) for c in starts), starts[:3]
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
