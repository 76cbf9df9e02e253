"""Importing a user's table of area changes, and the template for it (the I/O edge).

Reading (encoding, delimiter, header below title rows, Excel cells) is the inventory's reader
(`monitoring.io.inventory.read`) with the sheet declared in `monitoring.core.area_changes`; the
checks are pure (`area_changes.parse_rows`, `area_change_rules.check`). Rules, as for every
importer:

* every problem (file, sheet, row, column, value found, what is allowed) is collected in one
  pass and written to ``<file>_Fehler.xlsx`` next to the input (problems and the rejected rows
  as typed); with any error nothing is written;
* the same file twice changes nothing (file hash in the import log);
* the file's name is the rows' ``source``: a new version of the same file replaces the rows
  of the earlier one (so a wrong row can be corrected or removed); rows of other files and
  the packaged changes stay;
* in the same transaction the area versions follow the changes (`Store.settle_area_versions`):
  an area that wholly went into another (zusammenschluss, eingliederung, umschluesselung) on
  D ends on D − 1, and an ending whose change a new version of the file removed is undone.

After an import, `views.indicator_panel` reports every series on today's areas with the new
changes (counts summed, rates recomputed from numerators and denominators).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pandas as pd

from monitoring.core import area_change_rules, area_changes
from monitoring.core.areas import ENDED_BY_CHANGE, apply_change_endings
from monitoring.core.inventory_spec import ERROR, INSTRUCTIONS_SHEET, Problem
from monitoring.errors import DataValidationError
from monitoring.io.files import atomic_write, make_folder
from monitoring.io.geography import AREA_CHANGES, CHANGE_KEY
from monitoring.io.inventory import read
from monitoring.io.inventory.validate import Validated
from monitoring.io.inventory.workbook import error_workbook, format_sheet, save_workbook
from monitoring.store.areas import (
    count_changes_from,
    delete_changes_from,
    read_area_versions,
    read_change_keys_from,
    read_changes_except,
    read_codes_with_data,
)
from monitoring.store.database import Store
from monitoring.vocab import PACKAGED_CHANGES_SOURCE

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

KIND = "gebietsaenderungen"
STORE_COLUMNS = ["old_code", "new_code", "effective", "kind", "note", "share", "source"]


@dataclass
class AreaChangeImport:
    """What an import of area changes did (for the CLI's German summary)."""

    file: str
    file_type: str = ""
    encoding: str | None = None
    written: int = 0
    replaced: int = 0
    notes: list[Problem] = field(default_factory=list)
    report: Path | None = None
    already_imported: bool = False
    ended: list[tuple[str, str, date]] = field(default_factory=list)
    """(code, name, last day) of area versions the import ended: the area went into another."""
    reopened: list[str] = field(default_factory=list)
    """Codes whose ending the import undid: the change that ended them is gone."""


def error_report_path(path: Path) -> Path:
    """Where the error workbook of `path` goes: beside it, ``<name>_Fehler.xlsx``."""
    return path.with_name(f"{path.stem}_Fehler.xlsx")


def parse(content: bytes, name: str, *, today: date | None = None,
          ) -> tuple[read.RawInput, area_changes.Parsed]:
    """Read a CSV or Excel table of area changes from bytes and check its cells and rows.

    Raises `DataValidationError` (German) when the file cannot be read as a table at all;
    problems of single rows are returned in the `Parsed` result.
    """
    raw = read.read_bytes(content, name, sheets=[area_changes.SHEET], template=KIND)
    return raw, _parse_table(raw, today)


def _parse_table(raw: read.RawInput, today: date | None) -> area_changes.Parsed:
    table = raw.tables[area_changes.SHEET.key]
    return area_changes.parse_rows(table.rows, table.positions, file=raw.file_name,
                                   sheet=table.sheet_name, header_row=table.header_row,
                                   today=today or date.today())


def store_facts(store: Store, *, except_source: str | None = None,
                ) -> area_change_rules.StoreFacts:
    """The changes, area versions and codes with data that a file is judged against.

    Changes whose source is `except_source` are left out: the file replaces them (and the
    packaged rows they had refined come back, so they count as held).
    """
    changes = read_changes_except(store, except_source)
    if except_source is not None:
        back = _packaged_refined_by(store, except_source)
        if not back.empty:
            changes = pd.concat([changes, back[changes.columns]], ignore_index=True)
    # the versions as they would be without `except_source`'s changes: an area that an
    # earlier version of the same file ended is judged as still existing
    areas = apply_change_endings(read_area_versions(store), changes)
    return area_change_rules.StoreFacts(changes, areas, read_codes_with_data(store))


def import_area_changes(store: Store, path: str | os.PathLike[str], *,
                        report: str | os.PathLike[str] | None = None,
                        today: date | None = None) -> AreaChangeImport:
    """Import a table of area changes into `store` (one transaction; see module docstring).

    `report` is where the error workbook goes (default: beside the file). Raises
    `DataValidationError` listing every problem when any row is wrong; then nothing is written.
    """
    file = Path(path)
    raw = read.read_file(file, sheets=[area_changes.SHEET], template=KIND)
    result = AreaChangeImport(file.name, raw.file_type, raw.encoding)
    if store.already_imported(KIND, raw.content):
        result.already_imported = True
        return result
    parsed = _parse_table(raw, today)
    facts = store_facts(store, except_source=file.name)
    problems = list(parsed.problems)
    # the valid rows are judged together even when other rows failed: one pass, all problems
    more, rows = area_change_rules.check(parsed.rows, facts, file=file.name,
                                         sheet=raw.tables[area_changes.SHEET.key].sheet_name)
    problems += more
    problems.sort(key=lambda p: p.row)  # stable: within a row, cells before row rules
    errors = [p for p in problems if p.severity == ERROR]
    result.notes = [p for p in problems if p.severity != ERROR]
    if problems:
        result.report = _write_report(raw, parsed, problems,
                                      Path(report) if report else error_report_path(file))
    if errors:
        where = (f" Alle Fehler und die abgelehnten Zeilen stehen in {result.report}."
                 if result.report else "")
        first = errors[0]
        raise DataValidationError(
            f"{file.name}: {len(errors)} Fehler; es wurde nichts importiert. Erster Fehler: "
            f"Zeile {first.row}, Spalte {first.column}: „{first.value}“ – erlaubt: "
            f"{first.expected}. {first.message}{where}", [p.as_dict() for p in errors])
    with store.transaction():
        result.replaced = _replace(store, file.name)
        out = rows.drop(columns="row").assign(source=file.name)
        out["effective"] = pd.to_datetime(out["effective"]).dt.date
        result.written = store.upsert("area_change", out[STORE_COLUMNS], CHANGE_KEY)
        moved = store.settle_area_versions()
        for rec in moved.to_dict("records"):
            if rec["end_reason"] == ENDED_BY_CHANGE:  # newly ended, or the date moved
                result.ended.append((rec["area_code"], rec["name"], rec["valid_to"]))
            else:  # the change that ended it is gone
                result.reopened.append(rec["area_code"])
        note = f" (Kodierung {raw.encoding})" if raw.encoding else ""
        store.log_import(KIND, f"{file.name}{note}", raw.content, result.written)
    return result


def _packaged_refined_by(store: Store, source: str) -> pd.DataFrame:
    """Packaged changes whose row `source` replaced (e.g. by supplying a share), provided the
    store holds the packaged geography at all."""
    if not count_changes_from(store, PACKAGED_CHANGES_SOURCE):
        return AREA_CHANGES.iloc[0:0]
    held = read_change_keys_from(store, source)
    keys = {(str(o), str(n), pd.Timestamp(e).date()) for o, n, e in held.itertuples(index=False)}
    return AREA_CHANGES.loc[[(str(o), str(n), e) in keys
                             for o, n, e in AREA_CHANGES[CHANGE_KEY].itertuples(index=False)]]


def _replace(store: Store, source: str) -> int:
    """Remove the rows an earlier version of `source` wrote; put back packaged rows it had
    refined (e.g. a share). Returns the number of rows removed."""
    earlier = count_changes_from(store, source)
    if not earlier:
        return 0
    back = _packaged_refined_by(store, source)
    delete_changes_from(store, source)
    if not back.empty:
        store.write("area_change", back[STORE_COLUMNS])
    return int(earlier)


def _write_report(raw: read.RawInput, parsed: area_changes.Parsed, problems: list[Problem],
                  path: Path) -> Path | None:
    """The error workbook (inventory layout: sheet Fehler, rejected rows as typed), or for a
    ``.csv`` path the list of problems (``;``, UTF-8 with BOM); None when it cannot be written.
    """
    if path.suffix.lower() == ".csv":
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            pd.DataFrame([p.as_dict() for p in problems]).to_csv(
                path, sep=";", index=False, encoding="utf-8-sig")
        except OSError:
            return None
        return path
    rejected: dict[int, list[str]] = {n: list(m) for n, (_, m) in parsed.rejected.items()}
    values = {n: v for n, (v, _) in parsed.rejected.items()}
    table = raw.tables[area_changes.SHEET.key]
    by_number = dict(table.rows)
    for p in problems:
        if p.severity == ERROR and p.row not in rejected and p.row in by_number:
            rejected[p.row] = []
            values[p.row] = by_number[p.row]
        if p.severity == ERROR and p.row in rejected and p.message not in rejected[p.row]:
            rejected[p.row].append(p.message)
    checked = Validated(
        frames={}, problems=problems, tables={area_changes.SHEET.key: table},
        rejected={area_changes.SHEET.key: [(n, values[n], rejected[n]) for n in sorted(rejected)]}
        if rejected else {})
    try:
        return error_workbook(checked, path)
    except OSError:
        return None


# -- template -----------------------------------------------------------------------------------
INSTRUCTIONS = """Gebietsänderungen – Anleitung

Wozu: Zahlen werden auf den heutigen Gebieten ausgewiesen. Fassen sich Gemeinden zusammen oder wechselt ein Gebiet den Kreis, werden Zahlen unter den alten Schlüsseln den neuen Gebieten zugerechnet: Anzahlen summiert, Quoten aus Zähler und Nenner neu berechnet (nie gemittelt).
Eine Zeile je altem und neuem Schlüssel. Spalten:
alter_schluessel, neuer_schluessel: amtlicher Gemeindeschlüssel (8 Ziffern) oder Kreisschlüssel (5 Ziffern), beide auf derselben Ebene; als Text mit führender Null.
wirksam_ab: erster Tag des neuen Stands (TT.MM.JJJJ oder JJJJ-MM-TT). Zahlen mit Stichtag vor diesem Tag gehen an den neuen Schlüssel.
art: zusammenschluss (mehrere Gebiete bilden ein neues) · eingliederung (ein Gebiet geht in einem bestehenden auf) · umschluesselung (gleiches Gebiet, neuer Schlüssel) · teilausgliederung (nur ein Teil wechselt).
anteil: nur bei teilausgliederung und dort Pflicht: Bevölkerungsanteil des wechselnden Teils am alten Gebiet kurz vor der Änderung, zwischen 0 und 1 (0,25 oder 25 %). Sonst leer lassen.
hinweis: freier Text, z. B. die Rechtsgrundlage.
Gemeinde wechselt den Kreis: zwei Zeilen – Gemeinde → Gemeinde und Kreis → Kreis als teilausgliederung mit anteil. Beispiel Kaltennordheim 2019: 16063;16066;01.01.2019;teilausgliederung;<Anteil>.
Die Beispielzeilen sind die im Programm enthaltenen Änderungen (Eisenach 2021, Kaltennordheim 2019); sie dürfen stehen bleiben, sie ändern nichts.
Import: monitoring import gebietsaenderungen DATEI – bei Fehlern wird nichts übernommen, alle Fehler stehen in DATEI_Fehler.xlsx. Eine neue Fassung derselben Datei (gleicher Name) ersetzt die frühere.
"""  # noqa: E501 - one paragraph per line: each line is one row of the instruction sheet


def template_rows() -> list[list[object]]:
    """The packaged whole-area changes as example rows (German dates)."""
    rows: list[list[object]] = []
    for r in AREA_CHANGES.itertuples(index=False):
        if r.kind in area_changes.WHOLE:
            rows.append([r.old_code, r.new_code, f"{r.effective:%d.%m.%Y}", r.kind, None,
                         r.note])
    return rows


def write_template(path: str | os.PathLike[str]) -> Path:
    """Write the template as .xlsx (sheets Anleitung, Gebietsänderungen) or .csv.

    The CSV holds the explanation in lines above the header, which the reader skips; it is
    written as UTF-8 with BOM and ``;`` so that Excel opens it with umlauts and columns.
    The packaged partial change (Kaltennordheim's district) is not an example row, because its
    share is not packaged: an example share would be imported as if it were real.
    """
    target = Path(path)
    headers = [c.header for c in area_changes.SHEET.columns]
    if target.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        for line in INSTRUCTIONS.strip().splitlines():
            writer.writerow([line] if line else [])
        writer.writerow(headers)
        writer.writerows(template_rows())
        make_folder(target.parent)
        return atomic_write(target, buffer.getvalue(), encoding="utf-8-sig")
    if target.suffix.lower() != ".xlsx":
        raise DataValidationError(
            f"Vorlage „{target.name}“: erwartet die Endung .xlsx oder .csv.",
            [{"Datei": target.name, "Problem": "Endung .xlsx oder .csv"}])
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    info = cast("Worksheet", book.active)  # a new Workbook starts with one Worksheet
    info.title = INSTRUCTIONS_SHEET
    for line in INSTRUCTIONS.strip().splitlines():
        info.append([line])
    info["A1"].font = Font(bold=True, size=14)
    info.column_dimensions["A"].width = 140
    ws = book.create_sheet(area_changes.SHEET.name)
    ws.append([c.header + (" *" if c.required else "") for c in area_changes.SHEET.columns])
    grey = PatternFill("solid", fgColor="EEEEEE")
    for example in template_rows():
        ws.append(example)
        for cell in ws[ws.max_row]:
            cell.fill = grey
    format_sheet(ws, [18, 18, 14, 20, 10, 70])
    for row in range(2, 1001):
        for column in (1, 2):
            ws.cell(row, column).number_format = "@"  # keys as text: leading zeros stay
    kinds = DataValidation(type="list", formula1='"' + ",".join(area_changes.KINDS) + '"',
                           allow_blank=True, showErrorMessage=True, errorTitle="Ungültige Art",
                           error="Bitte eine Art aus der Liste wählen: "
                                 + area_changes.ALLOWED_KINDS)
    kinds.add("D2:D1000")
    ws.add_data_validation(kinds)
    book.active = book.index(ws)
    return save_workbook(book, target)

