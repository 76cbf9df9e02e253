"""The README's main job, end to end: `monitoring demo` → 22 reports, looked at in Chromium."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from monitoring.cli.main import main
from monitoring.present import plotlyjs
from test_plotly_bundle import FIGURE_STATE

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo-run")
    code = main(["demo", "--store", str(root / "demo.duckdb"), "--out", str(root / "reports")])
    assert code == 0
    return root / "reports" / "2025-Q4"


def test_demo_produces_22_district_reports_and_an_index(demo_run: Path) -> None:
    reports = sorted(p for p in demo_run.glob("16*.html"))
    assert len(reports) == 22
    assert not any(p.name.startswith("16056") for p in reports)  # Eisenach is in 16063 now
    manifest = json.loads((demo_run / "manifest.json").read_text())
    assert [r["status"] for r in manifest["reports"]] == ["ok"] * 22
    index = (demo_run / "index.html").read_text()
    assert all(f'href="{p.name}"' in index for p in reports)
    for report in reports:
        text = report.read_text()
        assert "Demodaten – fiktiv" in text and "© GeoBasis-DE / BKG" in text
        # controlling section: traffic-light table, count summary and series with target path
        assert "Zielerreichung (Ampel)" in text and "Zielen im Plan" in text
        assert "Zielpfad" in text
        assert "Status-Dynamik-Index Q4 2025: Lage unter den Kreisen" in text
        # issue 16: partial plotly.js, lean maps; issue 15 added the figures' texts and data
        # tables (≈ 90 KB for Saale-Holzland-Kreis, 90 Gemeinden: 1.99 → 2.08 MB)
        assert report.stat().st_size < 2_200_000


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium fehlt (Debian-Paket `chromium`; "
                    "`python3 tasks.py test` installiert es)")
def test_report_renders_offline_in_chromium(demo_run: Path, artifacts: Path) -> None:
    from playwright.sync_api import sync_playwright

    report = demo_run / "16070_Ilm-Kreis.html"
    errors: list[str] = []
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith(("file:", "data:", "blob:")) else None)
        page.goto(report.as_uri())
        page.wait_for_selector("path.choroplethlocation", timeout=20_000)
        page.wait_for_selector("g.scatterlayer path.js-line", timeout=20_000)
        areas_drawn = page.locator("path.choroplethlocation").count()
        lines_drawn = page.locator("g.scatterlayer path.js-line").count()
        charts = page.locator("div.plotly-graph-div").count()
        figures = page.evaluate(FIGURE_STATE)
        bundle = page.evaluate("Object.keys(Plotly.PlotSchema.get().traces).sort()")
        page.screenshot(path=str(artifacts / "bericht_16070.png"), full_page=True)
        index = browser.new_page()
        index.goto((demo_run / "index.html").as_uri())
        links = index.locator("table a[href$='.html']").count()
        browser.close()
    assert errors == [] and outside == []
    # the report runs the partial plotly.js, and each figure draws every trace it has
    assert bundle == plotlyjs.manifest()["traces"]
    assert len(figures) == charts
    for figure in figures:
        assert figure["svg"] >= 1 and set(figure["types"]) <= set(bundle), figure
        for kind in ("choropleth", "scatter", "bar"):
            assert figure["drawn"][kind] == figure["types"].count(kind), figure
    # 2 coverage maps + 2 context-indicator charts + 7 charts with target path + 1 accessibility
    # map with a Handlungsfeld selector + 7 peer comparisons (one per target indicator)
    # + 1 Status-Dynamik-Index chart
    assert charts == 20
    # District map: 22 districts (the highlighted one once, drawn last); municipality maps:
    # 42 Gemeinden of the Ilm-Kreis each.
    assert areas_drawn >= 22 + 42 + 42
    assert lines_drawn >= 9 * 2
    assert links == 22


# -- what a reader sees (issue 14): measured in the browser, one run for several checks ----------
MID_WORD_BREAKS = """() => {
  // every table cell whose text wraps between two letters or digits (a word cut in two)
  const bad = [], letter = /[\\p{L}\\p{N}]/u;
  for (const cell of document.querySelectorAll('table td, table th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const t = node.textContent; let top = null, before = null;
      for (let i = 0; i < t.length; i++) {
        const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
        const rects = range.getClientRects(); if (!rects.length) continue;
        if (top !== null && Math.abs(rects[0].top - top) > 2 && letter.test(t[i])
            && letter.test(before)) { bad.push(cell.textContent.trim().slice(0, 80)); break; }
        top = rects[0].top; before = t[i];
      }
    }
  }
  return bad;
}"""
OVERFLOWING_CELLS = """() => [...document.querySelectorAll('table td, table th')]
  .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent.trim().slice(0, 80))"""
MISALIGNED_HEADERS = """() => [...document.querySelectorAll('table.mon-table')].flatMap(table => {
  const row = table.querySelector('tbody tr'); if (!row) return [];
  return [...table.querySelectorAll('thead th')].filter((th, i) => row.children[i] &&
    getComputedStyle(th).textAlign !== getComputedStyle(row.children[i]).textAlign)
    .map(th => th.textContent);
})"""
CLIPPED_CHART_TEXT = """() => [...document.querySelectorAll('div.plotly-graph-div')]
  .flatMap(div => {
  const box = div.querySelector('svg.main-svg').getBoundingClientRect();
  return [...div.querySelectorAll('g.ytick text, g.xtick text, g.legend text, text.bartext')]
    .filter(t => { const r = t.getBoundingClientRect();
      return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1); })
    .map(t => t.textContent);
})"""


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium fehlt (Debian-Paket `chromium`)")
def test_reports_read_well_in_chromium(demo_run: Path, artifacts: Path) -> None:
    """A Landkreis and a kreisfreie Stadt, wide and narrow: contents that stay in view, no
    word cut in a table cell, no cell text spilling over, headers aligned like their cells,
    German dates and quarters in the visible text, chart labels inside their chart, and the
    Stadt report without what makes no sense for one municipality."""
    from playwright.sync_api import sync_playwright

    found: dict[tuple[str, int], dict[str, object]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        for name in ("16070_Ilm-Kreis", "16051_Erfurt"):
            for width in (1400, 760):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto((demo_run / f"{name}.html").as_uri())
                page.wait_for_selector("g.scatterlayer path.js-line", timeout=20_000)
                result: dict[str, object] = {
                    key: page.evaluate(script) for key, script in (
                        ("mid_word", MID_WORD_BREAKS), ("overflow", OVERFLOWING_CELLS),
                        ("misaligned", MISALIGNED_HEADERS), ("clipped", CLIPPED_CHART_TEXT))}
                result["text"] = page.evaluate(
                    "() => { const m = document.querySelector('main').cloneNode(true);"
                    " m.querySelectorAll('.mon-repro, script').forEach(e => e.remove());"
                    " return m.innerText; }")
                result["toc"] = page.locator("nav.mon-toc a").all_inner_texts()
                result["kpis"] = page.locator(".mon-kpi-label").all_inner_texts()
                page.evaluate("window.scrollTo(0, document.body.scrollHeight * 0.6)")
                page.wait_for_timeout(200)
                result["toc_top"] = page.evaluate(
                    "() => document.querySelector('nav.mon-toc').getBoundingClientRect().top")
                if width == 1400:
                    page.evaluate("window.scrollTo(0, 0)")
                    page.screenshot(path=str(artifacts / f"lesbar_{name}.png"), full_page=True)
                found[(name, width)] = result
                page.close()
        browser.close()
    for (name, width), result in found.items():
        where = f"{name} bei {width} px"
        assert result["mid_word"] == [], where
        assert result["overflow"] == [], where
        assert result["misaligned"] == [], where
        assert result["clipped"] == [], where
        text = str(result["text"])
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), where    # no ISO dates
        assert not re.search(r"\b\d{4}-Q[1-4]\b", text), where          # „Q4 2025“
        toc = result["toc"]
        assert "Controlling: Ziele und Maßnahmen" in toc and "Quellen und Methodik" in toc
        if width == 1400:  # beside the report and still in view after scrolling
            assert 0 <= float(result["toc_top"]) < 100, where  # type: ignore[arg-type]
    ilm, erfurt = (str(found[(n, 1400)]["text"]) for n in ("16070_Ilm-Kreis", "16051_Erfurt"))
    assert "Aktive Angebote im Ilm-Kreis am 31.12.2025" in ilm
    assert "Aktive Angebote in Erfurt am 31.12.2025" in erfurt
    assert "Gemeinden ohne Angebot" in found[("16070_Ilm-Kreis", 1400)]["kpis"]  # type: ignore[operator]
    assert "Gemeinden ohne Angebot" not in found[("16051_Erfurt", 1400)]["kpis"]  # type: ignore[operator]
    assert erfurt.count("besteht aus einer einzigen Gemeinde") == 1
    assert "0 von 1" not in erfurt
    assert "sehr niedrig (sehr ungünstige Lage" in ilm + erfurt
