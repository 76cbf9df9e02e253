"""The README's main job, end to end: `monitoring demo` → 22 reports, looked at in Chromium."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from monitoring.cli.main import main

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
        assert "Status-Dynamik-Index 2025-Q4: Lage unter den Kreisen" in text
        assert report.stat().st_size < 6_000_000


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
        page.screenshot(path=str(artifacts / "bericht_16070.png"), full_page=True)
        index = browser.new_page()
        index.goto((demo_run / "index.html").as_uri())
        links = index.locator("table a[href$='.html']").count()
        browser.close()
    assert errors == [] and outside == []
    # 2 coverage maps + 2 context-indicator charts + 7 charts with target path + 1 accessibility
    # map with a Handlungsfeld selector + 7 peer comparisons (one per target indicator)
    # + 1 Status-Dynamik-Index chart
    assert charts == 20
    # District map: 22 districts (+ highlight); municipality map: 42 Gemeinden of the Ilm-Kreis.
    assert areas_drawn >= 22 + 1 + 42
    assert lines_drawn >= 9 * 2
    assert links == 22
