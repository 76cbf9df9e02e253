"""Control characters in an offer title (issue 12): never a traceback, never in a workbook.

A title with an invisible control character (``\\x01``, ``\\x1b`` …, not tab or line feed)
used to break the error workbook and ``monitoring export bestand`` (openpyxl
``IllegalCharacterError``). Now the offer importer replaces such a character with a space and
says so as a Hinweis naming row and column; a NUL character is refused like any invalid cell.
Every workbook writer drops what XLSX cannot hold.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from monitoring.cli.main import main
from monitoring.store.database import open_store

HEADER = "Angebots-ID;Akteur-ID;Titel;Handlungsfeld;Zielgruppe;Sprache 1;Angebotsform;Ebene;" \
         "Gebietsschlüssel;Plätze;Beginn;Ende"


def _row(offer_id: str, title: str) -> str:
    return (f"{offer_id};AK-16070-001;{title};Sprache;Frauen;Deutsch;online;Kreis;16070;"
            "12;01.03.2025;")


def _sheet_text(path: Path) -> str:
    book = openpyxl.load_workbook(path)
    return "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows()
                     for c in row if c.value is not None)


def _titles(store_path: Path) -> dict[str, str]:
    with open_store(store_path) as store:
        frame = store.query("SELECT offer_id, title FROM offer WHERE offer_id LIKE 'CC-%'")
    return dict(zip(frame["offer_id"], frame["title"], strict=True))


def test_a_nul_is_refused_and_the_error_workbook_holds_control_characters(
        writable_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nul = tmp_path / "nul.csv"
    nul.write_text("\n".join([HEADER, _row("CC-1", "Kurs\x00B")]) + "\n", encoding="utf-8")
    assert main(["import", "angebote", str(nul), "--store", str(writable_store)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "weder eine Excel-Arbeitsmappe noch eine Textdatei" in err
    # A row with an error (an unknown Handlungsfeld) beside one with control characters: the
    # whole file is refused, and the error workbook – which used to fail – lists both rows.
    path = tmp_path / "angebote.csv"
    bad = _row("CC-2", "Kurs\x01B").replace(";Sprache;", ";Kochen\x02;")
    path.write_text("\n".join([HEADER, _row("CC-1", "Kurs\x01A"), bad]) + "\n",
                    encoding="utf-8")
    assert main(["import", "angebote", str(path), "--store", str(writable_store)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "es wurde nichts importiert" in err
    assert _titles(writable_store) == {}  # nothing written
    text = _sheet_text(tmp_path / "angebote_Fehler.xlsx")
    assert "unbekannter Begriff" in text and "Kochen " in text  # the rejected cell, shown
    assert "Kurs B" in text  # the rejected row as typed, control character as a space
    assert "Steuerzeichen durch Leerzeichen ersetzt" in text  # the Hinweis of row 2


def test_other_control_characters_become_spaces_with_a_note_and_export_works(
        writable_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "angebote.csv"
    rows = [HEADER, _row("CC-1", "Sprach\x1bcafé\x07 am\x0bAbend")]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code = main(["import", "angebote", str(path), "--store", str(writable_store)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert _titles(writable_store) == {"CC-1": "Sprach café am Abend"}
    workbook = tmp_path / "angebote_Fehler.xlsx"
    assert "Fehler und Hinweise" in out and workbook.exists()
    rows = list(openpyxl.load_workbook(workbook)["Fehler"].iter_rows(values_only=True))
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [("Hinweis", 2, "Titel")]
    assert "3 unsichtbare(s) Steuerzeichen" in str(rows[1][7])
    out_file = tmp_path / "bestand.xlsx"
    assert main(["export", "bestand", "--format", "xlsx", "--store", str(writable_store),
                 "--area", "16070", "--out", str(out_file)]) == 0
    assert "Sprach café am Abend" in _sheet_text(out_file)


def test_export_bestand_survives_a_title_stored_before_the_fix(
        writable_store: Path, tmp_path: Path) -> None:
    """A store filled by an earlier version may hold such a title: the export still works."""
    import duckdb

    with duckdb.connect(str(writable_store)) as con:
        offer_id = con.execute("SELECT offer_id FROM offer WHERE area_code LIKE '16070%' "
                               "ORDER BY offer_id LIMIT 1").fetchone()[0]
        con.execute("UPDATE offer SET title = 'Alt\x01titel' WHERE offer_id = ?", [offer_id])
    out_file = tmp_path / "bestand.xlsx"
    assert main(["export", "bestand", "--format", "xlsx", "--store", str(writable_store),
                 "--area", "16070", "--out", str(out_file)]) == 0
    assert "Alt titel" in _sheet_text(out_file)
