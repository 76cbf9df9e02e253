"""A county outside Thuringia, end to end, exactly as a user makes it: boundary files of a few
Bavarian Kreise and of the own Kreis's Gemeinden (VG250 attributes) → `monitoring neu --land 09
--kreis 09472 --gebiete …` → own figures (`import zahlen`) → the partners' offer inventory
(`import angebote`) → `monitoring run` and `monitoring veroeffentlichen`.

The reports name Bayern, never Thüringen; the state value is Bayern's, computed here by hand
from the figures written below; the population figure is the one imported.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from monitoring.cli.main import main
from portal_files import filled_offer_template

pytestmark = pytest.mark.slow

PERIOD = "2024-Q4"  # Stichtag 31.12.2024 of the figures below
LAND, OWN = "09", "09472"
# Four Kreise of Oberfranken (AGS, GEN, BEZ as in VG250_KRS); the own Kreis is Landkreis Bayreuth.
KREISE = {"09461": ("Bamberg", "Kreisfreie Stadt"), "09462": ("Bayreuth", "Kreisfreie Stadt"),
          "09471": ("Bamberg", "Landkreis"), "09472": ("Bayreuth", "Landkreis")}
# Four Gemeinden of the Landkreis Bayreuth (AGS, GEN, BEZ as in VG250_GEM).
GEMEINDEN = {"09472112": ("Bad Berneck i.Fichtelgebirge", "Stadt"),
             "09472118": ("Bindlach", "Gemeinde"), "09472126": ("Creußen", "Stadt"),
             "09472175": ("Pegnitz", "Stadt")}
# Own figures per Kreis, 31.12.2024: population, foreign nationals, and the numerator and
# denominator of A19 (unemployment rate of foreign nationals).
FIGURES = {
    "09461": {"bevoelkerung": 79_935, "auslaender": 11_512, "arbeitslose_ausl": 1_234,
              "bezugsgroesse_ausl": 9_876},
    "09462": {"bevoelkerung": 74_657, "auslaender": 9_804, "arbeitslose_ausl": 987,
              "bezugsgroesse_ausl": 8_765},
    "09471": {"bevoelkerung": 148_902, "auslaender": 10_233, "arbeitslose_ausl": 456,
              "bezugsgroesse_ausl": 6_543},
    "09472": {"bevoelkerung": 103_656, "auslaender": 6_789, "arbeitslose_ausl": 321,
              "bezugsgroesse_ausl": 4_321},
}
# Bayern's A19 from its Kreise in this store: (1234 + 987 + 456 + 321) / (9876 + 8765 + 6543
# + 4321) = 2998 / 29505 = 10.161 % → „10,2“; the Landkreis Bayreuth's own: 321 / 4321
# = 7.429 % → „7,4“.
STATE_A19, OWN_A19 = "10,2", "7,4"
# Own Kreis's foreign nationals as the reports print them (German thousands separator).
OWN_FOREIGN = "6.789"

X0, Y0, SIDE = 660_000.0, 5_520_000.0, 20_000.0  # EPSG:25832, around Bayreuth


def _german(value: int) -> str:
    """A count as a German spreadsheet exports it: „1.234“."""
    return f"{value:,}".replace(",", ".")


def _boundary_files(folder: Path) -> tuple[Path, Path]:
    """VG250-like GeoJSON files: the four Kreise as squares side by side, the own Kreis's
    square split into four Gemeinden (non-overlapping, together exactly the Kreis)."""
    kreise = gpd.GeoDataFrame(
        {"AGS": list(KREISE), "ARS": list(KREISE), "GEN": [n for n, _ in KREISE.values()],
         "BEZ": [k for _, k in KREISE.values()], "GF": 4},
        geometry=[box(X0 + i * SIDE, Y0, X0 + (i + 1) * SIDE, Y0 + SIDE)
                  for i in range(len(KREISE))], crs=25832)
    own_x = X0 + list(KREISE).index(OWN) * SIDE
    half = SIDE / 2
    quadrants = [box(own_x + dx, Y0 + dy, own_x + dx + half, Y0 + dy + half)
                 for dx in (0, half) for dy in (0, half)]
    gemeinden = gpd.GeoDataFrame(
        {"AGS": list(GEMEINDEN), "ARS": [f"{c[:5]}0000{c[5:]}" for c in GEMEINDEN],
         "GEN": [n for n, _ in GEMEINDEN.values()], "BEZ": [k for _, k in GEMEINDEN.values()],
         "GF": 4}, geometry=quadrants, crs=25832)
    kreis_file, gemeinde_file = folder / "VG250_KRS.geojson", folder / "VG250_GEM.geojson"
    kreise.to_file(kreis_file)
    gemeinden.to_file(gemeinde_file)
    return kreis_file, gemeinde_file


def _figures_file(folder: Path) -> Path:
    lines = ["reihe;gebiet;zeitraum;wert;quelle"]
    for code, values in FIGURES.items():
        lines += [f"{series};{code};31.12.2024;{_german(value)};Landesamt für Statistik Bayern"
                  for series, value in values.items()]
    path = folder / "eigene_zahlen.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _gemeinde_centre(code: str) -> tuple[float, float]:
    i = list(GEMEINDEN).index(code)
    own_x = X0 + list(KREISE).index(OWN) * SIDE
    return own_x + (i // 2) * SIDE / 2 + SIDE / 4, Y0 + (i % 2) * SIDE / 2 + SIDE / 4


def _inventory(folder: Path, store: Path) -> Path:
    """The template from the CLI, filled as a partner would (examples deleted)."""
    template = folder / "Bestandserhebung.xlsx"
    assert main(["template", "angebote", "--out", str(template), "--store", str(store)]) == 0
    pegnitz, bindlach = _gemeinde_centre("09472175"), _gemeinde_centre("09472118")
    rows = {
        "Akteure": [["AK-1", "Bunt in Pegnitz e. V.", "Verein", "09472175", "ja", 9],
                    ["AK-2", "Bildungswerk Bindlach gGmbH", "Bildungsträger", "09472118",
                     "nein", 0]],
        "Standorte": [["ST-1", "Bürgerhaus", "Hauptstraße 1, 91257 Pegnitz", "09472175",
                       pegnitz[0], pegnitz[1], "EPSG:25832"],
                      ["ST-2", "Schulungsraum", "Am Markt 2, 95463 Bindlach", "09472118",
                       bindlach[0], bindlach[1], "EPSG:25832"]],
        "Angebote": [
            ["AN-1", "AK-1", "Sprachcafé", "Sprache", None, "Zugewanderte allgemein", None,
             "Deutsch", "Ukrainisch", None, None, "an einem festen Standort", "Gemeinde",
             "09472175", "ST-1", 20, "01.03.2024", None],
            ["AN-2", "AK-2", "Berufssprachkurs B1", "Arbeitsmarkt/Wirtschaft", "Sprache",
             "Geflüchtete / Schutzsuchende", None, "Deutsch", "Arabisch", None, None,
             "an einem festen Standort", "Gemeinde", "09472118", "ST-2", 16, "01.09.2024",
             "31.07.2025"],
            ["AN-3", "AK-1", "Mobile Migrationsberatung", "Beratung/Integration/Migration",
             None, "Geflüchtete / Schutzsuchende", None, "Deutsch", "Persisch (Farsi/Dari)",
             None, None, "mobil / aufsuchend (ohne festen Standort)",
             "Kreis / kreisfreie Stadt", OWN, None, 30, "01.01.2024", None]],
    }
    return filled_offer_template(template, folder / "Bestandserhebung_Bayreuth.xlsx",
                                 actors=rows["Akteure"], sites=rows["Standorte"],
                                 offers=rows["Angebote"])


@pytest.fixture(scope="module")
def bavaria(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store of the Landkreis Bayreuth, made with the CLI step by step."""
    folder = tmp_path_factory.mktemp("bayern")
    store = folder / "bayreuth.duckdb"
    kreise, gemeinden = _boundary_files(folder)
    assert main(["neu", "--store", str(store), "--land", LAND, "--kreis", OWN,
                 "--gebiete", str(kreise), "--ebene", "kreis", "--stand", "2024-01-01",
                 "--gebiete", str(gemeinden), "--ebene", "gemeinde",
                 "--stand", "2024-01-01"]) == 0
    assert main(["import", "zahlen", str(_figures_file(folder)), "--store", str(store)]) == 0
    assert main(["import", "angebote", str(_inventory(folder, store)), "--store", str(store),
                 "--as-of", "2024-10-01"]) == 0
    return folder


def _text(html: str) -> str:
    """The visible text of a page (scripts, styles and tags removed, whitespace collapsed)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _table(html: str, caption: str) -> list[dict[str, str]]:
    """The rows of the HTML table whose caption starts with `caption`, as header → cell text."""
    for table in re.findall(r"<table\b.*?</table>", html, flags=re.S):
        found = re.search(r"<caption>(.*?)</caption>", table, flags=re.S)
        if found and _text(found.group(1)).startswith(caption):
            head = table.split("</thead>")[0]
            header = [_text(h) for h in re.findall(r"<th\b[^>]*>(.*?)</th>", head, re.S)]
            body = re.search(r"<tbody>(.*?)</tbody>", table, flags=re.S)
            rows = re.findall(r"<tr>(.*?)</tr>", body.group(1) if body else "", flags=re.S)
            return [dict(zip(header, [_text(c) for c in re.findall(
                r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, flags=re.S)], strict=True)) for row in rows]
    raise AssertionError(f"keine Tabelle „{caption}“")


def _plotly_texts(html: str) -> list[str]:
    """The hover texts of the page's plotly figures as the browser shows them: written out
    (JSON strings starting with a bold name), or built from a trace's ``hovertemplate`` and
    its per-area data (the disclosure scan's own reading, `scan.hover_texts`)."""
    from monitoring.report.publish.scan import hover_texts, plotly_figures

    written = [json.loads(f'"{raw}"')
               for raw in re.findall(r'"(\\u003cb\\u003e(?:[^"\\]|\\.)*)"', html)]
    built = [text for figure in plotly_figures(html)
             for trace in figure.get("data", []) or [] if isinstance(trace, dict)
             for text in hover_texts(trace)]
    return written + built


@pytest.fixture(scope="module")
def report(bavaria: Path) -> Path:
    out = bavaria / "reports"
    assert main(["run", "--period", PERIOD, "--store", str(bavaria / "bayreuth.duckdb"),
                 "--out", str(out), "--workers", "1"]) == 0
    return out / PERIOD


def test_report_and_index_name_bayern_and_never_thueringen(report: Path) -> None:
    files = sorted(report.glob("*.html"))
    assert [f.name for f in files] == ["09472_Bayreuth.html", "barrierefreiheit.html",
                                       "index.html"]
    for file in files:
        html = file.read_text(encoding="utf-8")
        assert "Thüringen" not in html and "Th\\u00fcringen" not in html, file.name
    page = _text((report / "09472_Bayreuth.html").read_text(encoding="utf-8"))
    assert "Landkreis in Bayern · Berichtszeitraum 4. Quartal 2024" in page
    index = _text((report / "index.html").read_text(encoding="utf-8"))
    assert "Integrationsmonitoring Bayern" in index and "Bayreuth" in index
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["land"], manifest["land_name"]) == (LAND, "Bayern")


def test_the_state_value_is_bayerns_from_its_kreise(report: Path) -> None:
    html = (report / "09472_Bayreuth.html").read_text(encoding="utf-8")
    rows = {r["Indikator"]: r for r in _table(html, "Indikatoren im Überblick")}
    assert (rows["Arbeitslosenquote Ausländer"]["Q4 2024"],
            rows["Arbeitslosenquote Ausländer"]["Bayern"]) == (OWN_A19, STATE_A19)
    # A01 from the population figures: 6789 / 103656 = 6.549 %; Bayern (38338 / 407150)
    # = 9.416 %
    assert (rows["Ausländeranteil"]["Q4 2024"], rows["Ausländeranteil"]["Bayern"]) == ("6,5", "9,4")


def test_the_population_shown_is_the_one_imported(report: Path) -> None:
    html = (report / "09472_Bayreuth.html").read_text(encoding="utf-8")
    # the map of the Kreise: the Landkreis Bayreuth with its 6,789 foreign nationals and
    # 3 offers → 3 / 6789 × 1000 = 0.44 per 1,000
    hover = [t for t in _plotly_texts(html) if t.startswith("<b>Bayreuth</b><br>Angebote: 0,4")]
    assert hover and f"Ausländische Staatsangehörige: {OWN_FOREIGN}" in hover[0]
    assert "Ausländische Staatsangehörige: 9.804" in " ".join(_plotly_texts(html))  # the city
    # places per 1,000 in the field Sprache: (20 + 16) / 6789 × 1000 = 5.30
    fields = {r["Handlungsfeld"]: r for r in _table(html, "Aktive Angebote")}
    assert (fields["Sprache"]["Plätze"], fields["Sprache"]["Plätze je 1.000"]) == ("36", "5,3")


@pytest.fixture(scope="module")
def published(bavaria: Path) -> Path:
    out = bavaria / "veroeffentlicht"
    (bavaria / "fazit").mkdir()
    assert main(["veroeffentlichen", "--period", PERIOD, "--store",
                 str(bavaria / "bayreuth.duckdb"), "--out", str(out), "--fazit",
                 str(bavaria / "fazit"), "--workers", "1"]) == 0
    return out / PERIOD


def test_the_publication_names_bayern_in_every_format(published: Path) -> None:
    import yaml
    from pptx import Presentation
    from pypdf import PdfReader

    page = (published / "Landesvergleich.html").read_text(encoding="utf-8")
    text = _text(page)
    assert "Integrationsmonitoring Bayern" in text and "Vergleich der Kreise in Bayern" in text
    assert "Thüringen" not in page
    rows = {r["Kreis / kreisfreie Stadt"]: r for r in _table(page, "Die Kreise in Bayern")}
    assert rows["Bayreuth"]["Ausländische Staatsangehörige"] == OWN_FOREIGN
    # every file is registered under its area: the report of 09472, the comparison and the
    # index under the Land
    register = json.loads((published / "veroeffentlichung.json").read_text(encoding="utf-8"))
    areas = {a["file"]: a["area_code"] for a in register["artefacts"]}
    assert areas["09472_Bayreuth.html"] == OWN
    assert areas["Landesvergleich.html"] == areas["index.html"] == LAND
    listing = yaml.safe_load((published / "berichte.yml").read_text(encoding="utf-8"))
    titles = {item["path"]: item["title"] for item in listing}
    assert titles["Landesvergleich.html"] == "Vergleich der Kreise in Bayern"
    assert titles["09472_Bayreuth_Evaluation.pdf"] == "Bayreuth (09472)"
    assert not any("Thüringen" in t for t in titles.values())
    pdf = " ".join(p.extract_text() for p in PdfReader(
        published / "09472_Bayreuth_Evaluation.pdf").pages)
    assert "Landkreis in Bayern" in pdf and "Thüringen" not in pdf
    slides = Presentation(str(published / "09472_Bayreuth_Kreistag.pptx")).slides
    deck = " ".join(shape.text_frame.text for slide in slides for shape in slide.shapes
                    if shape.has_text_frame)
    assert "Landkreis in Bayern" in deck and "Thüringen" not in deck
