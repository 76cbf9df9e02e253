"""The all-formats publication of a quarter, end to end, for two districts (once per module)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from a11y_helpers import contrast
from accessible_files import deck_problems, pdf_problems, structure
from monitoring.cli.main import main
from monitoring.core.composite_index import dynamic_reading, status_reading
from monitoring.io import settings as mon_settings
from monitoring.report.publish import evaluation, scan
from monitoring.report.run.lock import RunLock
from monitoring.store.database import open_store

pytestmark = pytest.mark.slow
AREAS = ["16070", "16072"]  # Ilm-Kreis; Sonneberg (thin on offers)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOPPM = shutil.which("pdftoppm")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
STYLE_COLOUR = "#7A1F2B"
PUBLISHER = "Landratsamt Musterkreis"


def _publish(root: Path, *extra: str) -> int:
    args = ["veroeffentlichen", "--period", "2025-Q4", "--store", str(root / "demo.duckdb"),
            "--out", str(root / "out"), "--fazit", str(root / "fazit"),
            "--settings", str(root / "monitoring.toml")]
    for code in AREAS:
        args += ["--area", code]
    return main([*args, *extra])


@pytest.fixture(scope="module")
def published(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("publish")
    shutil.copy(demo_store_path, root / "demo.duckdb")
    (root / "fazit").mkdir()
    # the style setting: logo, colour and publisher in the PDF, the deck and the index
    from PIL import Image

    Image.new("RGB", (240, 96), STYLE_COLOUR).save(root / "wappen.png")
    (root / "monitoring.toml").write_text(
        f'[darstellung]\nlogo = "wappen.png"\nfarbe = "{STYLE_COLOUR}"\n'
        f'herausgeber = "{PUBLISHER}"\n', encoding="utf-8")
    (root / "fazit" / "16072_2025.md").write_text(
        "Das Angebot in Sonneberg bleibt dünn.\n\n## Nächste Schritte\n\n"
        "- Sprachkurs in Neuhaus am Rennweg ausschreiben\n- Netzwerktreffen im Mai\n",
        encoding="utf-8")
    assert _publish(root) == 0
    return root


def scan_folder(folder: Path, *, threshold: int) -> tuple[list[scan.Finding], int]:
    """Scan every artefact below `folder` with the register in its ``veroeffentlichung.json``;
    returns the findings and the number of files scanned."""
    register: list[dict[str, object]] = []
    for reg in folder.rglob("veroeffentlichung.json"):
        data = json.loads(reg.read_text(encoding="utf-8"))
        for entry in data.get("artefacts", []):
            register.extend(entry.get("tables", []))
    files = [p for p in sorted(folder.rglob("*")) if p.suffix.lower() in scan.SUFFIXES
             and not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts)]
    found: list[scan.Finding] = []
    for path in files:
        found.extend(scan.scan_file(path, threshold=threshold, register=register))
    return found, len(files)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.iterdir() if p.suffix in (".pdf", ".pptx", ".csv", ".xlsx")}


def test_every_format_is_published_registered_and_zipped(published: Path) -> None:
    folder = published / "out" / "2025-Q4"
    expected = {"16070_Ilm-Kreis.html", "16070_Ilm-Kreis_Evaluation.pdf",
                "16070_Ilm-Kreis_Kreistag.pptx", "16070_Ilm-Kreis_Gemeinden.csv",
                "16070_Ilm-Kreis_Tabellen.xlsx", "16072_Sonneberg_Evaluation.pdf",
                "Landesvergleich.html", "index.html"}
    register = json.loads((folder / "veroeffentlichung.json").read_text(encoding="utf-8"))
    files = {a["file"] for a in register["artefacts"]}
    assert expected <= files
    assert register["geheimhaltung"]["schwelle"] == 3
    with zipfile.ZipFile(folder / "Integrationsmonitor_2025-Q4.zip") as archive:
        assert files | {"veroeffentlichung.json"} == set(archive.namelist())
    assert "Ende: 2 HTML-Berichte, 0 Fehler" in (folder / "lauf.log").read_text(encoding="utf-8")
    findings, scanned = scan_folder(folder, threshold=3)
    assert findings == [] and scanned >= 12
    # The same artefacts with a much higher threshold: the scanner does see the counts.
    strict, _ = scan_folder(folder, threshold=10_000)
    assert {Path(f.file).suffix for f in strict} >= {".pdf", ".csv", ".xlsx", ".html"}


def test_register_in_the_zip_names_no_absolute_path(published: Path) -> None:
    """veroeffentlichung.json travels in the ZIP: it names files and the quarter folder
    relatively, never the server's paths (issue 12)."""
    folder = published / "out" / "2025-Q4"
    with zipfile.ZipFile(folder / "Integrationsmonitor_2025-Q4.zip") as archive:
        text = archive.read("veroeffentlichung.json").decode("utf-8")
    strings: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(json.loads(text))
    assert str(published) not in text and str(Path.home()) not in text
    assert not [s for s in strings if re.search(r"(^|\s)(/[\w.-]+/|[A-Za-z]:\\)", s)]
    entry = json.loads(text)["artefacts"][0]
    assert entry["veroeffentlicht"] == ["Ordner 2025-Q4", "ZIP Integrationsmonitor_2025-Q4.zip"]


def test_evaluation_pdf_pages(published: Path, artifacts: Path) -> None:
    from pypdf import PdfReader

    folder = published / "out" / "2025-Q4"
    reader = PdfReader(folder / "16072_Sonneberg_Evaluation.pdf")
    pages = [p.extract_text() for p in reader.pages]
    text = "\n".join(pages)
    assert len(pages) >= 5
    assert "Evaluationsbericht 2025: Sonneberg" in pages[0] and "Demodaten – fiktiv" in pages[0]
    assert f"Seite 1 von {len(pages)}" in pages[0].replace("\n", " ")
    for heading in ("Kontext und Bedarfe", "Angebote und Abdeckung", "Ziele und Maßnahmen",
                    "Netzwerkarbeit", "ESF-Projektkennzahlen", "Fazit", "Anhang",
                    "Reproduzierbarkeit", "Kofinanzierungssatz", "80 %", "31.12.2025"):
        assert heading in text, heading
    assert "Das Angebot in Sonneberg bleibt dünn." in text  # the manager's conclusions
    assert text.count("Quelle:") >= 5  # a source line under every figure and table
    other = "\n".join(p.extract_text() for p in PdfReader(
        folder / "16070_Ilm-Kreis_Evaluation.pdf").pages)
    # no conclusions file for the Ilm-Kreis: no Fazit section, and never instructions
    assert "Fazit" not in other and "fazit/" not in other and "Legen Sie" not in other
    if PDFTOPPM:
        subprocess.run([PDFTOPPM, "-r", "40", "-png", "-f", "1", "-l", "3",
                        str(folder / "16072_Sonneberg_Evaluation.pdf"),
                        str(artifacts / "evaluation_16072")], check=True)
        _assert_drawn(sorted(artifacts.glob("evaluation_16072-*.png")), 3)


def test_evaluation_pdf_is_tagged_pdf_ua(published: Path) -> None:
    """Issue 15 item 2: each evaluation PDF is PDF/UA-1 – tagged, German, titled, every
    figure (map, index, indicator charts, the logo) with a text alternative that states the
    figure's message, every table with header cells – and the goals table prints each
    indicator name on one line (issue 14)."""
    from pypdf import PdfReader

    folder = published / "out" / "2025-Q4"
    with open_store(published / "demo.duckdb") as store:
        names = store.read_indicators()["name_de"].tolist()
    for stem, name in (("16072_Sonneberg", "Sonneberg"), ("16070_Ilm-Kreis", "Ilm-Kreis")):
        pdf = folder / f"{stem}_Evaluation.pdf"
        # map, index, at least one indicator chart (the logo sits in the page header, which
        # Typst tags as an artefact, like the page numbers: not read aloud)
        assert pdf_problems(pdf, title=f"Evaluationsbericht 2025: {name}", figures=3) == [], stem
        alts = [alt or "" for kind, alt in structure(pdf) if kind == "/Figure"]
        assert [a for a in alts if a.startswith("Streudiagramm: ")], alts
        [map_alt] = [a for a in alts if a.startswith("Karte: ")]
        assert re.search(rf"{re.escape(name)} \(umrandet\): [\d,]+, Rang \d+ von \d+\.",
                         map_alt), map_alt
        charts = [a for a in alts if a.startswith("Liniendiagramm ")]
        assert charts and all(f": {name} von " in a or f": {name} " in a for a in charts)
        lines = [line.strip() for page in PdfReader(pdf).pages
                 for line in page.extract_text().splitlines()]
        start = next(i for i, line in enumerate(lines)
                     if line.endswith("Ziele und Indikatoren mit Stand"))  # the caption
        end = next(i for i in range(start, len(lines))
                   if lines[i].startswith("Quelle: Controlling-Indikatoren"))
        # a row ends with the Stichtag; wrapped names would leave a fragment at its start
        rows = [line for line in lines[start:end] if re.search(r"\d\d\.\d\d\.\d{4}$", line)]
        assert len(rows) >= 5, lines[start:end]
        assert [r for r in rows if not any(r.startswith(f"{n} ") for n in names)] == [], stem


def test_kreistag_deck_is_accessible(published: Path) -> None:
    """Issue 15 item 2: every slide's title in its title placeholder and read first, every
    picture with a text alternative (the map's states its message), bars decorative, the
    goals table with a header row; source line and footer read after the content."""
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    folder = published / "out" / "2025-Q4"
    for stem, name in (("16072_Sonneberg", "Sonneberg"), ("16070_Ilm-Kreis", "Ilm-Kreis")):
        deck = folder / f"{stem}_Kreistag.pptx"
        assert deck_problems(deck) == [], stem
        slides = list(Presentation(str(deck)).slides)
        assert slides[0].shapes.title.text == f"Integrationsmonitoring {name}"
        descriptions = [s._element.xpath("./*[1]/p:cNvPr")[0].get("descr")
                        for s in slides[1].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert f"Logo: {PUBLISHER}" in descriptions
        [map_alt] = [d for d in descriptions if d.startswith("Karte: ")]
        assert f"{name} (umrandet)" in map_alt
        for slide in slides[1:]:
            last = [shape.name for shape in slide.shapes][-1]
            assert last == "Fußzeile", (stem, slide.shapes.title.text)


# The Status-Dynamik-Index's sentence on the area, as a reader sees it in every format.
POSITION = re.compile(r"beim Status in der Klasse „([a-z ]+)“ \(Indexwert ([−+±][\d,]+): "
                      r"[^()]*\) und bei der Dynamik in der Klasse „([a-z]+)“ \(Indexwert "
                      r"([−+±][\d,]+): [^()]*\); das ergibt die Gruppe (\d/\d)")


def _flat(text: str) -> str:
    """PDF text on one line: page footers dropped (a sentence may run on to the next page),
    words hyphenated at a line end joined, whitespace collapsed."""
    text = re.sub(r"Seite \d+ von \d+", " ", text)
    return " ".join(re.sub(r"-\n", "", text).split())


def _number(text: str) -> float:
    return float(text.replace("−", "-").replace("±", "").replace("+", "").replace(",", "."))


def _status_class(value: float) -> str:
    """Status class by the documented bounds (docs/composite_index.md), written out by hand."""
    if value < -1.0:
        return "hoch"
    if value <= 1.0:
        return "mittel"
    return "niedrig" if value <= 1.5 else "sehr niedrig"


def _dynamic_class(value: float) -> str:
    if value < -1.0:
        return "positiv"
    return "stabil" if value <= 1.0 else "negativ"


def test_evaluation_pdf_places_the_district_in_the_index(published: Path) -> None:
    """The PDF section: classes consistent with the index values and the documented bounds,
    the same position as the HTML report, the index indicators and the figure."""
    from pypdf import PdfReader

    folder = published / "out" / "2025-Q4"
    reader = PdfReader(folder / "16072_Sonneberg_Evaluation.pdf")
    pages = [p.extract_text() for p in reader.pages]
    text = _flat("\n".join(pages))
    assert "Lage im Landesvergleich: Status-Dynamik-Index" in text
    match = POSITION.search(text)
    assert match, "the district's classes are missing from the PDF"
    status, status_value, dynamic, dynamic_value, group = match.groups()
    assert status == _status_class(_number(status_value))
    assert dynamic == _dynamic_class(_number(dynamic_value))
    statuses, dynamics = ["hoch", "mittel", "niedrig", "sehr niedrig"], ["positiv", "stabil",
                                                                          "negativ"]
    assert group == f"{statuses.index(status) + 1}/{dynamics.index(dynamic) + 1}"
    # the quarterly HTML report (notebook path) says the same about Sonneberg
    html = (folder / "16072_Sonneberg.html").read_text(encoding="utf-8")
    assert POSITION.search(" ".join(html.split())).groups() == match.groups()
    # wording rules: relative, no causes
    assert "Die Klassen beschreiben die Lage relativ zu den anderen Gebieten" in text
    assert "Über Ursachen sagt der Index nichts" in text
    # the district's index indicators (A22 has no demo values: named as left out)
    assert "Sonneberg: Indexindikatoren" in text
    for name in ("A19 Arbeitslosenquote Ausländer", "A21 SGB-II-Hilfequote Ausländer",
                 "A16 Beschäftigungsquote Ausländer", "z-Wert Status", "z-Wert Dynamik"):
        assert name in text, name
    assert "Nicht im Index: A22" in text
    # the figure: an image on the page whose caption names it
    [page] = [p for p, t in zip(reader.pages, pages, strict=True)
              if "Status- und Dynamikindex der bewerteten Gebiete" in _flat(t)]
    assert len(page.images) >= 1
    assert "Sonneberg hervorgehoben" in _flat(page.extract_text())


def test_comparison_and_deck_name_each_districts_group(published: Path) -> None:
    """The state-wide comparison has a column with each district's group, the Kreistag deck
    one line under the key messages; both agree with the evaluation PDF."""
    from pptx import Presentation
    from pypdf import PdfReader

    folder = published / "out" / "2025-Q4"
    groups = {}
    for stem in ("16070_Ilm-Kreis", "16072_Sonneberg"):
        pdf = _flat("\n".join(p.extract_text() for p in PdfReader(
            folder / f"{stem}_Evaluation.pdf").pages))
        status, _, dynamic, _, group = POSITION.search(pdf).groups()
        groups[stem.split("_")[1]] = (group, status, dynamic)
    page = (folder / "Landesvergleich.html").read_text(encoding="utf-8")
    assert "Demodaten – fiktiv" in page
    page = page[page.index('<table class="mon-table">'):]  # not the map's data table
    header = re.search(r"<thead><tr>(.*?)</tr></thead>", page).group(1)
    assert re.findall(r"<th[^>]*>([^<]*)</th>", header)[-1] == "Status-Dynamik-Index: Gruppe"
    for name, (group, status, dynamic) in groups.items():
        row = re.search(rf'<tr><th scope="row" class="txt">{name}</th>(.*?)</tr>',
                        page).group(1)
        cell = re.findall(r"<td[^>]*>([^<]*)</td>", row)[-1]
        assert cell.startswith(f"{group} {status}/{dynamic}"), (name, cell)
    assert "relativ zu den anderen Gebieten" in page and "nichts über Ursachen" in page

    slides = Presentation(str(folder / "16072_Sonneberg_Kreistag.pptx")).slides
    assert len(slides) == 6  # title, map, lights, messages, Fazit, appendix
    [messages] = [s for s in slides if s.shapes.title is not None
                  and s.shapes.title.text == "Drei Kernaussagen"]
    text = " ".join(shape.text_frame.text for shape in messages.shapes if shape.has_text_frame)
    group, status, dynamic = groups["Sonneberg"]
    assert (f"Status „{status}“ ({status_reading(status)}), Dynamik „{dynamic}“ "
            f"({dynamic_reading(dynamic)}); Gruppe {group}" in text
            and "relativ zu den anderen Gebieten" in text and "nichts über Ursachen" in text)


def test_evaluation_says_why_a_district_is_not_assessed(
        demo_store_path: Path, tmp_path: Path) -> None:
    """With a minimum denominator just above Sonneberg's smallest index denominator the
    district is "nicht bewertet" with the reason in the evaluation text (no class, no point
    in the figure), and so in the deck line and the comparison column."""
    from monitoring import views

    with open_store(demo_store_path) as store:
        panel = views.indicator_panel(store)
    rows = panel[panel["indicator_id"].isin(["A19", "A21", "A16"])
                 & panel["period"].isin(["2025-Q4", "2023-Q4"])]
    smallest = rows.groupby("area_code")["denominator"].min()
    limit = int(smallest["16072"]) + 1
    assert smallest["16070"] >= limit  # Ilm-Kreis stays assessed
    settings = tmp_path / "monitoring.toml"
    settings.write_text(f"[status_dynamik_index]\nmindestnenner = {limit}\n", encoding="utf-8")
    with open_store(demo_store_path) as store:
        facts = evaluation.collect(store, "16072", "2025-Q4", panel=panel,
                                   settings=mon_settings.resolve(file=settings, store=store))
    md = evaluation.markdown(facts, conclusions_text=None)
    section = md.split("# Lage im Landesvergleich: Status-Dynamik-Index")[1].split("\n# ")[0]
    assert "Sonneberg wird nicht bewertet: " in section
    assert "Bezugsgröße unter" in section and f"{limit // 1000}.{limit % 1000:03d}" in section
    assert "Sonneberg nicht bewertet, daher ohne Punkt" in section
    assert "beim Status in der Klasse" not in section  # no class for it
    assert facts.index_group_de() == "nicht bewertet"
    assert facts.index_line().startswith("Status-Dynamik-Index: Sonneberg wird nicht bewertet (")
    # More areas required than there are districts: no index at all, the reason instead.
    settings.write_text("[status_dynamik_index]\nmindestgebiete = 23\n", encoding="utf-8")
    with open_store(demo_store_path) as store:
        facts = evaluation.collect(store, "16072", "2025-Q4", panel=panel,
                                   settings=mon_settings.resolve(file=settings, store=store))
    md = evaluation.markdown(facts, conclusions_text=None)
    section = md.split("# Lage im Landesvergleich: Status-Dynamik-Index")[1].split("\n# ")[0]
    assert "Der Status-Dynamik-Index wird nicht berechnet: " in section
    assert "mindestens 23" in section
    assert "index.png" not in section and "index" not in facts.figures
    assert "Sonneberg: Indexindikatoren" not in section
    assert facts.index_group_de() == "nicht berechnet"


def _assert_drawn(pngs: list[Path], count: int) -> None:
    from PIL import Image

    assert len(pngs) == count
    for png in pngs:
        image = Image.open(png).convert("L")
        dark = sum(1 for v in image.tobytes() if v < 128)
        assert dark > 200, f"{png} looks empty"


@pytest.mark.skipif(SOFFICE is None or PDFTOPPM is None, reason=(
    "LibreOffice/poppler fehlen (Debian: libreoffice-impress, poppler-utils; "
    "`python3 tasks.py test` installiert sie als root)"))
def test_deck_opens_in_libreoffice(published: Path, artifacts: Path, tmp_path: Path) -> None:
    from pptx import Presentation

    deck = published / "out" / "2025-Q4" / "16072_Sonneberg_Kreistag.pptx"
    slides = Presentation(str(deck)).slides
    assert 1 <= len(slides) <= 8
    texts = "\n".join(s.shapes.title.text for s in slides if s.shapes.title is not None)
    assert {"Drei Kernaussagen", "Fazit und nächste Schritte",
            "Ziele im Überblick (Ampel)"} <= set(texts.splitlines())
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
                   check=True, capture_output=True, timeout=180)
    subprocess.run([PDFTOPPM, "-r", "30", "-png", str(tmp_path / deck.with_suffix(".pdf").name),
                    str(artifacts / "deck_16072")], check=True)
    _assert_drawn(sorted(artifacts.glob("deck_16072-*.png")), len(slides))


def _register(folder: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((folder / "veroeffentlichung.json").read_text(encoding="utf-8"))


def _hrefs(page: str) -> list[str]:
    from html.parser import HTMLParser

    found: list[str] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            href = dict(attrs).get("href")
            if tag == "a" and href:
                found.append(href)

    Links().feed(page)
    return found


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium fehlt (Debian-Paket `chromium`)")
def test_index_is_the_front_door_of_the_quarter(published: Path, artifacts: Path) -> None:
    """The index links every artefact of the register, the ZIP and the register itself;
    every link resolves; a map picks a district (a named link per district, reached with the
    Tab key); the Landesvergleich has the reports' look. Screenshot kept as an artefact."""
    from playwright.sync_api import sync_playwright

    from quarto_helpers import BROWSER_ARGS

    folder = published / "out" / "2025-Q4"
    page = (folder / "index.html").read_text(encoding="utf-8")
    hrefs = _hrefs(page)
    files = {a["file"] for a in _register(folder)["artefacts"]}
    assert files - {"index.html"} <= set(hrefs)
    assert {"Integrationsmonitor_2025-Q4.zip", "veroeffentlichung.json",
            "Landesvergleich.html"} <= set(hrefs)
    files_linked = [h for h in hrefs if not h.startswith(("#", "mailto:"))]  # skip link, nav
    assert all((folder / h).is_file() for h in files_linked), [
        h for h in files_linked if not (folder / h).is_file()]
    assert "barrierefreiheit.html" in hrefs  # the accessibility statement (issue 15)
    assert PUBLISHER in page and STYLE_COLOUR in page and "report.css" not in page
    comparison = (folder / "Landesvergleich.html").read_text(encoding="utf-8")
    assert '<body class="mon-report mon-index">' in comparison and STYLE_COLOUR in comparison
    assert ".mon-header h1" in comparison and 'href="index.html"' in comparison

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        tab = browser.new_page(viewport={"width": 1200, "height": 900})
        tab.goto((folder / "index.html").as_uri())
        areas = tab.locator("svg.mon-map a").evaluate_all(
            "els => els.map(e => [e.getAttribute('aria-label'), e.getAttribute('href')])")
        font = tab.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
        map_box = tab.locator("svg.mon-map").bounding_box()
        drawn = tab.locator("svg.mon-map path").count()
        reached = []
        for _ in range(40):  # keyboard only: Tab until the map's links have had the focus
            tab.keyboard.press("Tab")
            reached.append(tab.evaluate(
                "document.activeElement.getAttribute('aria-label') || ''"))
        tab.screenshot(path=str(artifacts / "index_2025-Q4.png"), full_page=True)
        browser.close()
    assert drawn == 22  # the whole Land for orientation; districts without a report grey
    assert sorted(areas) == [["Ilm-Kreis (16070)", "16070_Ilm-Kreis.html"],
                             ["Sonneberg (16072)", "16072_Sonneberg.html"]]
    assert "Sonneberg (16072)" in reached and "Ilm-Kreis (16070)" in reached
    assert "serif" not in font.replace("sans-serif", "")  # the reports' sans-serif face
    assert map_box is not None and 100 < map_box["height"] < 900 and map_box["width"] <= 520


def _flat_pages(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() for p in PdfReader(pdf).pages]


def _csv_rows(path: Path) -> list[list[str]]:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig")), delimiter=";"))
    return [r for r in rows[2:] if len(r) == 3 and not r[0].startswith("Summe")]


def _published_counts(folder: Path, stem: str, name: str) -> dict[str, int]:
    """What the key messages must say, read from the published tables (CSV, Excel, the
    Landesvergleich) – not from the code that writes the messages."""
    from openpyxl import load_workbook

    gemeinden = _csv_rows(folder / f"{stem}_Gemeinden.csv")
    sheet = load_workbook(folder / f"{stem}_Tabellen.xlsx")["Tabelle 2"]
    fields = [row for row in sheet.iter_rows(min_row=3, values_only=True)
              if row[1] is not None and not str(row[0]).startswith("Quelle")]
    comparison = (folder / "Landesvergleich.html").read_text(encoding="utf-8")
    comparison = comparison[comparison.index('<table class="mon-table">'):]  # not the map's
    row = re.search(rf'<tr><th scope="row" class="txt">{name}</th>(.*?)</tr>',
                    comparison).group(1)
    total = int(re.findall(r"<td[^>]*>([^<]*)</td>", row)[1].replace(".", ""))
    return {"municipalities": len(gemeinden),
            "municipalities_without": sum(r[2] == "0" for r in gemeinden),
            "sited": sum(int(r[2]) for r in gemeinden if r[2].isdigit()),
            "fields": len(fields), "fields_without": sum(str(r[1]) == "0" for r in fields),
            "total": total}


def test_evaluation_pdf_reads_like_a_report(published: Path) -> None:
    """Key messages as sentences from the published counts, the difference between offers
    with a site and all offers explained, captions with their tables, logo and publisher on
    page 1, technical provenance only in the appendix, the Fazit only where one was written."""
    from pypdf import PdfReader

    folder = published / "out" / "2025-Q4"
    counts = _published_counts(folder, "16072_Sonneberg", "Sonneberg")
    assert counts["fields_without"] >= 2 and counts["municipalities_without"] >= 2
    pdf = folder / "16072_Sonneberg_Evaluation.pdf"
    pages = _flat_pages(pdf)
    text = _flat("\n".join(pages))
    assert "Das Wichtigste in Kürze" in text
    assert (f"In {counts['fields_without']} von {counts['fields']} Handlungsfeldern gibt es im "
            "Kreis kein Angebot.") in text
    assert (f"{counts['municipalities_without']} von {counts['municipalities']} Gemeinden "
            "haben kein Angebot mit festem Standort.") in text
    without = counts["total"] - counts["sited"]
    assert without > 0
    assert (f"Die Tabelle zählt die {counts['sited']} Angebote mit festem Standort in einer "
            f"Gemeinde. {without} weitere Angebote sind mobil, online oder ohne festen "
            f"Standort und keiner Gemeinde zugeordnet; mit ihnen laufen im Kreis "
            f"{counts['total']} Angebote.") in text
    assert "Fazit Das Angebot in Sonneberg bleibt dünn." in text
    assert PUBLISHER in pages[0] and len(PdfReader(pdf).pages[0].images) >= 1  # the logo
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    appendix = text.index("Anhang Definitionen")
    for technical in (manifest["data_snapshot"], "Schema-Version"):
        assert text.index(technical) > appendix, technical
    for pdf_file in folder.glob("*_Evaluation.pdf"):
        for number, page in enumerate(_flat_pages(pdf_file), 1):
            lines = [line for line in page.splitlines()
                     if line.strip() and not re.fullmatch(r"\s*Seite \d+ von \d+\s*", line)]
            assert not re.match(r"\s*Tabelle \d+:", lines[-1]), (pdf_file.name, number)




def _slide_text(slide) -> str:  # type: ignore[no-untyped-def]
    parts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
    parts += [cell.text for shape in slide.shapes if shape.has_table
              for row in shape.table.rows for cell in row.cells]
    return "\n".join(parts)


def test_kreistag_deck_is_presentable(published: Path) -> None:
    """Traffic lights with readable contrast (computed from the deck's own fill and text
    colours), values with unit and the target with its year, the key messages as sentences,
    one source line per content slide, conclusions only from the manager's file, provenance
    only in the appendix, the style's colour and logo."""
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    folder = published / "out" / "2025-Q4"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    with open_store(published / "demo.duckdb") as store:
        targets = store.read_targets()
    for stem, name in (("16072_Sonneberg", "Sonneberg"), ("16070_Ilm-Kreis", "Ilm-Kreis")):
        slides = list(Presentation(str(folder / f"{stem}_Kreistag.pptx")).slides)
        titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in slides]
        conclusions = ["Fazit und nächste Schritte"] if name == "Sonneberg" else []
        assert titles == [f"Integrationsmonitoring {name}",
                          "Angebote je 1.000 ausländische Staatsangehörige",
                          "Ziele im Überblick (Ampel)", "Drei Kernaussagen", *conclusions,
                          "Anhang: Quellen und technische Angaben"], stem
        texts = [_slide_text(s) for s in slides]
        everything = "\n".join(texts)
        for placeholder in ("fazit/", ".md", "trägt das Integrationsmanagement", "Legen Sie"):
            assert placeholder not in everything, (stem, placeholder)
        for technical in (manifest["data_snapshot"], "Schema-Version"):
            assert [technical in t for t in texts] == [False] * (len(texts) - 1) + [True]
        for slide, text in zip(slides[1:-1], texts[1:-1], strict=True):
            lines = [p.text for shape in slide.shapes if shape.has_text_frame
                     for p in shape.text_frame.paragraphs
                     if p.text.startswith(("Quelle:", "Fazit des"))]
            assert len(lines) == 1 and len(lines[0]) <= 190, (stem, text[:40], lines)
        # title slide: logo picture, the publisher, the title in the style colour
        title_slide = slides[0]
        assert any(s.shape_type == MSO_SHAPE_TYPE.PICTURE for s in title_slide.shapes)
        assert PUBLISHER in texts[0]
        heading = next(s for s in title_slide.shapes if s.has_text_frame
                       and s.text_frame.text.startswith("Integrationsmonitoring"))
        assert str(heading.text_frame.paragraphs[0].runs[0].font.color.rgb) == STYLE_COLOUR[1:]
        # the traffic-light table: every cell readable, units and target years
        [table] = [s.table for s in slides[2].shapes if s.has_table]
        for row in table.rows:
            for cell in row.cells:
                fill = tuple(cell.fill.fore_color.rgb)
                for paragraph in cell.text_frame.paragraphs:
                    for run in paragraph.runs:
                        ratio = contrast(fill, tuple(run.font.color.rgb))
                        assert ratio >= 4.5, (stem, cell.text, ratio)
        header = [c.text for c in table.rows[0].cells]
        assert header == ["Indikator", "Wert 4. Quartal 2025", "Ziel (Zieljahr)", "Stand"]
        mine = targets[targets["area_code"] == stem[:5]]
        years = {str(p)[:4] for p in mine["target_period"]}
        body = [[c.text for c in row.cells] for row in list(table.rows)[1:]]
        assert body and {"im Plan", "nicht im Plan"} & {r[3] for r in body}
        for row in body:
            assert re.fullmatch(r"[\d.,]+\u00a0\S.*", row[1]), row  # a unit after the value
            assert re.search(r"\u00a0\S.* \((\d{4})\)$", row[2]), row
            assert re.search(r"\((\d{4})\)$", row[2]).group(1) in years, row
        messages = texts[3]
        counts = _published_counts(folder, stem, name)
        fields = (f"In {counts['fields_without']} von {counts['fields']} Handlungsfeldern gibt "
                  "es im Kreis kein Angebot." if counts["fields_without"] else
                  f"In allen {counts['fields']} Handlungsfeldern gibt es im Kreis mindestens "
                  "ein Angebot.")
        assert fields in messages and f"Im Kreis laufen am Stichtag {counts['total']} " \
            "Angebote" in messages
    sonneberg = _slide_text(list(Presentation(
        str(folder / "16072_Sonneberg_Kreistag.pptx")).slides)[4])
    assert "Das Angebot in Sonneberg bleibt dünn." in sonneberg
    assert "Sprachkurs in Neuhaus am Rennweg ausschreiben" in sonneberg


def test_rerun_is_idempotent_and_failure_keeps_last_good(
        published: Path) -> None:
    folder = published / "out" / "2025-Q4"
    before = _digests(folder)
    # Missing section notebooks (a broken installation): clear error, nothing replaced.
    (published / "leer").mkdir(exist_ok=True)
    assert _publish(published, "--notebooks", str(published / "leer")) == 2
    assert _digests(folder) == before
    with RunLock(folder):  # a publication already running
        assert _publish(published) == 2
    assert _digests(folder) == before
    assert _publish(published) == 0  # the same run again: same set of files
    assert _digests(folder).keys() == before.keys()


def test_unwritable_output_folder_is_a_clear_error(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "datei"
    blocker.write_text("kein Ordner")
    assert main(["veroeffentlichen", "--period", "2025-Q4", "--out", str(blocker)]) == 2
    assert "Fehler:" in capsys.readouterr().err


def test_quarto_website_sources_list_the_published_files(published: Path) -> None:
    """The website sources are written without Quarto; every listing entry is a real file."""
    import yaml

    out = published / "out"
    config = yaml.safe_load((out / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["project"]["type"] == "website" and config["lang"] == "de"
    page = (out / "2025-Q4" / "uebersicht.qmd").read_text(encoding="utf-8")
    front = yaml.safe_load(page.split("---\n")[1])
    assert front["title"] == "Integrationsmonitoring – 4. Quartal 2025"
    assert front["listing"]["contents"] == "berichte.yml"
    items = yaml.safe_load((out / "2025-Q4" / "berichte.yml").read_text(encoding="utf-8"))
    paths = [item["path"] for item in items]
    assert all((out / "2025-Q4" / p).is_file() for p in paths)
    register = json.loads((out / "2025-Q4" / "veroeffentlichung.json").read_text("utf-8"))
    assert {a["file"] for a in register["artefacts"]} | {
        "Integrationsmonitor_2025-Q4.zip"} == set(paths)
    by_path = {item["path"]: item for item in items}
    assert by_path["16072_Sonneberg_Evaluation.pdf"]["title"] == "Sonneberg (16072)"
    assert by_path["16072_Sonneberg_Evaluation.pdf"]["description"] == "Evaluationsbericht (PDF)"
    index = yaml.safe_load((out / "index.qmd").read_text(encoding="utf-8").split("---\n")[1])
    assert sorted(out.glob(index["listing"]["contents"])) == [out / "2025-Q4" / "uebersicht.qmd"]


def test_broken_quarto_config_stops_before_anything_changes(
        published: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = published / "out" / "2025-Q4"
    config = published / "out" / "_quarto.yml"
    good = config.read_text(encoding="utf-8")
    before = _digests(folder)
    html_before = (folder / "16070_Ilm-Kreis.html").stat().st_mtime_ns
    try:
        config.write_text("project:\n  type: website\n  render: [index.qmd\n", encoding="utf-8")
        capsys.readouterr()
        assert _publish(published) == 2
        err = capsys.readouterr().err
        assert "Quarto-Projektdatei" in err and "kein gültiges YAML (Zeile" in err
        assert "Traceback" not in err
        config.write_text("project:\n  type: book\n", encoding="utf-8")
        assert _publish(published) == 2
        assert "beschreibt keine Website" in capsys.readouterr().err
    finally:
        config.write_text(good, encoding="utf-8")
    assert _digests(folder) == before
    assert (folder / "16070_Ilm-Kreis.html").stat().st_mtime_ns == html_before


def test_full_disk_while_writing_keeps_the_last_good_outputs(
        published: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """ENOSPC at the OS boundary: the file write of the state comparison (in this process;
    the format workers are spawned and would not see a patch)."""
    import errno

    folder = published / "out" / "2025-Q4"
    before = _digests(folder)
    register = (folder / "veroeffentlichung.json").read_bytes()
    real_write = Path.write_text

    def full_disk(self: Path, *args: object, **kwargs: object) -> int:
        if ".publish-" in str(self.parent):
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", full_disk)
    capsys.readouterr()
    assert _publish(published) == 1  # the environment, not the input (issue 12, item 4)
    err = capsys.readouterr().err
    assert "Kein Speicherplatz mehr" in err and "bleiben unverändert" in err
    assert "Traceback" not in err
    assert _digests(folder) == before
    assert (folder / "veroeffentlichung.json").read_bytes() == register
    assert not list((published / "out").glob(".2025-Q4.publish-*"))  # staging removed


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium fehlt (Debian-Paket `chromium`)")
def test_published_pages_pass_axe_and_have_an_accessible_shell(published: Path) -> None:
    """Issue 15: the Landesvergleich, the published index (every artefact linked) and the
    accessibility statement of the published quarter: no axe-core WCAG 2.1 A/AA violation,
    lang="de", one h1, heading order, landmarks and the skip link; the statement is
    registered, scanned and zipped like every published file."""
    from playwright.sync_api import sync_playwright

    from a11y_helpers import axe_violations, structure_problems
    from quarto_helpers import BROWSER_ARGS

    folder = published / "out" / "2025-Q4"
    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
        for name in ("Landesvergleich.html", "index.html", "barrierefreiheit.html"):
            page = context.new_page()
            page.goto((folder / name).as_uri())
            if name == "Landesvergleich.html":
                page.wait_for_selector("path.choroplethlocation", timeout=20_000)
            found[name] = axe_violations(page) + structure_problems(page)
        browser.close()
    assert found == {name: [] for name in found}
    assert "barrierefreiheit.html" in {a["file"] for a in _register(folder)["artefacts"]}
    with zipfile.ZipFile(folder / "Integrationsmonitor_2025-Q4.zip") as archive:
        assert any(n.endswith("barrierefreiheit.html") for n in archive.namelist())
