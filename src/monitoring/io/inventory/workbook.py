"""Excel and GeoPackage output: the error workbook of an import and exports for colleagues.

Excel files get German headers, a bold frozen header row, an autofilter and fitting column
widths; GeoPackages are in EPSG:25832 (the store's CRS) so QGIS users can overlay them on
official layers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from monitoring.io.files import atomic_path, make_folder
from monitoring.io.spreadsheet import literal, xlsx_value

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from monitoring.io.inventory.validate import Validated

PROBLEM_HEADERS = ["Schwere", "Datei", "Blatt", "Zeile", "Spalte", "Gefundener Wert", "Erlaubt",
                   "Problem"]


def format_sheet(ws: Any, widths: list[int] | None = None) -> None:
    """Bold, shaded, frozen header row, an autofilter and column widths (`widths`, else
    fitted to the first 200 rows)."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
    ws.freeze_panes = "A2"
    if ws.max_row > 1 and ws.max_column:
        ws.auto_filter.ref = ws.dimensions
    for i, column in enumerate(ws.iter_cols(min_row=1, max_row=min(ws.max_row, 200)), start=1):
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        width = widths[i - 1] if widths and i <= len(widths) else min(max(10, longest + 2), 60)
        ws.column_dimensions[get_column_letter(i)].width = width


def save_workbook(book: Any, path: Path) -> Path:
    """Save an openpyxl workbook at `path` atomically (creating its folder); returns `path`."""
    make_folder(path.parent)
    with atomic_path(path) as tmp:
        book.save(tmp)
    return path


def error_workbook(checked: Validated, path: Path) -> Path:
    """All problems (sheet „Fehler“) and the rejected rows as typed (one sheet per input sheet)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = cast("Worksheet", book.active)  # a new Workbook starts with one Worksheet
    ws.title = "Fehler"
    ws.append(PROBLEM_HEADERS)
    for p in checked.problems:
        ws.append([xlsx_value(_cell(v)) for v in (p.severity, p.file, p.sheet, p.row, p.column,
                                             p.value, p.expected, p.message)])
    format_sheet(literal(ws))
    for key, rejected in checked.rejected.items():
        table = checked.tables[key]
        out = book.create_sheet(f"Abgelehnt {table.sheet_name}"[:31])
        headers = {pos: col.header for col in table.sheet.columns
                   if (pos := table.positions.get(col.key)) is not None}
        width = max(headers) + 1 if headers else 0
        out.append(["Zeile", "Probleme", *[headers.get(i, "") for i in range(width)]])
        for number, values, messages in rejected:
            shown = [None if v is None else xlsx_value(_cell(str(v))) for v in values[:width]]
            out.append([number, xlsx_value(_cell("; ".join(messages))), *shown])
        format_sheet(literal(out))
        for cell in out["B"][1:]:
            cell.font = Font(color="C0392B")
    return save_workbook(book, path)


def excel(tables: Mapping[str, pd.DataFrame], headers: Mapping[str, Mapping[str, str]],
          path: str | os.PathLike[str], *, note: str | None = None) -> Path:
    """A formatted workbook: one sheet per table, selected columns with German headers.

    `headers` maps a sheet name to {column: German header}; list values become "a; b".
    """
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.worksheets[0])
    for name, frame in tables.items():
        columns = headers[name]
        ws = book.create_sheet(name[:31])
        ws.append(list(columns.values()))
        for rec in frame[list(columns)].itertuples(index=False):
            ws.append([xlsx_value(_cell(v)) for v in rec])
        format_sheet(literal(ws))
    if note:
        info = book.create_sheet("Hinweis", 0)
        for line in note.splitlines():
            info.append([line])
        info.column_dimensions["A"].width = 110
    return save_workbook(book, Path(path))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Control characters a worksheet cannot hold (openpyxl refuses them: IllegalCharacterError)."""


def _cell(value: Any) -> Any:
    """A value as a worksheet cell; control characters in text (a partner's file may carry
    them) are shown as a space, as the import itself cleans them, instead of making the
    workbook unwritable."""
    if isinstance(value, str):
        return _CONTROL.sub(" ", value)
    if hasattr(value, "tolist"):
        value = value.tolist()  # numpy scalars and arrays → Python values
    if isinstance(value, (list, tuple)):
        return _cell("; ".join(str(v) for v in value))
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def geopackage(layers: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write GeoDataFrames as layers of one GeoPackage (replacing the file atomically)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target, suffix=".gpkg") as tmp:
        for name, frame in layers.items():
            out = frame.copy()
            for col in out.columns:
                if col != out.geometry.name and out[col].map(
                        lambda v: isinstance(v, (list, tuple)) or getattr(v, "ndim", 0) > 0).any():
                    out[col] = out[col].map(_cell)
            out.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    return target
