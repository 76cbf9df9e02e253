"""Issue 15, fast part: the ``[barrierefreiheit]`` settings, the Erklärung zur Barrierefreiheit
(page of a period folder and website page) and the page-shell post-processing of the reports.
The checks in a browser (axe-core, keyboard, colour vision) are in test_demo_run, test_publish
and test_quarto_render, on pages their fixtures already produce."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from monitoring.core.config import Accessibility, Settings
from monitoring.errors import ConfigError
from monitoring.io import settings as mon_settings
from monitoring.report import statement
from monitoring.report.publish import site
from monitoring.report.run.render import (
    with_landmarks,
    with_quarto_landmarks,
    with_scroll_regions,
    with_skip_link,
)

SECTION = """[barrierefreiheit]
stelle = "Landratsamt Musterkreis, Integrationsmanagement"
email = "integration@musterkreis.example"
telefon = "03628 738-0"
stand = "2026-11-30"
pruefung = "Selbstbewertung"
durchsetzungsstelle = "Ombudsstelle Musterland, Musterstraße 1"
"""


def _resolve(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "monitoring.toml"
    path.write_text(text, encoding="utf-8")
    return mon_settings.resolve(file=path, cwd=tmp_path, meta={}, environ={})


def test_contact_is_read_kept_in_the_run_settings_and_handed_to_the_kernels(
        tmp_path: Path) -> None:
    settings = _resolve(tmp_path, SECTION)
    acc = settings.accessibility
    assert acc.email == "integration@musterkreis.example" and acc.phone == "03628 738-0"
    assert acc.stated == "2026-11-30" and acc.enforcement.startswith("Ombudsstelle")
    assert "monitoring.toml" in settings.origin("barrierefreiheit")
    # the kernels get the same (notebook parameter settings_json), the manifest records it
    assert Settings.from_json(settings.to_json()).accessibility == acc
    assert settings.record()["barrierefreiheit"]["email"] == acc.email
    # without the section nothing is invented
    assert _resolve(tmp_path, "").accessibility == Accessibility()


@pytest.mark.parametrize(("line", "words"), [
    ('email = "integration at musterkreis"', "keine E-Mail-Adresse"),
    ('telefon = "bitte anrufen"', "keine Telefonnummer"),
    ('stand = "30.11.2026"', "kein Datum"),
    ("stelle = 3", "Text in Anführungszeichen"),
    ('mail = "a@b.de"', "unbekannter Schlüssel `mail` in [barrierefreiheit]"),
])
def test_broken_contact_is_a_german_error(tmp_path: Path, line: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        _resolve(tmp_path, f"[barrierefreiheit]\n{line}\n")
    assert words in err.value.message


def _text(acc: Accessibility) -> str:
    return statement.html_page(acc, publisher="Landkreis Musterkreis", land_name="Thüringen",
                               created=date(2026, 12, 6))


def test_statement_follows_the_eu_model_and_names_what_the_county_must_fill_in() -> None:
    empty = _text(Accessibility())
    headings = ["Geltungsbereich", "Stand der Vereinbarkeit mit den Anforderungen",
                "Nicht barrierefreie Inhalte",
                "Erstellung dieser Erklärung zur Barrierefreiheit",
                "Feedback und Kontaktangaben", "Durchsetzungsverfahren"]
    positions = [empty.index(f">{h}</h2>") for h in headings]
    assert positions == sorted(positions)  # the model statement's order
    assert empty.count("<h1>") == 1 and '<html lang="de">' in empty
    for key in ("email", "stand", "pruefung", "durchsetzungsstelle"):
        assert f"barrierefreiheit.{key}" in empty, key  # a field to fill in, with its key
    assert "@" not in empty.split("<body", 1)[1]  # no invented address
    # the publisher stands in for the office until one is set
    assert "Landkreis Musterkreis ist bemüht" in empty


def test_statement_with_the_countys_facts_has_nothing_left_to_fill_in(tmp_path: Path) -> None:
    acc = _resolve(tmp_path, SECTION).accessibility
    page = _text(acc)
    assert "noch einzutragen" not in page
    assert 'href="mailto:integration@musterkreis.example"' in page
    assert "30.11.2026" in page and "Ombudsstelle Musterland" in page
    # the footer carries the feedback contact on every page (here: the statement itself)
    footer = page.split("<footer", 1)[1]
    assert "Barrieren melden" in footer and "03628 738-0" in footer


def test_website_gets_the_statement_page_and_links_it(tmp_path: Path) -> None:
    import yaml

    settings = _resolve(tmp_path, SECTION)
    out = tmp_path / "reports"
    site.write_sources(out, settings)
    qmd = (out / "barrierefreiheit.qmd").read_text(encoding="utf-8")
    assert qmd.startswith("---\ntitle: \"Erklärung zur Barrierefreiheit\"\nlang: de\n---")
    assert "## Feedback und Kontaktangaben" in qmd
    assert "(<mailto:integration@musterkreis.example>)" in qmd
    config = yaml.safe_load((out / "_quarto.yml").read_text(encoding="utf-8"))
    assert "barrierefreiheit.qmd" in config["project"]["render"]
    assert {"href": "barrierefreiheit.qmd", "text": "Barrierefreiheit"} in \
        config["website"]["navbar"]["left"]
    assert "barrierefreiheit.qmd" in config["website"]["page-footer"]["center"]


BUILTIN = """<html lang="de"><body class="mon-report">
<a class="mon-skip" href="#inhalt">Zum Inhalt springen</a>
<!--mon-banner-->
<div class="mon-layout"><main id="inhalt" tabindex="-1">
<div class="cell"><header class="mon-header"><h1>Erfurt</h1></header></div>
<div class="cell"><p>Inhalt</p><table class="mon-table"><caption>T</caption></table></div>
<div class="cell"><footer class="mon-footer"><h2>Quellen</h2></footer></div>
</main></div>
<!--mon-contentinfo-->
</body></html>"""


def test_builtin_report_header_and_footer_become_banner_and_contentinfo() -> None:
    page = with_scroll_regions(with_landmarks(BUILTIN))
    assert page.index('<header class="mon-header">') < page.index("<main")
    assert page.index("</main>") < page.index('<footer class="mon-footer">')
    assert "<!--mon-" not in page and page.count("<header") == page.count("<footer") == 1
    assert page.index("Zum Inhalt springen") < page.index("<header")
    assert page.rstrip().endswith("</script>\n</body></html>")


QUARTO = """<html lang="de"><body class="fullcontent">
<div id="quarto-content" class="page-columns">
<main class="content" id="quarto-document-content">
<div class="cell-output-display"><header class="mon-header"><h1>Erfurt</h1></header></div>
<div class="cell-output-display"><p>Inhalt</p></div>
<div class="cell-output-display"><footer class="mon-footer"><h2>Quellen</h2></footer></div>
</main>
<!-- /main column -->
</div></body></html>"""


def test_quarto_report_gets_skip_link_and_landmarks_in_its_own_step() -> None:
    page = with_quarto_landmarks(with_skip_link(QUARTO))
    body = page.split("<body", 1)[1]
    assert body.index('<a class="mon-skip" href="#quarto-document-content">') < \
        body.index('<div id="quarto-content"') < body.index('<header class="mon-header">') < \
        body.index("<main") < body.index("</main>") < body.index('<footer class="mon-footer">')
    assert 'id="quarto-document-content" tabindex="-1"' in page
    # idempotent, and a page without Quarto's layout is left alone
    assert with_skip_link(page) == page
    assert with_quarto_landmarks("<html><body><p>x</p></body></html>") == \
        "<html><body><p>x</p></body></html>"


def test_website_pages_get_skip_link_focus_style_and_heading_order() -> None:
    page = ('<html lang="de"><head><title>Q</title></head><body class="nav-fixed">'
            '<header id="quarto-header"><nav class="navbar"></nav></header>'
            '<div id="quarto-margin-sidebar"><h5 class="quarto-listing-category-title">'
            'Kategorien</h5></div><main class="content" id="quarto-document-content">'
            "<h1>Titel</h1></main></body></html>")
    fixed = site.accessible_page(page)
    body = fixed.split("<body", 1)[1]
    assert body.index('href="#quarto-document-content">Zum Inhalt springen</a>') < \
        body.index('<header id="quarto-header">')
    assert "<h5" not in fixed and '<p class="quarto-listing-category-title">Kategorien' in fixed
    assert ":focus-visible{outline:3px solid #0b3a5b" in fixed.split("</head>")[0]
    assert site.accessible_page(fixed) == fixed  # a second render adds nothing twice
