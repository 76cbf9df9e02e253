"""The Excel template partners fill in (`monitoring template angebote`).

Sheets: Anleitung (instructions), Akteure, Standorte, Angebote, Arbeitsgruppen, Treffen, and a
hidden sheet Listen holding the vocabularies for the dropdowns (Handlungsfeld, Zielgruppe,
Sprache, Ebene, Angebotsform, Art des Akteurs, Koordinatensystem). The vocabularies come from
the store (newest version), so a county that changed its Handlungsfelder gets its own list.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, cast

from monitoring.core import inventory_spec as spec
from monitoring.io.inventory.workbook import format_sheet, save_workbook

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

INSTRUCTIONS = """Bestandserhebung der Integrationsangebote – Anleitung

1. Tragen Sie Ihre Organisation im Blatt „Akteure“ ein (eine Zeile je Organisation, eigene Akteur-ID).
2. Orte mit festem Standort kommen ins Blatt „Standorte“: Koordinaten (WGS84 wie in Online-Karten, oder EPSG:25832) oder Adresse und 8-stelliger Gemeindeschlüssel.
3. Jedes Angebot ist eine Zeile im Blatt „Angebote“. Handlungsfeld, Zielgruppe, Sprache, Angebotsform und Ebene wählen Sie aus der Liste.
4. Angebote ohne festen Standort (mobil, online, kreisweit): Ebene „Kreis“, Gebietsschlüssel des Kreises (5-stellig), Standort-ID leer lassen.
5. Datumsangaben als TT.MM.JJJJ; Zahlen ohne Einheit; Gemeindeschlüssel als Text (führende Nullen bleiben erhalten).
6. Netzwerk: Arbeitsgruppen und Treffen mit den teilnehmenden Akteur-IDs (durch Semikolon getrennt).
7. Pflichtspalten sind mit * markiert. Die Beispielzeilen (grau, Kennung beginnt mit „BEISPIEL-“) werden beim Import übersprungen; löschen Sie sie oder überschreiben Sie sie mit eigenen Kennungen.
8. Schicken Sie die Datei unverändert im Format .xlsx zurück. Personenbezogene Daten (Namen, Telefonnummern von Teilnehmenden) gehören nicht in diese Datei.
"""  # noqa: E501 - one paragraph per line: each line is one row of the instruction sheet

_LISTS = [("field", "Handlungsfeld"), ("target_group", "Zielgruppe"), ("language", "Sprache"),
          ("level", "Ebene"), ("offer_mode", "Angebotsform"), ("actor_type", "Art des Akteurs"),
          ("crs", "Koordinatensystem"), ("bool", "ja/nein")]


def write_template(path: str | os.PathLike[str], vocabularies: dict[str, dict[str, str]],
                   versions: dict[str, int] | None = None) -> Path:
    """Write the template workbook to `path`; `vocabularies` maps kind → {code: label}."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    vocab = dict(vocabularies)
    vocab["crs"] = {"EPSG:4326": "WGS84", "EPSG:25832": "EPSG:25832", "EPSG:3035": "EPSG:3035"}
    vocab["bool"] = {"ja": "ja", "nein": "nein"}
    book = Workbook()
    info = cast("Worksheet", book.active)  # a new Workbook starts with one Worksheet
    info.title = spec.INSTRUCTIONS_SHEET
    for line in INSTRUCTIONS.splitlines():
        info.append([line])
    info["A1"].font = Font(bold=True, size=14)
    info.append([])
    info.append(["Vokabular-Versionen: " + ", ".join(
        f"{label} {(versions or {}).get(kind, 1)}" for kind, label in _LISTS[:6])])
    info.column_dimensions["A"].width = 120

    lists = book.create_sheet(spec.LISTS_SHEET)
    ranges = {}
    for i, (kind, label) in enumerate(_LISTS, start=1):
        letter = get_column_letter(i)
        lists.cell(1, i, label).font = Font(bold=True)
        for j, term in enumerate(vocab[kind].values(), start=2):
            lists.cell(j, i, term)
        ranges[kind] = f"{spec.LISTS_SHEET}!${letter}$2:${letter}${len(vocab[kind]) + 1}"
    lists.sheet_state = "hidden"

    grey = PatternFill("solid", fgColor="EEEEEE")
    for sheet in spec.SHEETS:
        ws = book.create_sheet(sheet.name)
        ws.append([c.header + (" *" if c.required else "") for c in sheet.columns])
        for example in sheet.examples:
            ws.append(list(example))
            for cell in ws[ws.max_row]:
                cell.fill = grey
        format_sheet(ws, [max(14, len(c.header) + 4) for c in sheet.columns])
        for i, col in enumerate(sheet.columns, start=1):
            letter = get_column_letter(i)
            ws.cell(1, i).comment = None
            choices = col.vocab if col.kind == spec.VOCAB else ("bool" if col.kind == spec.BOOL
                                                               else None)
            if choices:
                dv = DataValidation(type="list", formula1=f"={ranges[choices]}", allow_blank=True,
                                    showErrorMessage=True, errorTitle="Ungültiger Wert",
                                    error=f"Bitte einen Wert aus der Liste „{col.header}“ wählen.")
                dv.add(f"{letter}2:{letter}1000")
                ws.add_data_validation(dv)
            if col.kind in (spec.AGS, spec.ID, spec.REF, spec.ID_LIST):
                for row in range(2, 1001):
                    ws.cell(row, i).number_format = "@"  # text: keeps leading zeros
    return save_workbook(book, Path(path))
