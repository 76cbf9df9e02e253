"""What every importer of the controlling data shares: its result, the error list for the user,
the rule that a file with problems writes nothing, and the packaged data files.

Rules for every importer (`import_catalogue`, `import_statistics`, `import_figures`,
`import_concept`):

* all problems are collected with file, row, column, value and what was expected; if there is
  any, `DataValidationError` is raised and nothing is written (`write_error_report` writes the
  list as a CSV for the user);
* re-importing the same file (same SHA-256) changes nothing;
* every series value carries its provenance: source table, download date, file hash.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd

from monitoring.core import genesis
from monitoring.errors import DataValidationError

SERIES_COLUMNS = ["series_id", "area_code", "period", "value", "flag", "source", "source_table",
                  "download_date", "file_hash"]
"""The columns of ``series_value`` an importer writes."""


@dataclass(frozen=True)
class ImportResult:
    """What an import did (for the CLI's German summary)."""

    file: str
    rows: int
    skipped_unassigned: int = 0
    already_imported: bool = False
    notes: tuple[str, ...] = ()
    """German „Hinweis“ lines for the user (e.g. how the numbers were read)."""


def packaged_text(name: str) -> str:
    """A data file shipped with the package (``monitoring/data/<name>``)."""
    return files("monitoring").joinpath("data", name).read_text(encoding="utf-8")


def write_error_report(problems: list[dict[str, object]], path: str | os.PathLike[str]) -> Path:
    """Write the problems of a failed import as a CSV (German Excel conventions).

    Columns: datei, zeile, spalte, wert, erwartet, then any further keys the problems carry
    (e.g. ``abgelehnte_zeile``: the rejected row as typed)."""
    target = Path(path)
    columns = ["datei", "zeile", "spalte", "wert", "erwartet"]
    columns += [k for k in dict.fromkeys(k for p in problems for k in p) if k not in columns]
    frame = pd.DataFrame(problems, columns=columns)
    frame.to_csv(target, sep=";", index=False, encoding="utf-8-sig")
    return target


def fail_on_problems(what: str, name: str, problems: list[dict[str, object]]) -> None:
    """Raise `DataValidationError` naming the first of `problems` (none: return)."""
    if problems:
        first = problems[0]
        raise DataValidationError(
            f"{what} {name} wurde nicht übernommen: {len(problems)} Fehler. Erster Fehler: "
            f"Zeile {first['zeile']}, Spalte {first['spalte']}: „{first['wert']}“ – erwartet "
            f"{first['erwartet']}. Es wurde nichts geschrieben.", problems)


def read_long_table(path: Path, *, expected: str) -> pd.DataFrame:
    """One table as text cells: Excel (first sheet) or CSV with ``;`` in any encoding that
    `genesis.decode` recognises. A file that is not such a table raises
    `DataValidationError` naming the file (and the line) and `expected`."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_workbook(path, expected=expected, sheet_name=0).fillna("")
    text, name = genesis.decode(path.read_bytes(), path.name)
    return genesis.text_table(text, name, expected=expected)


def read_workbook(path: Path, *, expected: str, sheet_name: Any) -> Any:
    """`pandas.read_excel` (text cells), or `DataValidationError` for a file that is not a
    readable workbook (damaged, another format with an .xlsx name, no sheet)."""
    try:
        return pd.read_excel(path, dtype=str, sheet_name=sheet_name)
    except Exception as err:  # openpyxl/zipfile/xml raise many kinds for a damaged file
        raise DataValidationError(
            f"Die Datei {path.name} ist keine lesbare Excel-Arbeitsmappe (.xlsx) – beschädigt "
            "oder ein anderes Format mit falscher Endung; erwartet: " + expected + ". Öffnen "
            "Sie sie in Excel und speichern Sie sie erneut als .xlsx (oder als CSV).",
            [genesis.problem(path.name, None, None, "—", expected)],
            detail=f"{type(err).__name__}: {err}") from err


def read_utf8(path: Path) -> str:
    """The text of a UTF-8 file (with or without BOM), or `DataValidationError`."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataValidationError(
            f"Die Datei {path.name} ist nicht in UTF-8 gespeichert (Byte {err.start + 1}). "
            "Speichern Sie sie als „CSV UTF-8 (durch Trennzeichen getrennt)“.",
            [genesis.problem(path.name, None, None, "—", "Textkodierung UTF-8")],
            detail=str(err)) from err
