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

import io
import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

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


def read_long_table(path: Path) -> pd.DataFrame:
    """One table as text cells: Excel (first sheet) or CSV with ``;`` in any encoding that
    `genesis.decode` recognises."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype=str).fillna("")
    text, _ = genesis.decode(path.read_bytes(), path.name)
    return pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
