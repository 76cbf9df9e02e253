"""Everything Quarto renders, rendered once for this module and then looked at: the report of
`monitoring run --renderer quarto`, a direct `quarto render` of a notebook (HTML and revealjs),
the Kreistag deck and the website (issue 13, items 1–3), and the same district's report from
the built-in renderer and as a Typst PDF via Quarto (items 3 and 4). Self-contained means: no
address outside the file in the HTML, and headless Chromium with every non-file request refused
shows all pages without errors, the plotly figures drawn.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil
import threading
from dataclasses import dataclass
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from accessible_files import pdf_problems, structure
from quarto_helpers import (
    BROWSER_ARGS,
    CHROMIUM,
    EMOJI,
    SECTION,
    external_resources,
    period_folder,
    quarto,
    quarto_project,
)
from test_demo_run import MID_WORD_BREAKS, MISALIGNED_HEADERS, OVERFLOWING_CELLS

QUARTO = shutil.which("quarto")
pytestmark = [
    pytest.mark.quarto, pytest.mark.slow,
    pytest.mark.skipif(QUARTO is None, reason="Quarto-CLI nicht installiert (kein `quarto` im "
                       "PATH); der Jupyter-native Renderer, die PowerPoint-Folien und die "
                       "Quelldateien der Website werden stattdessen getestet"),
]


@dataclass
class Rendered:
    report: Path           # monitoring run --renderer quarto, Ilm-Kreis
    project: Path          # the copied Quarto project of the direct render
    sources_before: dict[str, bytes]
    gitignore_before: bytes
    direct_html: Path      # quarto render notebooks/10_… -P area_code:16051 (Erfurt)
    direct_deck: Path      # the same with --to revealjs for Jena
    direct_pdf: Path       # … and with --to typst for Erfurt
    deck: Path             # Kreistag deck (revealjs) of Sonneberg
    site: Path             # quarto render of the website (_site)
    builtin: Path          # the Ilm-Kreis report executed once more, built-in renderer …
    pdf: Path              # … and the same executed notebook as Typst PDF via Quarto


@pytest.fixture(scope="module")
def rendered(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    from monitoring.io import settings
    from monitoring.report import run_quarter
    from monitoring.report.publish import evaluation, site
    from monitoring.report.publish.reveal import deck_qmd, render_deck
    from monitoring.store.database import open_store

    root = tmp_path_factory.mktemp("quarto")
    summary = run_quarter("2025-Q4", store_path=demo_store_path, out_dir=root / "run",
                          areas=["16070"], renderer="quarto", workers=1)
    assert summary.ok, summary.failed

    project = quarto_project(root)
    before = {p.name: p.read_bytes() for p in (project / "notebooks").glob("*.ipynb")}
    gitignore = (project / ".gitignore").read_bytes()
    store = f"store_path:{demo_store_path}"
    # as _quarto.yml and docs/veroeffentlichung.md tell a user (the code arrives as YAML int)
    html = quarto(project, f"notebooks/{SECTION}", "--execute", "-P", "area_code:16051",
                  "-P", store)
    assert html.returncode == 0, html.stderr[-3000:]
    slides = quarto(project, f"notebooks/{SECTION}", "--to", "revealjs", "--execute",
                    "-P", "area_code:16053", "-P", store)
    assert slides.returncode == 0, slides.stderr[-3000:]
    # _quarto.yml's typst block: A4, „Seite n von m“, the section title once
    typst = quarto(project, f"notebooks/{SECTION}", "--to", "typst", "--execute",
                   "-P", "area_code:16051", "-P", store)
    assert typst.returncode == 0, typst.stderr[-3000:]
    out = project / "reports" / "_quarto" / "notebooks"

    with open_store(demo_store_path) as s:
        facts = evaluation.collect(s, "16072", "2025-Q4", settings=settings.resolve(store=s))
    deck = root / "16072_Sonneberg_Kreistag.html"
    render_deck(deck_qmd(facts), facts.figures["map"], deck)

    _with_district_files(period_folder(root / "website"), deck)
    site.write_sources(root / "website")
    builtin, pdf = _builtin_and_pdf(demo_store_path, root / "zweiter_lauf")
    return Rendered(report=root / "run" / "2025-Q4" / "16070_Ilm-Kreis.html", project=project,
                    sources_before=before, gitignore_before=gitignore,
                    direct_html=out / SECTION.replace(".ipynb", ".html"),
                    direct_deck=out / SECTION.replace(".ipynb", ".folien.html"),
                    direct_pdf=out / SECTION.replace(".ipynb", ".pdf"), deck=deck,
                    site=site.render(root / "website"), builtin=builtin, pdf=pdf)


def _builtin_and_pdf(store: Path, folder: Path) -> tuple[Path, Path]:
    """The Ilm-Kreis report executed as a run does (composed sections, papermill), then
    rendered by the built-in renderer and as Typst PDF – one execution for both."""
    import nbformat
    import papermill as pm

    from monitoring.report.run.compose import REPORTS, compose, notebooks_dir
    from monitoring.report.run.render import render_html, render_pdf

    folder.mkdir()
    source = notebooks_dir()
    nbformat.write(compose(REPORTS["quartalsbericht"], source), folder / "bericht.ipynb")
    with pytest.MonkeyPatch.context() as env:  # the kernel draws the PNGs of the figures
        env.setenv("MONITORING_STATIC_FIGURES", "1")
        executed = pm.execute_notebook(
            str(folder / "bericht.ipynb"), str(folder / "ausgefuehrt.ipynb"),
            kernel_name="python3", cwd=str(source), progress_bar=False,
            parameters={"area_code": "16070", "period": "2025-Q4", "store_path": str(store),
                        "settings_json": ""})
    title = "Quartalsbericht Integrationsmonitoring: Ilm-Kreis, 4. Quartal 2025"
    render_html(nbformat.from_dict(executed), folder / "eingebaut.html", title=title,
                renderer="nbconvert")
    render_pdf(nbformat.from_dict(executed), folder / "bericht.pdf", title=title)
    return folder / "eingebaut.html", folder / "bericht.pdf"


def _with_district_files(period: Path, deck: Path) -> None:
    """Sonneberg as `veroeffentlichen` publishes a district: HTML report, evaluation PDF,
    PowerPoint deck and the real revealjs deck (the report, PDF and pptx are stand-ins: the
    website only links them)."""
    stem = "16072_Sonneberg"
    (period / f"{stem}.html").write_text("<html><body>Sonneberg</body></html>")
    (period / f"{stem}_Evaluation.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    (period / f"{stem}_Kreistag.pptx").write_bytes(b"PK\x05\x06" + bytes(18))
    shutil.copyfile(deck, period / f"{stem}_Kreistag.html")
    manifest = json.loads((period / "manifest.json").read_text())
    manifest["reports"].append({"area_code": "16072", "name": "Sonneberg",
                                "file": f"{stem}.html"})
    (period / "manifest.json").write_text(json.dumps(manifest))
    register = json.loads((period / "veroeffentlichung.json").read_text())
    register["artefacts"] += [{"file": f"{stem}{suffix}", "format": kind, "area_code": "16072"}
                              for suffix, kind in ((".html", "html"), ("_Evaluation.pdf", "pdf"),
                                                   ("_Kreistag.pptx", "pptx"),
                                                   ("_Kreistag.html", "html"))]
    (period / "veroeffentlichung.json").write_text(json.dumps(register))


def _pages(r: Rendered) -> dict[str, Path]:
    return {"bericht": r.report, "direkt": r.direct_html, "direkt_folien": r.direct_deck,
            "kreistag": r.deck, "website": r.site / "index.html",
            "website_quartal": r.site / "2025-Q4" / "uebersicht.html"}


def test_quarto_renders_a_self_contained_report(rendered: Rendered) -> None:
    html = rendered.report.read_text(encoding="utf-8")
    assert "Demodaten – fiktiv" in html and "Plotly.newPlot" in html
    # the partial plotly.js once (issue 16), moved into the head by Quarto
    assert html.count("plotly.js v") == 1 and "Partial bundle" in html
    assert "<script src=\"http" not in html
    # Quarto's own scripts written in by `run.embed` (its module with the tabsets it imports),
    # not by Quarto's slower embedding (which bundles it as "// <stdin>")
    assert "const tabsets = (() =>" in html and "// <stdin>" not in html


def test_no_page_loads_anything_from_outside(rendered: Rendered) -> None:
    """Before: every notebook page loaded require.js and jQuery from cdn.jsdelivr.net, every
    website page MathJax and a polyfill from CDNs."""
    found = {name: external_resources(page.read_text(encoding="utf-8"))
             for name, page in _pages(rendered).items()}
    assert found == {name: [] for name in found}
    # no maths anywhere: no MathJax (reveal.js loaded it from a CDN for every deck)
    for name, page in _pages(rendered).items():
        assert "mathjax@" not in page.read_text(encoding="utf-8").lower(), name


def test_direct_quarto_render_leaves_the_sources_unchanged(rendered: Rendered) -> None:
    project = rendered.project
    after = {p.name: p.read_bytes() for p in (project / "notebooks").glob("*.ipynb")}
    assert after == rendered.sources_before  # byte for byte, no outputs, no injected cell
    assert (project / ".gitignore").read_bytes() == rendered.gitignore_before
    assert not list(project.rglob("*.quarto_ipynb"))
    report = rendered.direct_html.read_text(encoding="utf-8")
    deck = rendered.direct_deck.read_text(encoding="utf-8")
    assert re.findall(r"<h1>([^<]*)</h1>", report)[0] == "Erfurt"  # not overwritten by …
    # one title (before: Quarto's title block said „Angebote und Abdeckung“ above the header,
    # and the section's heading said it again)
    headings = [re.sub(r"<[^>]+>|\s+", " ", h).strip()
                for h in re.findall(r"<h[1-3]\b[^>]*>(.*?)</h[1-3]>", report, re.S)]
    assert [h for h in headings if h == "Erfurt"] == ["Erfurt"], headings
    assert headings.count("Angebote und Abdeckung") == 1, headings
    assert "Jena" in deck and "reveal" in deck                     # … the slides for Jena
    assert not (rendered.direct_html.parent / f"{SECTION[:-6]}_files").exists()  # embedded
    # issue 13 item 2: Quarto moves the output carrying plotly.js into the head; the first map
    # must not go with it (above the title), and plotly.js must still come before it
    title = report.index("<h1>Erfurt</h1>")
    first_figure = report.index('class="plotly-graph-div"')
    assert title < first_figure
    assert report.index("plotly.js v") < first_figure  # the library's licence header


class _Structure(HTMLParser):
    """What both renderers must agree on: headings, figures, tables, key-figure values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[str, str]] = []
        self.figures = self.tables = self.data_tables = 0
        self.key_figures: list[str] = []
        self.alts: list[str] = []  # the figures' text alternatives (issue 15)
        self.toc: list[str] = []  # the entries of the table of contents (#14)
        self._open: tuple[str, list[str]] | None = None
        self._nav = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        self._nav += tag == "nav"
        if self._nav and tag == "a":  # inside the contents: an entry, never a heading
            self._open = ("toc", [])
        elif tag in ("h1", "h2", "h3") and not self._nav:
            self._open = (tag, [])
        elif tag == "div" and "mon-kpi-value" in classes:
            self._open = ("kpi", [])
        elif tag == "figcaption" and "mon-alt" in classes:
            self._open = ("alt", [])
        self.figures += tag == "div" and "plotly-graph-div" in classes
        self.tables += tag == "table" and "mon-table" in classes
        self.data_tables += tag == "table" and "mon-data" in classes

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        self._nav -= tag == "nav" and self._nav > 0
        if self._open is None or tag not in ("h1", "h2", "h3", "div", "figcaption", "a"):
            return
        kind, parts = self._open
        if (kind == "toc") != (tag == "a"):
            return
        text = " ".join("".join(parts).replace("¶", "").split())  # nbconvert's anchor links
        if kind == "toc":
            self.toc.append(text)
        elif kind == "kpi":
            self.key_figures.append(text)
        elif kind == "alt":
            self.alts.append(text)
        else:
            self.headings.append((kind, text))
        self._open = None


def _structure(page: Path) -> _Structure:
    parsed = _Structure()
    parsed.feed(page.read_text(encoding="utf-8"))
    return parsed


def test_both_renderers_give_the_same_report(rendered: Rendered) -> None:
    """Issue 13 item 3: `monitoring run --renderer quarto` and the built-in renderer show the
    same sections, figures, tables and key figures under one title. Before: Quarto added its
    own title and the first section's subtitle above the report header (three titles)."""
    quarto_report, builtin = _structure(rendered.report), _structure(rendered.builtin)
    assert quarto_report.headings == builtin.headings
    assert [text for kind, text in builtin.headings if kind == "h1"] == ["Ilm-Kreis"]
    assert {"Angebote und Abdeckung", "Bestandsaufnahme", "Indikatoren im Zeitverlauf",
            "Erreichbarkeit der Angebote", "Controlling: Ziele und Maßnahmen",
            "Quellen und Methodik"} <= {text for kind, text in builtin.headings if kind == "h2"}
    assert quarto_report.figures == builtin.figures >= 10
    assert quarto_report.tables == builtin.tables >= 8
    # issue 15: every figure with the same text alternative and a data table in both
    assert quarto_report.alts == builtin.alts and len(builtin.alts) == builtin.figures
    assert quarto_report.data_tables == builtin.data_tables == builtin.figures
    assert builtin.headings[1] == ("h2", "Das Wichtigste in Kürze")
    assert quarto_report.key_figures == builtin.key_figures
    assert len(builtin.key_figures) >= 8 and "29" in builtin.key_figures
    # #14: both have contents listing the report's own h2/h3 headings (Quarto's contents sit
    # in a <nav> with an <h2> „Inhalt“ of its own: not a heading of the report, not compared)
    own = [text for kind, text in builtin.headings if kind in ("h2", "h3")]
    assert builtin.toc == own
    assert quarto_report.toc == own, set(own) ^ set(quarto_report.toc)
    html = rendered.report.read_text(encoding="utf-8")
    assert "Integrationsangebote nach Gebiet und Handlungsfeld" not in html  # section subtitle
    # the built-in report's Content-Security-Policy, with Quarto's data: scripts made inline
    assert 'http-equiv="Content-Security-Policy"' in html
    assert 'src="data:' not in html and 'href="data:text/css' not in html
    assert "<pre" not in html  # rendered, not executed again: no code shown
    assert ".mon-kpi {" in html and "#quarto-document-content .cell-output-display" in html


def _normalised(text: str) -> str:
    """Text without whitespace and hyphens: Typst hyphenates German words at line ends."""
    return re.sub(r"[\s\-\u00ad\u2010]+", "", text)


def test_typst_pdf_prints_tables_and_figures(rendered: Rendered) -> None:
    """Issue 13 item 4: before, every HTML fragment printed as „<IPython.core.display.HTML
    object>“ and every chart as „Unable to display output for mime type(s) …“."""
    from pypdf import PdfReader

    reader = PdfReader(rendered.pdf)
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    assert "IPython.core.display" not in text and "Unable to display output" not in text
    assert "<div" not in text and "mon-kpi" not in text
    # every cell of the built-in report's tables (same execution) appears as text
    builtin = rendered.builtin.read_text(encoding="utf-8")
    flat = _normalised(text)
    tables = re.findall(r'<table class="mon-table">.*?</table>', builtin, flags=re.S)
    assert len(tables) == _structure(rendered.builtin).tables
    for table in tables[:6]:
        cells = [html_lib.unescape(re.sub(r"<[^>]+>", "", c))
                 for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", table, flags=re.S)]
        missing = [c for c in cells if _normalised(c) not in flat]
        assert not missing, missing[:10]
    # the key figures and the demo label, as text
    assert "29 aktive Angebote" in " ".join(text.split())
    assert "Demodaten – fiktiv" in text
    # every interactive figure as a picture (plus nothing else: no images of our own)
    images = sum(len(page.images) for page in reader.pages)
    assert images == _structure(rendered.builtin).figures
    # page header (from page 2) and footer, German
    assert "Seite 1 von" in pages[0] and f"Seite 2 von {len(pages)}" in pages[1]
    assert "Quartalsbericht Integrationsmonitoring: Ilm-Kreis, 4. Quartal 2025" in pages[1]
    assert str(reader.trailer["/Root"].get("/Lang")).startswith("de")


def test_typst_pdf_is_tagged_pdf_ua(rendered: Rendered) -> None:
    """Issue 15 item 2 for Quarto's Typst PDF: PDF/UA-1, German, titled, every figure of the
    report with a text alternative (`render.with_figure_alt`), tables with header cells."""
    title = "Quartalsbericht Integrationsmonitoring: Ilm-Kreis, 4. Quartal 2025"
    figures = _structure(rendered.builtin).figures
    assert pdf_problems(rendered.pdf, title=title, figures=figures) == []
    alts = [alt or "" for kind, alt in structure(rendered.pdf) if kind == "/Figure"]
    assert len(alts) == figures and all(len(a) > 20 and a.endswith(".") for a in alts), alts


def test_revealjs_deck_has_titles_and_alt_text(rendered: Rendered) -> None:
    """Issue 15 item 2 for the revealjs deck: every slide has a heading as its title, and
    every image a text alternative (the map's states its message)."""
    html = rendered.deck.read_text(encoding="utf-8")
    slides = re.findall(r"<section\b[^>]*>(.*?)</section>", html, flags=re.S)
    assert len(slides) >= 5
    untitled = [s[:80] for s in slides if not re.search(r"<h[12]\b", s)]
    assert not untitled, untitled
    # the slides' pictures (embedded); not the "<img" strings in reveal.js' own code
    images = re.findall(r'<img\b[^>]*\bsrc="data:image[^>]*>', html)
    assert images and all(re.search(r'\balt="[^"]{20,}"', i) for i in images), \
        [i[:200] for i in images]
    assert "Sonneberg (umrandet)" in html


def test_direct_typst_render_numbers_pages_in_german_and_titles_once(
        rendered: Rendered) -> None:
    """`quarto render` of a section to Typst (_quarto.yml's typst block): „Seite n von m“ on
    every page, and the section's title printed once (before: title block and the section's
    first heading said „Angebote und Abdeckung“ twice, pages numbered „1“)."""
    from pypdf import PdfReader

    pages = [page.extract_text() for page in PdfReader(rendered.direct_pdf).pages]
    assert [bool(re.search(rf"Seite {n} von {len(pages)}", text))
            for n, text in enumerate(pages, 1)] == [True] * len(pages)
    assert sum(_normalised(text).count("AngeboteundAbdeckung") for text in pages) == 1
    assert "Erfurt" in pages[0] and "Demodaten – fiktiv" in pages[0]


def test_revealjs_deck_renders_offline(rendered: Rendered) -> None:
    html = rendered.deck.read_text(encoding="utf-8")
    assert "reveal" in html and "Drei Kernaussagen" in html
    assert "<script src=\"http" not in html


def test_quarto_website_renders_in_german_order(rendered: Rendered) -> None:
    built = rendered.site
    assert (built / "index.html").exists() and (built / "2025-Q4" / "16051_Erfurt.html").exists()
    page = (built / "2025-Q4" / "uebersicht.html").read_text(encoding="utf-8")
    body = page[page.index('class="quarto-listing'):]
    order = ["Erfurt", "Sömmerda", "Suhl", "Übersicht aller Berichte", "Unstrut-Hainich",
             "Weimarer Land"]
    positions = [body.index(name) for name in order]
    assert positions == sorted(positions), dict(zip(order, positions, strict=True))


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium fehlt (Debian-Paket `chromium`; "
                    "`python3 tasks.py test` installiert es)")
def test_quarto_pages_work_offline_in_chromium(rendered: Rendered, artifacts: Path) -> None:
    """Every request that is not a file is refused and recorded; the pages show without
    script errors, and the reports draw their plotly figures."""
    from playwright.sync_api import sync_playwright

    outside: dict[str, list[str]] = {}
    errors: dict[str, list[str]] = {}
    figures: dict[str, tuple[int, int]] = {}
    # the website from a plain web server on this machine (from the file system:
    # test_website_links_resolve_offline)
    handler = partial(SimpleHTTPRequestHandler, directory=str(rendered.site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    web = f"http://127.0.0.1:{server.server_address[1]}/"
    urls = {name: (web + str(path.relative_to(rendered.site))
                   if path.is_relative_to(rendered.site) else path.as_uri())
            for name, path in _pages(rendered).items()}
    local = ("file:", "data:", "blob:", "about:", web)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        for name, url in urls.items():
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            outside[name], errors[name] = [], []
            page.route(lambda u: not u.startswith(local), lambda route: route.abort())
            page.on("request", lambda r, n=name: outside[n].append(r.url)
                    if not r.url.startswith(local) else None)
            page.on("pageerror", lambda e, n=name: errors[n].append(str(e)))
            page.on("console", lambda m, n=name: errors[n].append(m.text)
                    if m.type == "error" else None)
            page.goto(url, wait_until="load")
            if name in ("bericht", "direkt"):
                page.wait_for_selector("div.plotly-graph-div svg.main-svg", timeout=30_000)
                figures[name] = (page.locator("div.plotly-graph-div").count(),
                                 page.locator("div.plotly-graph-div:has(svg.main-svg)").count())
            page.screenshot(path=str(artifacts / f"quarto_{name}.png"), full_page=True)
            page.close()
        browser.close()
    server.shutdown()
    assert outside == {name: [] for name in outside}
    assert errors == {name: [] for name in errors}
    # the Ilm-Kreis report: maps and charts of five sections; the direct render of section 10
    # for Erfurt, a kreisfreie Stadt: the map of the Kreise only (no municipality map, #14)
    least = {"bericht": 10, "direkt": 1}
    for name, (charts, drawn) in figures.items():
        assert charts >= least[name] and drawn == charts, (name, charts, drawn)


# Every slide of a revealjs deck, shown one after the other: its title, its text, the <h3>
# headings on it, and every element that lies outside the slide box or runs into the footer.
_SLIDES_JS = """() => {
  const box = document.querySelector('.reveal .slides').getBoundingClientRect();
  const footer = document.querySelector('.reveal .footer');
  const limit = footer && footer.innerText.trim() ? footer.getBoundingClientRect().top
                                                  : box.bottom;
  return Reveal.getSlides().map(slide => {
    const at = Reveal.getIndices(slide);
    Reveal.slide(at.h, at.v);
    const outside = [];
    for (const el of slide.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      // not drawn: empty, or inside a closed <details> (Chromium still gives it a box)
      if (r.width === 0 || r.height === 0 || !el.checkVisibility()) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
          || r.bottom > limit + 1)
        outside.push(el.tagName + ': ' + (el.innerText || '').slice(0, 60));
    }
    const title = slide.querySelector('h1, h2');
    return {title: title ? title.innerText.trim() : '', text: slide.innerText,
            h3: Array.from(slide.querySelectorAll('h3'), h => h.innerText.trim()),
            outside: outside.slice(0, 3)};
  });
}"""
_LIGHTS_JS = """() => Object.fromEntries(Array.from(document.querySelectorAll('.reveal .ampel'),
  el => [el.innerText.trim(), getComputedStyle(el, '::before').backgroundColor]))"""

# in the page: the widths of page and table boxes, and the look of the report's own elements
_LAYOUT = """() => {
  const page = document.documentElement;
  const style = (selector, property) => {
    const node = document.querySelector(selector);
    return node ? getComputedStyle(node)[property] : null;
  };
  const boxes = [...document.querySelectorAll('table.mon-table')].map(table => {
    let box = table.parentElement;  // the nearest ancestor that scrolls, else the table
    while (box && box !== document.body && getComputedStyle(box).overflowX === 'visible') {
      box = box.parentElement;
    }
    return (box && box !== document.body ? box : table).getBoundingClientRect().right;
  });
  return {page: page.scrollWidth, view: page.clientWidth,
          widest_table_box: Math.max(0, ...boxes),
          kpi: style('.mon-kpi', 'backgroundColor') + ' ' + style('.mon-kpi', 'borderTopColor'),
          kpi_value: style('.mon-kpi-value', 'color') + ' '
                     + style('.mon-kpi-value', 'fontWeight'),
          demo: style('.mon-demo', 'backgroundColor') + ' '
                + style('.mon-demo', 'borderLeftColor'),
          header: style('.mon-header', 'borderBottomColor') + ' '
                  + style('.mon-header h1', 'color'),
          visible_h1: [...document.querySelectorAll('h1')].filter(h => h.offsetParent).length};
}"""


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium fehlt (Debian-Paket `chromium`; "
                    "`python3 tasks.py test` installiert es)")
def test_revealjs_decks_one_idea_per_slide_in_chromium(rendered: Rendered,
                                                      artifacts: Path) -> None:
    """Issue 13, "Why" 6. The Kreistag deck: six titled slides (no slide holding only the demo
    notice), every element inside its slide box and above the footer (before: the source line
    ran into the footer, the traffic-light table was cut after row 5), status as text and
    colour, no emoji. The deck of a notebook: one slide per subsection, not one for all."""
    from playwright.sync_api import sync_playwright

    decks: dict[str, list[dict[str, object]]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        for name, path in (("kreistag", rendered.deck), ("notebook", rendered.direct_deck)):
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_function("window.Reveal && Reveal.isReady()")
            decks[name] = page.evaluate(_SLIDES_JS)
            if name == "kreistag":
                rows = page.locator("section.ampel-folie tbody tr").count()
                lights = page.evaluate(_LIGHTS_JS)
                footer = page.evaluate("document.querySelector('.reveal .footer').innerText")
            for i in range(len(decks[name])):
                page.evaluate(f"Reveal.slide({i})" if name == "kreistag" else
                              f"(() => {{ const a = Reveal.getIndices(Reveal.getSlides()"
                              f"[{i}]); Reveal.slide(a.h, a.v); }})()")
                page.wait_for_timeout(200)  # the slide transition
                page.screenshot(path=str(artifacts / f"folien_{name}_{i + 1}.png"))
            page.close()
        browser.close()

    kreistag = decks["kreistag"]
    assert [s["title"] for s in kreistag] == [
        "Integrationsmonitoring Sonneberg", "Angebote je 1.000 ausländische Staatsangehörige",
        "Ziele im Überblick (Ampel)", "Drei Kernaussagen",  # no own conclusions: no steps
        "Anhang: Quellen und technische Angaben"]
    assert {s["title"]: s["outside"] for s in kreistag} == {s["title"]: [] for s in kreistag}
    assert "Demodaten – fiktiv: alle Angebote" in str(kreistag[0]["text"])
    assert "Demodaten – fiktiv" in footer
    assert "Quelle:" in str(kreistag[1]["text"]) and "Quelle:" in str(kreistag[2]["text"])
    assert rows > 5  # Sonneberg has more goals than the five that used to fit
    assert not [s["title"] for s in kreistag if EMOJI.search(str(s["text"]))]
    # each status in words with a drawn dot of its own colour
    assert {"im Plan", "nicht im Plan"} <= set(lights)
    assert len(set(lights.values())) == len(lights)
    assert "rgba(0, 0, 0, 0)" not in lights.values()

    notebook = decks["notebook"]
    # the map slides fit (before: 776 px of content on a 700 px slide, the slide scrolled);
    # a long list (the sources footer) may still scroll in its slide
    maps = [s for s in notebook if {"Die Kreise des Landes im Vergleich", "Gemeinden"}
            & set(s["h3"])]  # type: ignore[arg-type]
    assert len(maps) == 2 and [s["outside"] for s in maps] == [[], []], maps
    leaves = [s["h3"] for s in notebook if s["h3"]]
    subsections = ["Die Kreise des Landes im Vergleich", "Gemeinden",
                   "Angebote nach Handlungsfeld", "Mögliche Versorgungslücken"]
    assert [h for hs in leaves for h in hs if h in subsections] == subsections
    assert all(len([h for h in hs if h in subsections]) == 1 for hs in leaves), leaves


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium fehlt (Debian-Paket `chromium`; "
                    "`python3 tasks.py test` installiert es)")
def test_website_links_resolve_offline(rendered: Rendered, artifacts: Path) -> None:
    """Issue 13 item 5: the website works from the file system (file://) and from a plain
    web server; following every link from the start page reaches a file that exists (no
    404), nothing is requested from outside, no page reports a script error (before: from
    the file system Chromium refused Quarto's module scripts), and the quarter page links
    a district's HTML report, PDF and both decks."""
    from urllib.parse import unquote, urldefrag, urlparse

    from playwright.sync_api import sync_playwright

    handler = partial(SimpleHTTPRequestHandler, directory=str(rendered.site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    web = f"http://127.0.0.1:{server.server_address[1]}/"
    found: dict[str, dict[str, list[str]]] = {}
    quarter_links: dict[str, set[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        for how, root in (("datei", rendered.site.as_uri() + "/"), ("server", web)):
            local = ("data:", "blob:", "about:", root)
            seen = found[how] = {"fehlt": [], "aussen": [], "fehler": [], "seiten": []}
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.route(lambda u, loc=local: not u.startswith(loc), lambda route: route.abort())
            page.on("request", lambda r, s=seen, loc=local: s["aussen"].append(r.url)
                    if not r.url.startswith(loc) else None)
            page.on("response", lambda r, s=seen: s["fehlt"].append(f"{r.status} {r.url}")
                    if r.status >= 400 else None)
            page.on("pageerror", lambda e, s=seen: s["fehler"].append(str(e)))
            page.on("console", lambda m, s=seen: s["fehler"].append(m.text)
                    if m.type == "error" else None)
            todo, done = [root + "index.html"], set()
            while todo:
                url = todo.pop()
                if url in done:
                    continue
                done.add(url)
                if not url.startswith(root):
                    seen["aussen"].append(url)
                    continue
                path = rendered.site / unquote(url[len(root):])
                if how == "datei" and not path.is_file():
                    seen["fehlt"].append(url)
                    continue
                if not url.endswith(".html"):  # PDF, pptx: fetched, not shown
                    if how == "server":
                        status = page.request.get(url).status
                        if status != 200:
                            seen["fehlt"].append(f"{status} {url}")
                    continue
                page.goto(url, wait_until="load")
                seen["seiten"].append(url[len(root):])
                links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
                links = [urldefrag(link)[0] for link in links
                         if urlparse(link).scheme in ("http", "https", "file")]
                # the full-text search would fetch search.json: refused from file://
                assert page.locator("#quarto-search").count() == 0, url
                if url.endswith("2025-Q4/uebersicht.html"):
                    quarter_links[how] = {unquote(link.rsplit("/", 1)[-1]) for link in links}
                    page.screenshot(path=str(artifacts / f"website_{how}.png"), full_page=True)
                todo += [link for link in links if link not in done]
            page.close()
        browser.close()
    server.shutdown()
    for how, seen in found.items():
        assert {k: v for k, v in seen.items() if k != "seiten"} == {
            "fehlt": [], "aussen": [], "fehler": []}, how
        assert {"index.html", "2025-Q4/uebersicht.html", "2025-Q4/16072_Sonneberg.html",
                "2025-Q4/16072_Sonneberg_Kreistag.html"} <= set(seen["seiten"]), how
        assert {"16072_Sonneberg.html", "16072_Sonneberg_Evaluation.pdf",
                "16072_Sonneberg_Kreistag.pptx", "16072_Sonneberg_Kreistag.html",
                "16051_Erfurt.html"} <= quarter_links[how], how


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium fehlt (Debian-Paket `chromium`; "
                    "`python3 tasks.py test` installiert es)")
def test_both_reports_look_alike_and_fit_the_page(rendered: Rendered, artifacts: Path) -> None:
    """Issue 13 item 3: the Quarto report has the built-in report's key-figure boxes, demo
    banner and header, one visible title, and no table pushes the page wider than the
    window – wide tables scroll inside their box (before: they ran off to the right)."""
    from playwright.sync_api import sync_playwright

    found: dict[tuple[str, int], dict[str, object]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        for name, path in (("quarto", rendered.report), ("eingebaut", rendered.builtin)):
            for width in (1200, 640):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.route(lambda u: not u.startswith(("file:", "data:", "blob:")),
                           lambda route: route.abort())
                page.goto(path.as_uri(), wait_until="load")
                page.wait_for_selector("div.plotly-graph-div svg.main-svg", timeout=30_000)
                found[name, width] = page.evaluate(_LAYOUT)
                # #14 for both renderers: no word cut in a cell, no cell spilling over,
                # headers aligned like their cells, contents that stay in view
                found[name, width].update(
                    {key: page.evaluate(script) for key, script in (
                        ("mid_word", MID_WORD_BREAKS), ("overflow", OVERFLOWING_CELLS),
                        ("misaligned", MISALIGNED_HEADERS))})
                toc = "nav.mon-toc" if name == "eingebaut" else "nav#TOC"
                found[name, width]["toc"] = page.locator(f"{toc} a").all_inner_texts()
                page.evaluate("window.scrollTo(0, document.body.scrollHeight * 0.6)")
                page.wait_for_timeout(200)
                found[name, width]["toc_box"] = page.evaluate(
                    f"() => {{ const r = document.querySelector('{toc}')"
                    ".getBoundingClientRect(); return [r.top, r.height]; }")
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(artifacts / f"bericht_{name}_{width}.png"),
                                full_page=True)
                page.close()
        browser.close()
    for (name, width), layout in found.items():
        assert (layout["mid_word"], layout["overflow"], layout["misaligned"]) == ([], [], []), \
            (name, width)
        toc = layout["toc"]
        assert "Controlling: Ziele und Maßnahmen" in toc and "Quellen und Methodik" in toc, \
            (name, width)
        top, height = layout["toc_box"]
        if width == 1200 and name == "quarto":  # Quarto's margin contents stay in view
            assert 0 <= top < 100 and height > 100, (name, width, top)
        assert height > 0, (name, width)  # narrow: above the report, not folded away
        assert layout["page"] <= layout["view"], (name, width, layout)
        assert layout["widest_table_box"] <= layout["view"] + 1, (name, width, layout)
        assert layout["visible_h1"] == 1, (name, width)
    for width in (1200, 640):
        quarto_look, builtin_look = found["quarto", width], found["eingebaut", width]
        for key in ("kpi", "kpi_value", "demo", "header"):
            assert quarto_look[key] == builtin_look[key], (key, width)
    assert str(found["quarto", 1200]["kpi"]).startswith("rgb(247, 249, 251)")  # styled


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium fehlt (Debian-Paket `chromium`; "
                    "`python3 tasks.py test` installiert es)")
def test_quarto_report_and_website_are_accessible(rendered: Rendered) -> None:
    """Issue 15 for the Quarto renderer: the report of `monitoring run --renderer quarto` and
    the website (start page, quarter page, accessibility statement) have no axe-core WCAG 2.1
    A/AA violation, lang="de", one h1, heading order, landmarks and the skip link first; Tab
    alone reaches every link and control, each with a visible outline (≥ 3:1)."""
    from playwright.sync_api import sync_playwright

    from a11y_helpers import axe_violations, structure_problems, tab_walk

    pages = {"bericht": rendered.report, "website": rendered.site / "index.html",
             "quartal": rendered.site / "2025-Q4" / "uebersicht.html",
             "erklaerung": rendered.site / "barrierefreiheit.html"}
    found: dict[str, list[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        for name, path in pages.items():
            context = browser.new_context(bypass_csp=True,
                                          viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(path.as_uri())
            if name == "bericht":
                page.wait_for_selector("path.choroplethlocation", timeout=20_000)
            # the report's navigation landmark is Quarto's table of contents, which another
            # change of issue 15 adds (`toc`); without it the report has banner, main, footer
            landmarks = ("banner", "main", "contentinfo") if name == "bericht" else (
                "banner", "nav", "main", "contentinfo")
            walk = tab_walk(page)
            found[name] = (axe_violations(page) + structure_problems(page, landmarks=landmarks)
                           + [f"nicht erreicht: {m}" for m in walk["missed"]]
                           + [f"Fokus schwach: {w}" for w in walk["weak"]])
            if walk["first"] is None or walk["first"]["text"] != "Zum Inhalt springen":
                found[name].append(f"erster Tab-Halt: {walk['first']}")
            context.close()
        browser.close()
    assert found == {name: [] for name in pages}


def test_publication_renders_every_kreistag_deck_in_batches(demo_store_path: Path,
                                                             tmp_path: Path) -> None:
    # `veroeffentlichen` with Quarto: the revealjs decks of all districts, two Quarto
    # processes (one per worker) instead of one per deck – each deck complete and its own
    from monitoring.report.publish.quarter import publish_quarter

    codes = ["16051", "16069", "16071"]  # Erfurt, Hildburghausen, Weimarer Land
    summary = publish_quarter("2025-Q4", store_path=demo_store_path, out_dir=tmp_path / "out",
                              areas=codes, workers=2, conclusions_dir=tmp_path / "fazit",
                              renderer="quarto")
    folder = tmp_path / "out" / "2025-Q4"
    decks = sorted(folder.glob("*_Kreistag.html"))
    assert [d.name.split("_")[0] for d in decks] == codes
    names = {"16051": "Erfurt", "16069": "Hildburghausen", "16071": "Weimarer Land"}
    for deck in decks:
        page = deck.read_text(encoding="utf-8")
        code = deck.name.split("_")[0]
        assert "reveal" in page and f"Integrationsmonitoring {names[code]}" in page
        others = [n for c, n in names.items() if c != code]
        assert not any(f"Integrationsmonitoring {n}" in page for n in others)
        assert external_resources(page) == [], deck.name  # the map and reveal.js inside
        assert re.search(r'<img[^>]+src="data:image/png;base64,', page), deck.name
    register = json.loads((folder / "veroeffentlichung.json").read_text(encoding="utf-8"))
    listed = {e["file"] for e in register["artefacts"]}
    assert {d.name for d in decks} <= listed
    assert summary.seconds.get("revealjs", 0) > 0
    sources = {p.name for p in folder.iterdir() if p.suffix in (".qmd", ".png")}
    assert sources <= {"uebersicht.qmd"}  # the website's page; no deck source is published
