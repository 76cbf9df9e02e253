"""The inventory import end to end: template → fill → import → history, errors, quarantine."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from monitoring.cli.main import main
from monitoring.errors import DataValidationError
from monitoring.io.inventory.load import import_file
from monitoring.io.inventory.template import write_template
from monitoring.store.database import open_store
from monitoring.vocab import DEFAULT_VOCABULARIES

ACTORS = [["P-1", "Sprachbrücke Arnstadt e. V.", "Verein", "16070004", "ja", 8],
          ["P-2", "Jobwerk Ilmenau gGmbH", "Bildungsträger", "16070029", "nein", 0]]
# Arnstadt market square, WGS84 (lon, lat); and a point in Ilmenau in EPSG:25832.
LOCATIONS = [["S-1", "Rathaus", "Markt 1, 99310 Arnstadt", "16070004", "10,9464", "50,8347",
              "WGS84"],
             ["S-2", "Jobwerk", None, "16070029", 635302.3, 5616413.1, None]]
OFFERS = [
    ["O-1", "P-1", "Deutschkurs A1", "Sprache", None, "Geflüchtete / Schutzsuchende", None,
     "Deutsch", "Arabisch", None, None, "an einem festen Standort", "Gemeinde", "16070004", "S-1",
     15, "01.02.2025", None],
    ["O-2", "P-2", "Bewerbungstraining", "Arbeitsmarkt/Wirtschaft", None, "Arbeitsuchende", None,
     "Deutsch", None, None, None, "an einem festen Standort", "Gemeinde", "16070029", "S-2", 12,
     "2025-03-01", "31.12.2026"],
    ["O-3", "P-1", "Sprach-Lotsen online", "Sprache", None, "Zugewanderte allgemein", None,
     "Ukrainisch", None, None, None, "online", "Kreis / kreisfreie Stadt", "16070", None, None,
     "01.01.2025", None],
]


def fill(template: Path, target: Path, *, actors=ACTORS, locations=LOCATIONS, offers=OFFERS,
         title_rows: int = 0) -> Path:
    """Fill the template as a partner would: delete the examples, type rows."""
    book = openpyxl.load_workbook(template)
    for name, rows in (("Akteure", actors), ("Standorte", locations), ("Angebote", offers)):
        ws = book[name]
        ws.delete_rows(2, ws.max_row)
        for row in rows:
            ws.append(row)
        if title_rows:
            ws.insert_rows(1, title_rows)
            ws["A1"] = f"Bestandserhebung 2025 – {name}"
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    for name in ("Arbeitsgruppen", "Treffen"):
        book[name].delete_rows(2, book[name].max_row)
    book.save(target)
    return target


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return write_template(tmp_path / "Bestandserhebung.xlsx", DEFAULT_VOCABULARIES)


def _state(path: Path) -> tuple:
    with open_store(path) as store:
        return (store.snapshot_id(),
                store.query("SELECT * FROM offer ORDER BY offer_id, valid_from")
                .to_json(date_format="iso"),
                store.query("SELECT * FROM actor ORDER BY actor_id").to_json(date_format="iso"),
                int(store.query("SELECT count(*) n FROM inventory_quarantine")["n"][0]))


def test_template_has_sheets_dropdowns_and_examples(template: Path) -> None:
    book = openpyxl.load_workbook(template)
    assert {"Anleitung", "Akteure", "Standorte", "Angebote", "Arbeitsgruppen", "Treffen"} <= set(
        book.sheetnames)
    offers = book["Angebote"]
    headers = [c.value for c in offers[1]]
    assert headers[:3] == ["Angebots-ID *", "Akteur-ID *", "Titel *"]
    validated = {str(dv.sqref).split(":")[0][:-1]: dv.formula1
                 for dv in offers.data_validations.dataValidation}
    letter = {h.rstrip(" *"): openpyxl.utils.get_column_letter(i + 1)
              for i, h in enumerate(headers)}
    for column in ("Handlungsfeld", "Zielgruppe", "Sprache 1", "Ebene", "Angebotsform"):
        assert letter[column] in validated, column
    lists = book["Listen"]
    assert lists.sheet_state == "hidden"
    assert "Gesellschaftliche Teilhabe/Ehrenamt" in [c.value for c in lists["A"]]
    assert offers.max_row >= 3  # example rows


def test_filled_template_imports_with_sites_and_no_site_offers(
        template: Path, writable_store: Path, tmp_path: Path) -> None:
    path = fill(template, tmp_path / "partner.xlsx")
    with open_store(writable_store, read_only=False) as store:
        result = import_file(store, path, as_of=date(2025, 6, 1))
        offers = store.query("SELECT * FROM offer WHERE offer_id LIKE 'O-%' ORDER BY offer_id")
        actor = store.query("SELECT * FROM actor WHERE actor_id = 'P-1'").iloc[0]
        log = store.query("SELECT * FROM import_log ORDER BY import_id DESC LIMIT 1").iloc[0]
        gemeinden = store.read_areas(codes=["16070004"])
    assert result.counts["Angebote neu"] == 3 and not result.problems
    assert list(offers["mode"]) == ["standort", "standort", "online"]
    o1 = offers.iloc[0]
    assert list(o1["fields"]) == ["sprache"] and list(o1["languages"]) == ["de", "ar"]
    assert list(o1["target_groups"]) == ["gefluechtete"] and o1["capacity"] == 15
    import shapely
    assert shapely.contains_xy(gemeinden.geometry.iloc[0], o1["x"], o1["y"])  # WGS84 → 25832
    assert offers.iloc[1]["x"] == 635302.3
    assert offers.iloc[2]["area_code"] == "16070" and offers.iloc[2]["x"] != offers.iloc[2]["x"]
    assert str(offers.iloc[1]["valid_to"])[:10] == "2026-12-31"
    assert actor["volunteers"] == 8 and bool(actor["network_member"])
    assert log["kind"] == "angebote" and log["row_count"] == 7 and log["imported_by"]


def test_same_file_twice_changes_nothing_and_changed_file_keeps_history(
        template: Path, writable_store: Path, tmp_path: Path) -> None:
    first = fill(template, tmp_path / "v1.xlsx")
    with open_store(writable_store, read_only=False) as store:
        import_file(store, first, as_of=date(2025, 6, 1))
    before = _state(writable_store)
    with open_store(writable_store, read_only=False) as store:
        assert import_file(store, first).already_imported
    assert _state(writable_store) == before
    # The same content saved again (new file, new hash) writes nothing either.
    again = fill(template, tmp_path / "v1b.xlsx")
    import openpyxl  # saved again by a partner: same content, other bytes (not only a new mtime)
    workbook = openpyxl.load_workbook(again)
    workbook.properties.title = "erneut gespeichert"
    workbook.save(again)
    assert again.read_bytes() != first.read_bytes()
    with open_store(writable_store, read_only=False) as store:
        result = import_file(store, again, as_of=date(2025, 7, 1))
    assert result.counts["unverändert"] == 3 and not result.changed
    assert _state(writable_store)[1:] == before[1:]
    # A changed delivery: O-1 gets 20 places, O-2 ends, O-4 is new.
    offers = [list(r) for r in OFFERS]
    offers[0][15] = 20
    offers[1][17] = "30.09.2025"
    offers.append(["O-4", "P-2", "Jobcafé", "Arbeitsmarkt/Wirtschaft", None, "Arbeitsuchende",
                   None, "Deutsch", None, None, None, "mobil / aufsuchend (ohne festen Standort)",
                   "Kreis / kreisfreie Stadt", "16070", None, 30, "01.10.2025", None])
    changed = fill(template, tmp_path / "v2.xlsx", offers=offers)
    with open_store(writable_store, read_only=False) as store:
        result = import_file(store, changed, as_of=date(2025, 10, 1))
        assert result.counts == {"Akteure": 0, "Angebote neu": 1, "Angebote geändert": 1,
                                 "Angebote beendet": 1, "unverändert": 1}
        old = store.read_offers(on=date(2025, 9, 1)).set_index("offer_id")
        new = store.read_offers(on=date(2025, 12, 31)).set_index("offer_id")
        versions = store.query("SELECT valid_from, valid_to, capacity FROM offer "
                               "WHERE offer_id = 'O-1' ORDER BY valid_from")
    assert old.loc["O-1", "capacity"] == 15 and new.loc["O-1", "capacity"] == 20
    assert "O-2" in old.index and "O-2" not in new.index and "O-4" not in old.index
    assert [str(v)[:10] for v in versions["valid_to"]][:1] == ["2025-09-30"]


def test_broken_copy_reports_every_problem_and_writes_nothing(
        template: Path, writable_store: Path, tmp_path: Path) -> None:
    offers = [list(r) for r in OFFERS]
    offers[0][3] = "Sprachförderung"          # unknown Handlungsfeld
    offers[1][15] = -5                        # negative capacity
    offers[2][17] = "01.01.2024"              # end before start
    offers.append(list(OFFERS[0]))            # exact duplicate row of the original O-1 …
    offers[-1][2] = "Anderer Titel"           # … with other content: duplicate ID
    offers.append(["O-9", "P-1", None, *OFFERS[0][3:]])  # missing title
    locations = [list(r) for r in LOCATIONS]
    locations[1][3] = "16070004"              # S-2's point lies in Ilmenau, not Arnstadt
    path = fill(template, tmp_path / "kaputt.xlsx", offers=offers, locations=locations)
    before = _state(writable_store)
    with open_store(writable_store, read_only=False) as store, \
            pytest.raises(DataValidationError, match="es wurde nichts importiert") as info:
        import_file(store, path)
    assert _state(writable_store) == before
    book = openpyxl.load_workbook(tmp_path / "kaputt_Fehler.xlsx")
    rows = [[c.value for c in r] for r in book["Fehler"].iter_rows(min_row=2)]
    found = {(r[2], r[3], r[4], r[7]) for r in rows}
    assert ("Angebote", 2, "Handlungsfeld", "unbekannter Begriff") in found
    assert ("Angebote", 3, "Plätze", "ungültiger Wert") in found
    assert ("Angebote", 4, "Ende", "Ende liegt vor dem Beginn") in found
    assert ("Angebote", 6, "Titel", "Pflichtfeld ist leer") in found
    assert any(r[2] == "Angebote" and r[3] == 5 and r[7].startswith("doppelte ID") for r in rows)
    outside = [r for r in rows if r[2] == "Standorte" and r[3] == 3]
    assert outside and "außerhalb der angegebenen Gemeinde" in outside[0][7]
    assert "16070029" in outside[0][7]  # names where the point really is
    assert all(r[1] == "kaputt.xlsx" for r in rows)
    negative = next(r for r in rows if r[4] == "Plätze")
    assert negative[5] == "-5" and "≥ 0" in negative[6]
    assert "Abgelehnt Angebote" in book.sheetnames
    assert len(info.value.problems) == len([r for r in rows if r[0] == "Fehler"])


def test_accept_valid_imports_the_rest_and_quarantines(
        template: Path, writable_store: Path, tmp_path: Path) -> None:
    offers = [list(r) for r in OFFERS]
    offers[1][15] = -5
    actors = [list(r) for r in ACTORS]
    actors[0][2] = "Sportverein"  # unknown actor type: P-1 rejected, so are its offers O-1, O-3
    path = fill(template, tmp_path / "teils.xlsx", offers=offers, actors=actors)
    with open_store(writable_store, read_only=False) as store:
        result = import_file(store, path, accept_valid=True)
        ids = set(store.query("SELECT offer_id FROM offer WHERE offer_id LIKE 'O-%'")["offer_id"])
        quarantine = store.query("SELECT sheet, row_number, problems FROM inventory_quarantine "
                                 "ORDER BY sheet, row_number")
    assert ids == set() and result.rejected == 4
    assert list(zip(quarantine["sheet"], quarantine["row_number"], strict=True)) == [
        ("Akteure", 2), ("Angebote", 2), ("Angebote", 3), ("Angebote", 4)]
    assert "Akteur-ID" in quarantine["problems"][1]
    assert (tmp_path / "teils_Fehler.xlsx").exists()


def test_header_below_title_rows_and_merged_title_cells(
        template: Path, writable_store: Path, tmp_path: Path) -> None:
    path = fill(template, tmp_path / "titel.xlsx", title_rows=2)
    with open_store(writable_store, read_only=False) as store:
        result = import_file(store, path)
    assert result.counts["Angebote neu"] == 3


def test_cli_import_and_export(template: Path, writable_store: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    path = fill(template, tmp_path / "cli.xlsx")
    assert main(["import", "angebote", str(path), "--store", str(writable_store)]) == 0
    assert "Angebote neu: 3" in capsys.readouterr().out
    broken = tmp_path / "kaputt.xlsx"
    broken.write_bytes(b"Das ist keine Excel-Datei\x00\x01")
    assert main(["import", "angebote", str(broken), "--store", str(writable_store)]) == 2
    err = capsys.readouterr().err
    assert "keine Excel-Arbeitsmappe" in err and "Traceback" not in err
    out = tmp_path / "bestand.xlsx"
    assert main(["export", "bestand", "--format", "xlsx", "--out", str(out), "--area", "16070",
                 "--store", str(writable_store)]) == 0
    book = openpyxl.load_workbook(out)
    assert {"Angebote", "Akteure", "Abdeckung", "Lücken", "Doppelstrukturen"} <= set(
        book.sheetnames)
    titles = [r[2].value for r in book["Angebote"].iter_rows(min_row=2)]
    assert "Deutschkurs A1" in titles and book["Angebote"]["A1"].value == "Angebots-ID"
    gpkg = tmp_path / "bestand.gpkg"
    assert main(["export", "bestand", "--format", "gpkg", "--out", str(gpkg), "--area", "16070",
                 "--store", str(writable_store)]) == 0
    import geopandas as gpd
    points = gpd.read_file(gpkg, layer="angebote")
    assert points.crs.to_epsg() == 25832 and "Deutschkurs A1" in set(points["Titel"])
    assert main(["template", "angebote", "--out", str(tmp_path / "t.xlsx"),
                 "--store", str(writable_store)]) == 0


def test_demo_inventory_went_through_the_import(demo_store_path: Path) -> None:
    with open_store(demo_store_path) as store:
        log = store.query("SELECT source, row_count FROM import_log WHERE kind = 'angebote'")
        history = store.query("SELECT count(*) n FROM offer WHERE valid_to = DATE '2025-10-31'")
        versions = store.query("SELECT offer_id FROM offer GROUP BY 1 HAVING count(*) > 1")
        meetings = store.query("SELECT count(*) n FROM meeting")["n"][0]
    assert len(log) == 2 and log["source"].str.contains("Demodaten – fiktiv").all()
    assert history["n"][0] > 0 and len(versions) > 0 and meetings > 100


def test_unchanged_template_imports_none_of_its_examples_and_says_so(
        template: Path, writable_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A partner returns the template with its grey example rows still in place: they are
    skipped (their IDs start with „BEISPIEL-“), the command names them, no invented
    organisation or offer reaches the store; rows typed below them are imported."""
    book = openpyxl.load_workbook(template)
    examples = {name: [r[0].value for r in book[name].iter_rows(min_row=2)
                       if r[0].value is not None]
                for name in ("Akteure", "Standorte", "Angebote")}
    assert all(v and all(str(i).startswith("BEISPIEL-") for i in v) for v in examples.values())
    before = _state(writable_store)
    assert main(["import", "angebote", str(template), "--store", str(writable_store)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "8 Beispielzeilen der Vorlage (Kennung „BEISPIEL-…“) übersprungen" in out
    assert "Blatt Angebote Zeilen 2, 3" in out
    with open_store(writable_store) as store:
        leaked = store.query("SELECT count(*) n FROM offer WHERE offer_id LIKE 'BEISPIEL-%'"
                             )["n"][0]
        actors = store.query("SELECT count(*) n FROM actor WHERE actor_id LIKE 'BEISPIEL-%'"
                             )["n"][0]
    assert leaked == 0 and actors == 0
    assert _state(writable_store)[1:3] == before[1:3]  # offers and actors unchanged
    # a real row below the examples still counts
    book["Akteure"]["A4"], book["Akteure"]["B4"], book["Akteure"]["C4"] = (
        "AK-100", "Verein Nord", "Verein")
    book["Akteure"]["D4"], book["Akteure"]["E4"], book["Akteure"]["F4"] = "16070004", "ja", 3
    book.save(template)
    with open_store(writable_store, read_only=False) as store:
        result = import_file(store, template, as_of=date(2025, 6, 1))
    assert result.counts["Akteure"] == 1
    assert result.examples["Akteure"] == [2, 3]
