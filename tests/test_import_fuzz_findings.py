"""Regression tests for the tracebacks the CLI fuzzing (`test_cli_fuzz`) found: each file here
ended in „Unerwarteter Fehler“ (exit 1) or changed the store; now a German message naming
file, row and expectation (exit 2, store byte-identical), or no change on re-import."""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

import portal_files
from monitoring.cli.main import main

CATALOGUE_HEAD = ("indicator_id;name_de;name_en;definition;numerator_series;denominator_series;"
                  "unit;scale;direction;source;availability;field")
CATALOGUE_ROW = ("E01;Eigene Fälle;Own cases;Fälle;eigene_faelle;;Anzahl;1;context;"
                 "Ausländerbehörde;ja;")


@pytest.fixture
def store(reference_store: Path, tmp_path: Path) -> Path:
    target = tmp_path / "s.duckdb"
    shutil.copyfile(reference_store, target)
    return target


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(store: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    before = _digest(store)
    code = main([*argv, "--store", str(store)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("Fehler: ") and "Unerwarteter Fehler" not in err
    assert _digest(store) == before
    return err


@pytest.mark.parametrize("kind", ["konzept", "katalog"])
def test_empty_csv_names_the_file_and_the_expected_columns(
        store: Path, tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "leer.csv"
    path.write_bytes(b"\xef\xbb\xbf")  # Excel's „CSV UTF-8“ of an empty sheet: the BOM only
    err = _refused(store, ["import", kind, str(path)], capsys)
    assert "Die Datei leer.csv ist leer oder hat keine Kopfzeile" in err
    assert ("ziel;gebiet;handlungsfeld;titel" if kind == "konzept" else CATALOGUE_HEAD) in err


def test_an_empty_figures_file_names_no_row_it_does_not_have(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A problem of the whole file lists file and expectation, not „zeile: None“."""
    path = tmp_path / "leer.csv"
    path.write_bytes(b"")
    err = _refused(store, ["import", "zahlen", str(path)], capsys)
    assert "datei: leer.csv" in err and "reihe; gebiet; zeitraum; wert" in err
    assert "None" not in err


def test_catalogue_row_with_extra_fields_names_line_and_count(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "katalog.csv"
    path.write_text(f"{CATALOGUE_HEAD}\n{CATALOGUE_ROW}\n{CATALOGUE_ROW};x;y\n",
                    encoding="utf-8")
    err = _refused(store, ["import", "katalog", str(path)], capsys)
    # 12 header fields; line 3 has 14
    assert "In katalog.csv, Zeile 3, stehen 14 Felder, die Kopfzeile hat 12" in err
    assert "zeile: 3 · spalte: Spalte 13 · wert: 14" in err


def test_concept_csv_with_unclosed_quote_names_the_line(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ziele.csv"
    path.write_text('ziel;gebiet;handlungsfeld;titel\nZ1;16053;sprache;"Sprachkurse\n',
                    encoding="utf-8")
    err = _refused(store, ["import", "konzept", str(path)], capsys)
    assert "In ziele.csv, Zeile 2, ist die CSV-Struktur fehlerhaft" in err


def test_catalogue_in_windows_1252_asks_for_utf8(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "katalog.csv"
    path.write_bytes(f"{CATALOGUE_HEAD}\n{CATALOGUE_ROW}\n".encode("cp1252"))
    err = _refused(store, ["import", "katalog", str(path)], capsys)
    # „ä“ of „Fälle“ (0xE4) follows the header (122 bytes), "\n" and "E01;Eigene F" (12)
    assert "Die Datei katalog.csv ist nicht in UTF-8 gespeichert (Byte 136)" in err


def test_damaged_concept_workbook_is_refused_in_german(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "Konzept.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    err = _refused(store, ["import", "konzept", str(path)], capsys)
    assert "Die Datei Konzept.xlsx ist keine lesbare Excel-Arbeitsmappe (.xlsx)" in err


def test_mapping_file_with_extra_fields_is_refused_in_german(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping = tmp_path / "zuordnung.csv"
    mapping.write_text("series_id;statistic;value_variable;attributes\n"
                       "bevoelkerung;12411;BEVSTD;;zuviel\n", encoding="utf-8")
    download = tmp_path / "12411_flat.csv"
    download.write_bytes(portal_files.ffcsv_english())
    err = _refused(store, ["import", "statistik", str(download), "--zuordnung", str(mapping)],
                   capsys)
    assert "In zuordnung.csv, Zeile 2, stehen 5 Felder, die Kopfzeile hat 4" in err


def test_odd_length_utf16_file_is_read_not_a_traceback(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "zahlen.csv"
    path.write_bytes("reihe;gebiet;zeitraum;wert\n".encode("utf-16") + b"\x00")
    err = _refused(store, ["import", "zahlen", str(path)], capsys)
    assert "zahlen.csv" in err


def test_own_catalogue_imported_twice_changes_nothing(store: Path, tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "katalog.csv"
    path.write_text(f"{CATALOGUE_HEAD}\n{CATALOGUE_ROW}\n", encoding="utf-8")
    for _ in range(2):
        assert main(["import", "katalog", str(path), "--store", str(store)]) == 0
    con = duckdb.connect(str(store), read_only=True)
    try:
        logged = con.execute("SELECT count(*) FROM import_log WHERE kind = 'indikatorkatalog'"
                             ).fetchone()
    finally:
        con.close()
    assert logged == (1,)


def test_control_character_in_offer_title_still_gives_the_error_workbook(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "angebote.csv"
    path.write_text("Angebots-ID;Akteur-ID;Titel;Handlungsfeld;Zielgruppe;Sprache 1;"
                    "Angebotsform;Ebene;Gebietsschlüssel;Plätze;Beginn;Ende\n"
                    "C-1;AK-X;Sprachcafé\x06für Mütter;Sprache;Frauen;Deutsch;online;Kreis;"
                    "16053;12;01.03.2025;\n", encoding="utf-8")
    code = main(["import", "angebote", str(path), "--store", str(store)])
    err = capsys.readouterr().err
    assert code == 2 and "Unerwarteter Fehler" not in err
    book = openpyxl.load_workbook(tmp_path / "angebote_Fehler.xlsx")
    cells = [c for row in book.worksheets[-1].iter_rows(values_only=True) for c in row]
    assert "Sprachcafé für Mütter" in cells


@pytest.mark.parametrize(("out", "message"), [
    ("", "ist ein Ordner, kein Dateiname"),
    ("ordner", "ist ein Ordner, kein Dateiname"),
    ("datei/Vorlage.xlsx", "ein Teil des Pfades ist eine Datei"),
    ("a" * 300 + ".xlsx", "ist zu lang (305 Bytes; erlaubt sind 255)"),
])
@pytest.mark.parametrize("what", ["angebote", "gebietsaenderungen"])
def test_template_out_that_cannot_be_a_file_is_refused_in_german(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        what: str, out: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ordner").mkdir()
    (tmp_path / "datei").write_bytes(b"x")
    code = main(["template", what, "--out", out, "--store", str(tmp_path / "keine.duckdb")])
    err = capsys.readouterr().err
    if what == "gebietsaenderungen" and "Ordner" in message:  # its suffix is checked first
        message = "erwartet die Endung .xlsx oder .csv"
    assert code == 2 and message in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["datei", "ordner"]
    assert not list((tmp_path / "ordner").iterdir())


def test_template_with_a_long_name_that_fits_is_written(tmp_path: Path) -> None:
    out = tmp_path / ("a" * 250 + ".xlsx")  # 255 bytes: the temporary name would not fit
    assert main(["template", "angebote", "--out", str(out),
                 "--store", str(tmp_path / "keine.duckdb")]) == 0
    assert openpyxl.load_workbook(out).sheetnames


def test_statistics_workbook_with_a_damaged_sheet_is_refused_in_german(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = portal_files.xlsx_bytes(portal_files.table_header_periods(), "cp1252")
    path = tmp_path / "12411-01-01-4.xlsx"
    with zipfile.ZipFile(io.BytesIO(good)) as inp, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as out:
        for item in inp.infolist():
            out.writestr(item.filename, inp.read(item))
    raw = bytearray(path.read_bytes())
    at = raw.find(b"<sheetData")
    raw[at + 1] = ord("X")  # inside the stored sheet: its CRC-32 no longer fits
    path.write_bytes(bytes(raw))
    err = _refused(store, ["import", "statistik", str(path)], capsys)
    assert "Die Excel-Datei 12411-01-01-4.xlsx ist beschädigt" in err


@pytest.mark.parametrize("kind", ["statistik", "zahlen"])
def test_a_zip_member_of_an_unknown_zip_version_is_a_damaged_file(
        store: Path, tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    # found by the fuzzing on 06.12.2026: one byte of a workbook's central directory gave
    # „version needed to extract 6.6“, and Python's zipfile raised NotImplementedError
    book = openpyxl.Workbook()
    book.active.append(["reihe", "gebiet", "zeitraum", "wert"])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(b"xl/_rels/workbook.xml.rels"))
    data = data[:entry + 6] + b"B" + data[entry + 7:]  # needs version 0x42 = 6.6
    with pytest.raises(NotImplementedError, match=r"zip file version 6\.6"):
        zipfile.ZipFile(io.BytesIO(data))
    path = tmp_path / "12411-03-03-4_flat.xlsx"
    path.write_bytes(data)
    err = _refused(store, ["import", kind, str(path)], capsys)
    assert "12411-03-03-4_flat.xlsx" in err


@pytest.mark.parametrize("sheet,head,row,column", [
    ("Ziele", "ZIEL;GEBIET;HANDLUNGSFELD;TITEL", "Z1;16063;sprache;Sprachförderung ausbauen",
     "ziel"),
    ("Massnahmen", "massnahme;ziel;titel;verantwortlich;beginn;ende;status;budget",
     "M1;{goal};Kurs;VHS;01.01.2024;31.12.2024;laufend;100", "massnahme"),
    ("Zielwerte", "indikator;gebiet;ziel;ausgangsquartal;ausgangswert;zielquartal;zielwert",
     "A19;16063;;2023-Q4;10;2025-Q4;20", "indikator, gebiet"),
])
def test_a_key_given_twice_in_a_concept_file_is_named(
        store: Path, tmp_path: Path, sheet: str, head: str, row: str, column: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    # found by the fuzzing on 06.12.2026: the same goal three times ended in DuckDB's
    # „Current transaction is aborted“ (exit 1) instead of naming the rows
    goals = tmp_path / "ziele.csv"
    goals.write_text("ziel;gebiet;handlungsfeld;titel\nZ9;16063;sprache;Kurse\n")
    assert main(["import", "konzept", str(goals), "--store", str(store)]) == 0
    path = tmp_path / "konzept.csv"
    lines = (row.format(goal="Z9") + "\r\n") * 3
    path.write_bytes(("\ufeff" + head + "\r\n" + lines).encode())
    err = _refused(store, ["import", "konzept", str(path)], capsys)
    assert "2 Fehler" in err
    assert f"Zeile 3, Spalte {column}" in err and "nur einmal (schon in Zeile 2)" in err
    assert f"datei: konzept.csv [{sheet}] · zeile: 4" in err
