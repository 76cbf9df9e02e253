"""The Quarto website of all published reports, by period and area.

After every publication `write_sources` (re)writes, in the output folder (``reports/``):

* ``_quarto.yml`` – a Quarto *website* project (written once; users may add a theme or a
  navbar, so an existing file is kept and only checked by `check_config`);
* ``index.qmd`` – the start page: a listing of all quarters (one item per
  ``<period>/uebersicht.qmd``, read from their front matter);
* ``<period>/uebersicht.qmd`` and ``<period>/berichte.yml`` – one page per quarter whose listing
  is fed from the YAML file (Quarto's "YAML listing content"): one item per published file
  (HTML report, evaluation PDF, Kreistag deck, tables, state comparison, ZIP), pointing at the
  files that are already in the folder. Quarto copies them into the site as resources.

Without Quarto the sources are still written (and tested); `render` runs ``quarto render`` on
the folder only when `quarto` is on PATH. The pages embed their scripts and styles, so the site
works offline both from a plain web server and straight from the file system (``file://``).
The already rendered reports are not re-executed: parameters reach the notebooks through
papermill, exactly as ``quarto render x.ipynb -P …`` would pass them (``-P name:value``
fills the same ``parameters`` cell; see tests/test_quarto.py).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import yaml

from monitoring import fmt
from monitoring.core.config import Accessibility, Settings
from monitoring.errors import ReportError
from monitoring.io.files import atomic_write
from monitoring.periods import Quarter
from monitoring.present.page import STATEMENT_FILE, STATEMENT_TITLE
from monitoring.report import statement

CONFIG = "_quarto.yml"
PERIOD_PAGE = "uebersicht.qmd"
PERIOD_LISTING = "berichte.yml"
SITE_DIR = "_site"
STATEMENT_QMD = "barrierefreiheit.qmd"
_PERIOD = re.compile(r"^\d{4}-Q[1-4]$")
FORMAT_DE = {"html": "HTML-Bericht", "pdf": "Evaluationsbericht (PDF)",
             "pptx": "Kreistag-Folien (PowerPoint)", "csv": "Tabelle (CSV)",
             "xlsx": "Tabellen (Excel)", "zip": "ZIP für das Netzwerk",
             "revealjs": "Kreistag-Folien (HTML)"}

DEFAULT_CONFIG: dict[str, object] = {
    "project": {
        "type": "website",
        "output-dir": SITE_DIR,
        "render": ["index.qmd", "barrierefreiheit.qmd", f"*/{PERIOD_PAGE}"],
        # the published files themselves are copied unchanged into the site
        "resources": ["*/*.html", "*/*.pdf", "*/*.pptx", "*/*.csv", "*/*.xlsx", "*/*.zip",
                      "*/veroeffentlichung.json"],
    },
    "lang": "de",
    # no full-text search: it fetches search.json, which browsers refuse from file://; the
    # listings have their own filter
    # the accessibility statement (issue 15) in the navbar and in every page's footer
    "website": {"title": "Integrationsmonitoring", "search": False,
                "navbar": {"left": [{"href": "index.qmd", "text": "Alle Quartale"},
                                    {"href": "barrierefreiheit.qmd",
                                     "text": "Barrierefreiheit"}]},
                "page-footer": {"center": "[Erklärung zur Barrierefreiheit]"
                                          "(/barrierefreiheit.qmd)"}},
    # no maths on these pages: without this Quarto loads MathJax and a polyfill from CDNs;
    # embedded resources: Quarto's own scripts are ES modules, which Chromium refuses from
    # the file system (file://) – embedded, the site also opens from a folder or a USB stick
    "format": {"html": {"toc": False, "html-math-method": "plain", "embed-resources": True}},
}


def check_config(out: Path) -> None:
    """Refuse a broken ``_quarto.yml`` in the output folder with a German message, before
    anything is published (the last good outputs stay untouched)."""
    path = out / CONFIG
    if not path.exists():
        return
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        where = ""
        mark = getattr(err, "problem_mark", None)
        if mark is not None:
            where = f" (Zeile {mark.line + 1}, Spalte {mark.column + 1})"
        raise ReportError(
            f"Die Quarto-Projektdatei {path} ist kein gültiges YAML{where}. Korrigieren Sie "
            "sie oder löschen Sie sie: der nächste Lauf legt dann eine neue an. Es wurde "
            "nichts veröffentlicht.", detail=str(err)) from err
    project = config.get("project") if isinstance(config, dict) else None
    if not isinstance(project, dict) or project.get("type") != "website":
        raise ReportError(
            f"Die Quarto-Projektdatei {path} beschreibt keine Website (erwartet: "
            "„project:“ mit „type: website“). Korrigieren Sie sie oder löschen Sie sie: der "
            "nächste Lauf legt dann eine neue an. Es wurde nichts veröffentlicht.")


def _front_matter(meta: Mapping[str, object]) -> str:
    return "---\n" + yaml.safe_dump(dict(meta), allow_unicode=True, sort_keys=False) + "---\n"


def _items(folder: Path) -> list[dict[str, object]]:
    """Listing items of one period folder: from the publication register when there is one,
    else from the HTML run's manifest; only files that exist."""
    items: list[dict[str, object]] = []
    names: dict[str, str] = {}
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    for report in manifest.get("reports", []):
        names[str(report.get("area_code"))] = str(report.get("name"))
    # what the store reports on (its Land), as the HTML run recorded it
    land, land_name = str(manifest.get("land") or ""), str(manifest.get("land_name") or "")
    try:
        register = json.loads((folder / "veroeffentlichung.json").read_text(encoding="utf-8"))
        artefacts = register.get("artefacts", [])
    except (OSError, ValueError):
        artefacts = [{"file": r.get("file"), "format": "html", "area_code": r.get("area_code")}
                     for r in manifest.get("reports", []) if r.get("file")]
    for zip_file in sorted(folder.glob("Integrationsmonitor_*.zip")):
        artefacts.append({"file": zip_file.name, "format": "zip", "area_code": land})
    for art in artefacts:
        file = str(art.get("file") or "")
        if not file or not (folder / file).is_file():
            continue
        code = str(art.get("area_code") or "")
        kind = str(art.get("format") or "")
        if file == "index.html":
            title, kind_de = "Übersicht aller Berichte", "Übersicht"
        elif file == STATEMENT_FILE:
            title, kind_de = STATEMENT_TITLE, "Barrierefreiheit"
        elif file == "Landesvergleich.html":
            title = (f"Vergleich der Kreise {fmt.in_area(land_name)}" if land_name
                     else "Vergleich der Kreise")
            kind_de = "Landesvergleich"
        else:
            area = names.get(code) or (land_name if land and code == land else code)
            kind_de = FORMAT_DE.get("revealjs" if file.endswith("_Kreistag.html") else kind,
                                    kind)
            title = f"{area} ({code})" if code and code != land else area
        items.append({"title": title or kind_de, "path": file, "description": kind_de,
                      "categories": [kind_de]})
    # German order here; the listing keeps it (`sort: false`: Quarto would sort by code point)
    return sorted(items, key=lambda item: fmt.sort_key(str(item["title"])))


def write_sources(out: Path, settings: Settings | None = None) -> list[Path]:
    """(Re)write the website sources for every period folder in `out`, and the website's
    accessibility statement (``barrierefreiheit.qmd``, from `settings`'
    ``[barrierefreiheit]``; None: every field „noch einzutragen“); returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if not (out / CONFIG).exists():
        atomic_write(out / CONFIG, "# Quarto-Website aller Berichte; von `monitoring "
                      "veroeffentlichen` angelegt, darf angepasst werden.\n# Erzeugen: quarto "
                      "render <dieser Ordner>  →  _site/index.html\n"
                      + yaml.safe_dump(DEFAULT_CONFIG, allow_unicode=True, sort_keys=False))
        written.append(out / CONFIG)
    periods = sorted((p for p in out.iterdir() if p.is_dir() and _PERIOD.match(p.name)),
                     reverse=True)
    for folder in periods:
        quarter = Quarter.parse(folder.name)
        items = _items(folder)
        atomic_write(folder / PERIOD_LISTING,
                      yaml.safe_dump(items, allow_unicode=True, sort_keys=False))
        page = _front_matter({
            "title": f"Integrationsmonitoring – {quarter.label_de()}",
            "date": quarter.end.isoformat(),
            "description": f"{len(items)} veröffentlichte Dateien, Stichtag "
                           f"{quarter.end.strftime('%d.%m.%Y')}",
            "lang": "de",
            "listing": {"contents": PERIOD_LISTING, "type": "table",
                        "fields": ["title", "description"], "sort": False,
                        "categories": True, "filter-ui": True, "page-size": 200},
        }) + ("\nAlle Berichte und Dateien dieses Quartals. Zahlen zu Personen sind "
              "geheimhaltungsgeprüft; „.“ = geheim zu halten.\n")
        atomic_write(folder / PERIOD_PAGE, page)
        written += [folder / PERIOD_LISTING, folder / PERIOD_PAGE]
    index = _front_matter({
        "title": "Integrationsmonitoring – alle Quartale", "lang": "de",
        "listing": {"contents": f"*/{PERIOD_PAGE}", "type": "table",
                    "fields": ["title", "description"], "sort": "date desc"},
    }) + "\nVeröffentlichte Quartalsberichte, Evaluationsberichte und Kreistag-Folien.\n"
    atomic_write(out / "index.qmd", index)
    written.append(out / "index.qmd")
    land_name = ""
    for folder in periods:  # the newest period's Land, as its run recorded it
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        land_name = str(manifest.get("land_name") or "")
        break
    acc = settings.accessibility if settings else Accessibility()
    publisher = settings.style.publisher if settings else None
    atomic_write(out / STATEMENT_QMD, statement.qmd_page(
        acc, publisher=publisher, land_name=land_name or "Deutschland", created=date.today()))
    written.append(out / STATEMENT_QMD)
    return written


def render(out: Path) -> Path:
    """``quarto render`` of the website (only where Quarto is installed); returns the site."""
    check_config(out)
    # both also on the command line: a _quarto.yml written before they were in DEFAULT_CONFIG
    # (kept, users may have changed it) would still load MathJax from a CDN and the pages
    # would not work from the file system
    result = subprocess.run(["quarto", "render", str(out), "-M", "html-math-method:plain",
                             "-M", "embed-resources:true"],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ReportError("Quarto konnte die Website der Berichte nicht erzeugen; die "
                          "veröffentlichten Dateien selbst sind vollständig.",
                          detail=result.stderr[-2000:])
    built = out / SITE_DIR
    pages = [Path(name).with_suffix(".html") for name in ("index.qmd", STATEMENT_QMD)]
    pages.append(Path(PERIOD_PAGE).with_suffix(".html"))
    for html in [built / pages[0], built / pages[1], *built.glob(f"*/{pages[2]}")]:
        if html.is_file():
            atomic_write(html, accessible_page(html.read_text(encoding="utf-8")))
    return built


# Visible focus on the website's links, navbar and listing filter (Quarto's own focus ring
# is 1 px or none): the reports' dark outline (11.9:1 on white); on the navbar's colour a
# white one (4.8:1 on Quarto's default navbar blue).
_SITE_STYLE = ("<style>.mon-skip{position:absolute;left:-9999px;top:.5rem;z-index:2000;"
               "background:#fff;color:#0b3a5b;padding:.4rem .75rem;border:2px solid #0b3a5b;"
               "font-weight:600}.mon-skip:focus{left:.5rem}"
               ":focus-visible{outline:3px solid #0b3a5b!important;outline-offset:2px;"
               "box-shadow:0 0 0 5px #fff!important}"
               ".navbar :focus-visible{outline-color:#fff!important;"
               "box-shadow:0 0 0 5px #0b3a5b!important}"
               "#quarto-document-content:focus{outline:none}</style>")
_CATEGORY_TITLE = re.compile(r'<h5 class="quarto-listing-category-title">(.*?)</h5>', re.S)


def accessible_page(html: str) -> str:
    """A page Quarto rendered for the website (start page, quarter pages, statement) with
    what Quarto leaves out (issue 15): a skip link to ``main``, a visible focus outline, and
    the listing's „Kategorien“ label as a paragraph – as an h5 in the margin it came before
    the page's h1 and broke the heading order. Run on every render, so an existing
    ``_quarto.yml`` that users adapted needs no change."""
    from monitoring.report.run.render import with_skip_link

    html = _CATEGORY_TITLE.sub(r'<p class="quarto-listing-category-title">\1</p>', html)
    if _SITE_STYLE not in html:
        html = html.replace("</head>", _SITE_STYLE + "</head>", 1)
    return with_skip_link(html)
