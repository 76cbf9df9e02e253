"""Reading partners' files into raw rows: Excel workbooks and CSV files.

What is recognised (and stated in the import log): the file type by its content, not its
extension; the text encoding of CSV files (UTF-8, UTF-8 with BOM, UTF-16 with BOM,
Windows-1252); the delimiter (``;``, ``,`` or tab); the header row anywhere in the first 20 rows
(title rows and merged title cells above it are skipped); which sheet a CSV file is, by its
headers. Values stay as typed; `monitoring.io.inventory.validate` parses them.

The same reader serves other German table imports (e.g. area changes): pass their sheet
declarations as `sheets` and the name of their template command as `template`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitoring.core import cells
from monitoring.core import inventory_spec as spec
from monitoring.errors import DataValidationError

MAX_BYTES = 25 * 1024 * 1024
"""Larger files are refused: a real inventory of 80 partners is well under 1 MB; 25 MB holds
more than 100,000 offers. Split larger files or raise this limit deliberately."""
HEADER_SEARCH_ROWS = 20


@dataclass
class RawTable:
    """The rows of one sheet as typed, with Excel row numbers (1-based, as Excel shows them)."""

    sheet: spec.Sheet
    sheet_name: str
    header_row: int
    positions: dict[str, int]
    rows: list[tuple[int, tuple[Any, ...]]]
    missing: list[spec.Column] = field(default_factory=list)
    examples: list[int] = field(default_factory=list)
    """Row numbers of the template's example rows (ID „BEISPIEL-…“), skipped."""


@dataclass
class RawInput:
    """Everything read from one file (or from the demo generator's frames)."""

    file_name: str
    content: bytes
    file_type: str
    encoding: str | None = None
    delimiter: str | None = None
    tables: dict[str, RawTable] = field(default_factory=dict)


def _refuse(path_name: str, message: str, detail: str | None = None) -> DataValidationError:
    return DataValidationError(
        f"Die Datei {path_name} kann nicht importiert werden: {message}",
        [{"Datei": path_name, "Problem": message}], detail=detail)


def read_file(path: str | Path, *, sheets: Sequence[spec.Sheet] = spec.SHEETS,
              template: str = "angebote") -> RawInput:
    """Read a workbook (.xlsx) or CSV file of `sheets` (default: the inventory).

    Raises `DataValidationError` in German; `template` names the ``monitoring template``
    command that produces the expected layout (used in messages).
    """
    path = Path(path)
    if not path.is_file():
        raise _refuse(path.name, "die Datei wurde nicht gefunden.")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise _refuse(path.name, f"sie ist {size / 1024 / 1024:.0f} MB groß; erlaubt sind bis "
                      f"{MAX_BYTES // 1024 // 1024} MB. Teilen Sie die Datei (z. B. je Träger) "
                      "und importieren Sie die Teile nacheinander.")
    return read_bytes(path.read_bytes(), path.name, sheets=sheets, template=template)


def read_bytes(content: bytes, name: str, *, sheets: Sequence[spec.Sheet] = spec.SHEETS,
               template: str = "angebote") -> RawInput:
    """Like `read_file` for content already in memory (`name` is used in messages)."""
    sheets = tuple(sheets)
    if not content.strip():
        raise _refuse(name, "die Datei ist leer.")
    if content[:4] == b"PK\x03\x04":
        return _read_workbook(content, name, sheets, template)
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _refuse(name, "sie ist im alten Excel-Format (.xls). Speichern Sie sie in Excel "
                      "als „Excel-Arbeitsmappe (*.xlsx)“ oder als CSV.")
    if name.lower().endswith((".xlsx", ".xlsm")) and b"\x00" in content[:4096] \
            and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(name, "sie ist keine Excel-Arbeitsmappe (.xlsx), obwohl sie so heißt. "
                      "Öffnen Sie sie in Excel und speichern Sie sie als .xlsx oder CSV.")
    return _read_csv(content, name, sheets)


# -- Excel ------------------------------------------------------------------------------------
def _read_workbook(content: bytes, name: str, sheets: tuple[spec.Sheet, ...],
                   template: str) -> RawInput:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as err:
        raise _refuse(name, "sie ist keine lesbare Excel-Arbeitsmappe (.xlsx) – beschädigt oder "
                      "ein anderes Format mit falscher Endung. Öffnen Sie sie in Excel und "
                      "speichern Sie sie erneut als .xlsx.", detail=repr(err)) from err
    except Exception as err:
        raise _refuse(name, "sie ist keine lesbare Excel-Arbeitsmappe (.xlsx).",
                      detail=repr(err)) from err
    raw = RawInput(file_name=name, content=content, file_type="Excel-Arbeitsmappe (.xlsx)")
    try:
        for ws in book.worksheets:
            sheet = next((s for s in sheets if s.name.lower() == ws.title.strip().lower()),
                         None)
            if ws.title in (spec.INSTRUCTIONS_SHEET, spec.LISTS_SHEET):
                continue
            rows = ws.iter_rows(values_only=True)
            table = _table_from_rows(rows, sheet, ws.title, sheets)
            if table is not None and table.sheet.key not in raw.tables:
                raw.tables[table.sheet.key] = table
    except DataValidationError:
        raise
    except Exception as err:
        raise _refuse(name, "ein Tabellenblatt ist beschädigt und nicht lesbar.",
                      detail=repr(err)) from err
    finally:
        book.close()
    if not raw.tables:
        raise _refuse(name, "kein Tabellenblatt der Vorlage erkannt (erwartet: "
                      + ", ".join(s.name for s in sheets)
                      + f"). Verwenden Sie die Vorlage aus `monitoring template {template}`.")
    return raw


# -- CSV --------------------------------------------------------------------------------------


def _read_csv(content: bytes, name: str, sheets: tuple[spec.Sheet, ...]) -> RawInput:
    try:
        text, encoding = cells.decode(content)
    except UnicodeDecodeError as err:
        raise _refuse(name, "die Textkodierung ist weder UTF-8 noch Windows-1252. Speichern Sie "
                      "die Datei als „CSV UTF-8 (durch Trennzeichen getrennt)“.",
                      detail=str(err)) from err
    if "\x00" in text:
        raise _refuse(name, "sie ist weder eine Excel-Arbeitsmappe noch eine Textdatei (CSV).")
    lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    best: tuple[int, str] = (0, ";")
    for delimiter in (";", ",", "\t"):
        parsed = list(csv.reader(lines, delimiter=delimiter))
        score = max((_best_sheet(r, sheets)[1] for r in parsed), default=0)
        if score > best[0]:
            best = (score, delimiter)
    if best[0] < 2:
        raise _refuse(name, "keine Kopfzeile der Vorlage erkannt (in den ersten "
                      f"{HEADER_SEARCH_ROWS} Zeilen, getrennt durch „;“ oder „,“). Erwartet z. B. "
                      f"die Spalten {', '.join(c.header for c in _example(sheets))} …")
    delimiter = best[1]
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    except csv.Error as err:
        raise _refuse(name, "die CSV-Struktur ist fehlerhaft (z. B. ein nicht geschlossenes "
                      "Anführungszeichen).", detail=str(err)) from err
    table = _table_from_rows(iter(rows), None, name, sheets)
    if table is None:
        raise _refuse(name, "keine Kopfzeile der Vorlage erkannt.")
    raw = RawInput(file_name=name, content=content, file_type="CSV", encoding=encoding,
                   delimiter=delimiter)
    raw.tables[table.sheet.key] = table
    return raw


# -- header detection -------------------------------------------------------------------------
def _header_keys(column: spec.Column) -> set[str]:
    return {cells.header_key(column.header), cells.header_key(column.key),
            *(cells.header_key(a) for a in column.aliases)}


_KEYS = {s.key: {c.key: _header_keys(c) for c in s.columns} for s in spec.SHEETS}


def _example(sheets: tuple[spec.Sheet, ...]) -> tuple[spec.Column, ...]:
    """The columns named in a "no header found" message: the offers' first four, else the
    first sheet's."""
    main = spec.OFFERS if spec.OFFERS in sheets else sheets[0]
    return main.columns[:4]


def _column_keys(sheet: spec.Sheet) -> dict[str, set[str]]:
    keys = _KEYS.get(sheet.key)
    if keys is None:
        keys = _KEYS[sheet.key] = {c.key: _header_keys(c) for c in sheet.columns}
    return keys


def _match(row: tuple[Any, ...], sheet: spec.Sheet) -> dict[str, int]:
    found: dict[str, int] = {}
    for pos, value in enumerate(row):
        key = cells.header_key(value)
        if not key:
            continue
        for col_key, keys in _column_keys(sheet).items():
            if key in keys and col_key not in found:
                found[col_key] = pos
                break
    return found


def _best_sheet(row: tuple[Any, ...] | list[Any],
                sheets: tuple[spec.Sheet, ...] = spec.SHEETS) -> tuple[spec.Sheet, int]:
    scored = [(s, len(_match(tuple(row), s))) for s in sheets]
    return max(scored, key=lambda t: t[1])


def _table_from_rows(rows: Any, sheet: spec.Sheet | None, sheet_name: str,
                     sheets: tuple[spec.Sheet, ...] = spec.SHEETS,
                     ) -> RawTable | None:
    """Find the header in the first rows, then collect the non-empty data rows."""
    head: list[tuple[int, tuple[Any, ...]]] = []
    header: tuple[int, spec.Sheet, dict[str, int]] | None = None
    for number, values in enumerate(rows, start=1):
        row = tuple(values)
        if header is None:
            head.append((number, row))
            candidates = [sheet] if sheet else list(sheets)
            for s in candidates:
                found = _match(row, s)
                if len(found) >= 2 and (header is None or len(found) > len(header[2])):
                    header = (number, s, found)
            if header is not None:
                table = RawTable(header[1], sheet_name, number, header[2], [])
                table.missing = [c for c in header[1].columns
                                 if c.required and c.key not in header[2]]
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        if any(not cells.is_empty(v) for v in row):
            at = table.positions.get(table.sheet.id_column.key)
            if at is not None and at < len(row) and spec.is_example(row[at]):
                table.examples.append(number)  # the template's own example: not data
                continue
            table.rows.append((number, row))
    if header is None:
        return None
    return table
