"""The real-data journey of a new user in Thuringia, end to end with the real command line.

In an empty folder, exactly as README „Pointing it at real data“ and
``docs/erste_schritte_echte_daten.md`` say: ``monitoring neu`` (own Kreis Wartburgkreis
16063) → ``monitoring import statistik`` with downloads in all four portal layouts (old flat
file 2019–2020, a Germany-wide „Tabelle“ with the Stichtage in the header 2021–2022, a
„Tabelle“ with the Stichtag in the first column 2023, the current zipped flat file 2024),
holding population and foreign nationals incl. Eisenach 16056 as a Kreis of its own until
2020 → ``monitoring import zahlen`` (own figures of the Gesundheitsamt for A11) → the offer
inventory (template → filled by a partner → import) → ``monitoring run`` for the Wartburgkreis
and Jena.

Every expected number is computed here by hand from the values written into the files
(`FIGURES`), never read back through the library. The store is built once for the module;
the numbers are checked through the views the reports use (fast), the report HTML once
(slow).
"""

from __future__ import annotations

import contextlib
import html
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from monitoring import views
from monitoring.cli.main import main
from monitoring.core import overlap
from monitoring.store.database import open_store
from portal_files import (
    EISENACH,
    THURINGIA,
    WARTBURGKREIS,
    Figures,
    ffcsv_german,
    filled_offer_template,
    old_flat,
    table_periods_in_header,
    table_periods_in_rows,
)

JENA = "16053"
STORE = "data/monitoring.duckdb"
S = ["--store", STORE]
STAND = ["--stand", "2025-06-15"]  # the download date the source line names
# Population on 31.12.2024 (Regionaldatenbank 12411-01-01-4, FORMATS.md §2) as the base of the
# made-up series 2019–2024; the Wartburgkreis and Eisenach are written out below.
POPULATION_2024 = {
    "16051": 218_793, "16052": 95_608, "16053": 109_725, "16054": 34_685, "16055": 65_954,
    "16061": 103_694, "16062": 80_762, "16064": 94_613, "16065": 71_738, "16066": 120_214,
    "16067": 135_838, "16068": 67_693, "16069": 59_987, "16070": 106_657, "16071": 82_392,
    "16072": 54_964, "16073": 100_105, "16074": 83_342, "16075": 77_341, "16076": 93_707,
    "16077": 87_508}
YEARS = range(2019, 2025)


def _figures() -> Figures:
    """(area, year) → (population, foreign nationals) written into the downloads."""
    figures: Figures = {}
    for code, base in POPULATION_2024.items():
        for year in YEARS:
            population = base + (2024 - year) * (300 + int(code[-2:]))
            share = 40 + int(code[-2:]) % 9 + 4 * (year - 2019)  # per mille
            figures[(code, year)] = (population, population * share // 1000)
    figures.update({
        # the Wartburgkreis without Eisenach until 2020, with it from 1 July 2021
        (WARTBURGKREIS, 2019): (117_850, 3_020), (WARTBURGKREIS, 2020): (117_320, 3_240),
        (WARTBURGKREIS, 2021): (158_640, 7_905), (WARTBURGKREIS, 2022): (157_210, 11_340),
        (WARTBURGKREIS, 2023): (156_030, 12_115), (WARTBURGKREIS, 2024): (154_957, 12_860),
        (EISENACH, 2019): (42_250, 3_310), (EISENACH, 2020): (41_970, 3_480)})
    return figures


FIGURES = _figures()
# own figures of the Gesundheitsamt (school-entry examinations 2024), German thousands dot
OWN_FIGURES = ("reihe;gebiet;zeitraum;wert;quelle\n"
               "seu_untersucht;16063;2024;1.236;Gesundheitsamt Wartburgkreis\n"
               "seu_sprachfoerderbedarf;16063;2024;287;Gesundheitsamt Wartburgkreis\n"
               "seu_untersucht;16053;2024;948;Gesundheitsamt Jena\n"
               "seu_sprachfoerderbedarf;16053;2024;201;Gesundheitsamt Jena\n")
# what the network partners type into the template (3 offers in the Wartburgkreis, one of
# them kreisweit without a site, 1 in Jena)
ACTORS = [["AK-1", "Integrationsnetz Wartburgregion e. V.", "Verein", "16063003", "ja", 14],
          ["AK-2", "Bildungswerk Eisenach gGmbH", "Bildungsträger", "16063105", "ja", 0],
          ["AK-3", "Migrationsberatung Jena", "Wohlfahrtsverband", "16053000", "ja", 3]]
SITES = [["ST-1", "Bürgerhaus", "Am Flößrasen 1, 36433 Bad Salzungen", "16063003", "10,2334",
          "50,8117", "WGS84"],
         ["ST-2", "Schulungszentrum", "Markt 2, 99817 Eisenach", "16063105", "10,3193",
          "50,9747", "WGS84"],
         ["ST-3", "Beratungsstelle", "Löbdergraben 1, 07743 Jena", "16053000", "11,5892",
          "50,9272", "WGS84"]]
OFFERS = [
    ["AN-1", "AK-1", "Sprachcafé", "Sprache", None, "Zugewanderte allgemein", None, "Deutsch",
     "Arabisch", None, None, "an einem festen Standort", "Gemeinde", "16063003", "ST-1", 20,
     "01.09.2024", None],
    ["AN-2", "AK-2", "Deutschkurs B1", "Sprache", "Arbeitsmarkt/Wirtschaft",
     "Geflüchtete / Schutzsuchende", None, "Deutsch", None, None, None,
     "an einem festen Standort", "Gemeinde", "16063105", "ST-2", 16, "01.10.2024", None],
    ["AN-3", "AK-1", "Mobile Beratung", "Beratung/Integration/Migration", None,
     "Geflüchtete / Schutzsuchende", None, "Deutsch", "Ukrainisch", None, None,
     "mobil / aufsuchend (ohne festen Standort)", "Kreis / kreisfreie Stadt", "16063", None, 40,
     "01.01.2024", None],
    ["AN-4", "AK-3", "Migrationsberatung", "Beratung/Integration/Migration", None,
     "Zugewanderte allgemein", None, "Deutsch", "Englisch", None, None,
     "an einem festen Standort", "Gemeinde", "16053000", "ST-3", 30, "01.03.2024", None]]


def _downloads(folder: Path) -> list[Path]:
    """The four downloads, named as the portals name them."""
    folder.mkdir()
    ffcsv, _ = ffcsv_german(FIGURES, [2024])
    files = {"12411-03-03-4_2019-2020_alt.csv": old_flat(FIGURES, [2019, 2020]),
             "12411-03-03-4_Deutschland.csv": table_periods_in_header(FIGURES, [2021, 2022]),
             "12411-03-03-4_2023.csv": table_periods_in_rows(FIGURES, [2023]),
             "12411-03-03-4_flat.zip": ffcsv}
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return [folder / name for name in files]


def _fill(template: Path, target: Path) -> Path:
    """Fill the offer template as a partner does: delete the example rows, type own rows."""
    return filled_offer_template(template, target, actors=ACTORS, sites=SITES, offers=OFFERS)


def _cli(*args: str) -> None:
    assert main(list(args)) == 0, args


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The user's folder after the journey up to (not including) `monitoring run`."""
    folder = tmp_path_factory.mktemp("erste_schritte")
    with contextlib.chdir(folder):
        _cli("neu", *S, "--kreis", WARTBURGKREIS)
        for download in _downloads(Path("downloads")):
            _cli("import", "statistik", str(download), *S, *STAND)
        Path("eigene_zahlen.csv").write_text(OWN_FIGURES, encoding="utf-8")
        _cli("import", "zahlen", "eigene_zahlen.csv", *S)
        _cli("template", "angebote", "--out", "Bestandserhebung.xlsx", *S)
        _fill(Path("Bestandserhebung.xlsx"), Path("Bestandserhebung_Netzwerk.xlsx"))
        _cli("import", "angebote", "Bestandserhebung_Netzwerk.xlsx", *S)
    yield folder


def _panel(folder: Path, indicator: str, period: str) -> pd.DataFrame:
    with open_store(folder / STORE) as store:
        panel = views.indicator_panel(store)
    rows = panel[(panel["indicator_id"] == indicator) & (panel["period"] == period)]
    return rows.set_index("area_code")


def _series(folder: Path, series_id: str) -> dict[tuple[str, str], float]:
    with open_store(folder / STORE) as store:
        rows = store.query("SELECT area_code, period, value FROM series_value "
                           "WHERE series_id = ?", [series_id])
    return {(r.area_code, r.period): r.value for r in rows.itertuples()}


def test_every_layout_lands_every_year_and_area(journey: Path) -> None:
    population, foreigners = _series(journey, "bevoelkerung"), _series(journey, "auslaender")
    for code in THURINGIA:
        for year in YEARS:
            assert population[(code, f"{year}-Q4")] == FIGURES[(code, year)][0], (code, year)
            assert foreigners[(code, f"{year}-Q4")] == FIGURES[(code, year)][1], (code, year)
    # Eisenach as a Kreis of its own until 2020; listed with „-“ afterwards: not imported
    assert population[(EISENACH, "2020-Q4")] == 41_970
    assert not {p for c, p in population if c == EISENACH} - {"2019-Q4", "2020-Q4"}
    # the Land only from the Germany-wide table; nothing of other Länder
    assert {p for c, p in population if c == "16"} == {"2021-Q4", "2022-Q4"}
    assert {c for c, _ in population} == {"16", EISENACH, *THURINGIA}


def test_wartburgkreis_is_wartburgkreis_plus_eisenach_before_july_2021(journey: Path) -> None:
    a01 = _panel(journey, "A01", "2020-Q4").loc[WARTBURGKREIS]
    assert a01["denominator"] == 117_320 + 41_970                  # 159,290
    assert a01["numerator"] == 3_240 + 3_480                       # 6,720
    assert a01["value"] == pytest.approx(6_720 / 159_290 * 100)    # 4.2187 %
    assert EISENACH not in _panel(journey, "A01", "2020-Q4").index  # not a district today
    now = _panel(journey, "A01", "2024-Q4").loc[WARTBURGKREIS]
    assert (now["denominator"], now["numerator"]) == (154_957, 12_860)   # the file's own
    assert now["value"] == pytest.approx(12_860 / 154_957 * 100)          # 8.2991 %
    with open_store(journey / STORE) as store:
        ctx = views.context(store, WARTBURGKREIS, "2020-Q4")
        districts = views.coverage_tables(store, ctx, population_group="bevoelkerung")[
            "districts"].set_index("area_code")
    assert districts.loc[WARTBURGKREIS, "population"] == 159_290


def test_state_value_is_thuringia_from_its_22_kreise(journey: Path) -> None:
    for year in (2020, 2024):  # 2020 with Eisenach, 2024 without a Land row in the file
        members = [*THURINGIA, EISENACH] if year == 2020 else THURINGIA
        foreign = sum(FIGURES[(c, year)][1] for c in members)
        total = sum(FIGURES[(c, year)][0] for c in members)
        state = _panel(journey, "A01", f"{year}-Q4").loc["16"]
        assert (state["numerator"], state["denominator"]) == (foreign, total)
        assert state["value"] == pytest.approx(foreign / total * 100)
    with open_store(journey / STORE) as store:
        assert len(views.districts(store)) == 22


def test_own_indicator_from_own_figures(journey: Path) -> None:
    a11 = _panel(journey, "A11", "2024-Q4")
    assert a11.loc[WARTBURGKREIS, "value"] == pytest.approx(287 / 1_236 * 100)  # „1.236“
    assert a11.loc[JENA, "value"] == pytest.approx(201 / 948 * 100)
    assert "16" not in a11.index or pd.isna(a11.loc["16", "value"])  # 2 of 22 Kreise: none


def test_offers_are_counted_per_district_and_foreign_nationals(journey: Path) -> None:
    with open_store(journey / STORE) as store:
        wak = views.context(store, WARTBURGKREIS, "2024-Q4")
        summary = views.coverage_summary(views.coverage_tables(store, wak), wak)
        jena = views.context(store, JENA, "2024-Q4")
        jena_summary = views.coverage_summary(views.coverage_tables(store, jena), jena)
        early = views.context(store, WARTBURGKREIS, "2024-Q3")
        before = views.coverage_summary(views.coverage_tables(store, early), early)
    assert summary["offers"] == 3 and summary["capacity"] == 20 + 16 + 40
    assert summary["offers_per_1000"] == pytest.approx(3 / 12_860 * 1000)
    assert summary["without_site"] == 1 and summary["municipalities_without_offer"] == 48
    assert jena_summary["offers"] == 1
    assert jena_summary["offers_per_1000"] == pytest.approx(1 / FIGURES[(JENA, 2024)][1] * 1000)
    assert before["offers"] == 2  # on 30.09.2024: the Sprachcafé and the mobile counselling


def _contents(path: Path) -> dict[str, str]:
    with open_store(path) as store:
        return {table: store.query(f"SELECT * FROM {table} ORDER BY ALL").to_json(date_format="iso")
                for table in ("series_value", "series", "observation", "offer", "actor",
                              "area", "area_change", "import_log")}


def test_importing_the_same_files_again_changes_nothing(journey: Path, tmp_path: Path) -> None:
    copy = tmp_path / "kopie.duckdb"
    shutil.copy(journey / STORE, copy)
    before = _contents(copy)
    store = ["--store", str(copy)]
    for download in sorted((journey / "downloads").iterdir()):
        _cli("import", "statistik", str(download), *store, *STAND)
    _cli("import", "zahlen", str(journey / "eigene_zahlen.csv"), *store)
    _cli("import", "angebote", str(journey / "Bestandserhebung_Netzwerk.xlsx"), *store)
    assert _contents(copy) == before


def test_changes_between_quarters_with_no_offer_ended_yet() -> None:
    """Found on the journey: with no ended offer at all, `valid_to` is all empty and the
    Bestandsaufnahme section failed („Invalid comparison between datetime64 and date“)."""
    versions = pd.DataFrame({"offer_id": ["AN-1", "AN-2"],
                             "valid_from": [date(2024, 9, 1), date(2024, 10, 1)],
                             "valid_to": [None, None], "title": ["a", "b"]})
    found = overlap.changes(versions, date(2024, 9, 30), date(2024, 12, 31))
    assert list(found["offer_id"]) == ["AN-2"] and list(found["change"]) == ["neu"]


def _text(path: Path) -> str:
    """The visible text of a report (no scripts, styles or tags), whitespace collapsed."""
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _de(number: float, places: int = 1) -> str:
    return f"{number:.{places}f}".replace(".", ",")


@pytest.mark.slow
def test_monitoring_run_reports_the_hand_computed_numbers(journey: Path, tmp_path: Path,
                                                          ) -> None:
    with contextlib.chdir(journey):
        assert main(["run", "--period", "2024-Q4", *S, "--out", str(tmp_path),
                     "--area", WARTBURGKREIS, "--area", JENA, "--workers", "2"]) == 0
    folder = tmp_path / "2024-Q4"
    assert sorted(p.name for p in folder.glob("*.html")) == [
        "16053_Jena.html", "16063_Wartburgkreis.html", "barrierefreiheit.html", "index.html"]
    text = _text(folder / "16063_Wartburgkreis.html")
    assert "Demodaten" not in text
    assert "Berichtszeitraum 4. Quartal 2024 · Stichtag 31.12.2024" in text
    assert "3 aktive Angebote" in text
    assert f"{_de(3 / 12_860 * 1000)} Angebote je 1.000 Ausländer/-innen" in text
    assert "48 von 50 Gemeinden ohne Angebot" in text
    assert "ausländische Staatsangehörige; Stand 31.12.2024" in text
    foreign = sum(FIGURES[(c, 2024)][1] for c in THURINGIA)
    total = sum(FIGURES[(c, 2024)][0] for c in THURINGIA)
    share, year_ago = 12_860 / 154_957 * 100, 12_115 / 156_030 * 100
    assert (f"Ausländeranteil % {_de(share)} – +{_de(share - year_ago)} "
            f"{_de(foreign / total * 100)}") in text                      # 8,3 – +0,5 state
    assert f"Sprachförderbedarf bei der Einschulung % {_de(287 / 1_236 * 100)} –" in text
    assert "GENESIS/Regionaldatenbank 12411-03-03-4, abgerufen 15.06.2025" in text
    assert "Gesundheitsamt Wartburgkreis" in text
    jena = _text(folder / "16053_Jena.html")
    assert "1 aktive Angebote" in jena
    jena_share = FIGURES[(JENA, 2024)][1] / FIGURES[(JENA, 2024)][0] * 100
    assert f"Ausländeranteil % {_de(jena_share)}" in jena
    assert f"Sprachförderbedarf bei der Einschulung % {_de(201 / 948 * 100)}" in jena
