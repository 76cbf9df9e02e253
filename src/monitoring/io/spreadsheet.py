"""Text cells in the workbooks and CSV files we write: shown exactly as stored, never run.

A text from the store (an offer title, an area or indicator name, a measure) may begin with
``=``, ``+``, ``-`` or ``@`` – a spreadsheet would take it for a formula („formula
injection“) – or hold control characters, which the XLSX format cannot store at all (openpyxl
raises ``IllegalCharacterError``). The rules, for every writer of the package:

* **XLSX**: every string is a *text cell* (`literal`), also one beginning with ``=``; its
  value is unchanged, Excel shows it and never computes it. Control characters other than
  tab, line feed and carriage return become a space (`xlsx_value`, `xlsx_frame`).
* **CSV** has no cell types: a text beginning with ``=``, ``+``, ``@``, a tab or a carriage
  return, or with ``-`` not followed by a digit (``-3,5`` stays a number), gets a leading
  apostrophe (`csv_text`, `csv_frame`) – what spreadsheet programs and OWASP recommend; the
  apostrophe is visible in a text editor and tells the reader the value is text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["CONTROL", "csv_frame", "csv_text", "literal", "xlsx_frame", "xlsx_value"]

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what XLSX cannot hold (openpyxl's set)
_FORMULA_START = re.compile(r"^(?:[=+@\t\r]|-(?![\d.,]))")


def xlsx_value(value: Any) -> Any:
    """`value` for an openpyxl cell: a string without the control characters XLSX forbids."""
    return CONTROL.sub(" ", value) if isinstance(value, str) else value


def xlsx_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with `xlsx_value` applied to its text columns (for ``DataFrame.to_excel``)."""
    return _text_columns(frame, xlsx_value)


def literal(sheet: Worksheet) -> Worksheet:
    """Make every string cell of `sheet` a text cell: openpyxl stores a string beginning
    with ``=`` as a formula; here it stays the text it is."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f" and isinstance(cell.value, str):
                cell.data_type = "s"
    return sheet


def csv_text(value: Any) -> Any:
    """`value` for a CSV cell: a text a spreadsheet would compute gets a leading apostrophe."""
    if isinstance(value, str) and _FORMULA_START.match(value):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with `csv_text` applied to its text columns (for ``DataFrame.to_csv``)."""
    return _text_columns(frame, csv_text)


def _text_columns(frame: pd.DataFrame, convert: Callable[[Any], Any]) -> pd.DataFrame:
    from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

    out = frame.copy()
    for column in out.columns:
        kind = out[column].dtype
        if not (is_numeric_dtype(kind) or is_bool_dtype(kind) or is_datetime64_any_dtype(kind)):
            out[column] = out[column].map(convert)
    return out
