"""Importing official statistics: GENESIS / Regionaldatenbank downloads into named series.

Parsing (flat files, symbols, periods, units) is pure (`monitoring.core.genesis`); this is the
I/O edge: read the file, assign rows to series, write in one transaction (rules:
`monitoring.io.imports`).
"""

from __future__ import annotations

import hashlib
import io
import os
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from monitoring.core import genesis
from monitoring.core.areas import check_code
from monitoring.errors import AreaError, DataValidationError
from monitoring.io.imports import SERIES_COLUMNS, ImportResult, fail_on_problems, packaged_text
from monitoring.store.contents import read_series_units, write_missing_series
from monitoring.store.database import Store


def genesis_mapping(extra: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Which GENESIS statistic / value variable / attributes make which named series."""
    frames = [pd.read_csv(io.StringIO(packaged_text("series.csv")), sep=";", dtype=str,
                          keep_default_na=False)]
    if extra is not None:
        frames.append(pd.read_csv(extra, sep=";", dtype=str, keep_default_na=False,
                                  encoding="utf-8-sig"))
    return pd.concat(frames, ignore_index=True)


def _single_series_mapping(parsed: genesis.Parsed, series_id: str) -> pd.DataFrame:
    totals = parsed.rows[parsed.rows["attributes"] == ""]
    keys = totals[["statistic", "value_variable", "attributes"]].drop_duplicates()
    if keys[["statistic", "value_variable"]].drop_duplicates().shape[0] > 1:
        found = ", ".join(sorted(set(keys["value_variable"])))
        raise DataValidationError(
            f"Die Datei enthält mehrere Merkmale ({found}); mit --reihe kann nur ein Merkmal "
            "übernommen werden. Geben Sie eine Zuordnungsdatei an (Spalten series_id;statistic;"
            "value_variable;attributes).")
    return keys.assign(series_id=series_id)


def import_statistics(store: Store, path: str | os.PathLike[str], *,
                     table: str | None = None, series_id: str | None = None,
                     mapping: str | os.PathLike[str] | None = None,
                     download_date: date | None = None) -> ImportResult:
    """Import a GENESIS / Regionaldatenbank download into named series (see `statistik`).

    Rows are assigned to series by the packaged mapping (``data/series.csv``), an extra mapping
    file, or — with `series_id` — all total rows of a single-measure file to that series.
    Rows of the file that no series uses are counted and left out (reported, not an error).
    """
    file = Path(path)
    content = file.read_bytes()
    if store.already_imported("statistik", content):
        return ImportResult(file.name, 0, already_imported=True)
    parsed = genesis.parse(content, file.name)
    problems = list(parsed.problems)
    rules = _single_series_mapping(parsed, series_id) if series_id else genesis_mapping(mapping)
    units = read_series_units(store)
    values, more = genesis.assign(parsed, rules[["series_id", "statistic", "value_variable",
                                                   "attributes"]], file.name,
                                    expected_units=units)
    problems += more
    for r in values.itertuples(index=False):
        try:
            check_code(r.area_code)
        except AreaError:
            problems.append(genesis.problem(file.name, r.line, "Gebiet", r.area_code,
                                              "ein amtlicher Gebietsschlüssel"))
    if values.empty and not problems:
        found = parsed.rows[["statistic", "value_variable", "attributes"]].drop_duplicates()
        listing = "; ".join(f"{a} {b} [{c or 'insgesamt'}]" for a, b, c in found.head(8).to_numpy())
        problems.append(genesis.problem(
            file.name, None, None, listing or "keine Werte",
            "Merkmale, die einer bekannten Reihe zugeordnet sind (Option --reihe oder eine "
            "Zuordnungsdatei)"))
    fail_on_problems("Die Statistikdatei", file.name, problems)
    table_code = table or parsed.table or str(values["series_id"].iloc[0])
    stand = download_date or datetime.fromtimestamp(file.stat().st_mtime).date()
    digest = hashlib.sha256(content).hexdigest()
    rows = values.assign(
        source=f"GENESIS/Regionaldatenbank {table_code}, abgerufen {stand:%d.%m.%Y}",
        source_table=table_code, download_date=stand, file_hash=digest)[SERIES_COLUMNS]
    with store.transaction():
        write_missing_series(store, rows["series_id"].unique(), source=f"GENESIS {table_code}")
        store.upsert("series_value", rows, ["series_id", "area_code", "period"])
        store.log_import("statistik", f"{file.name} ({table_code})", content, len(rows))
    return ImportResult(file.name, len(rows), skipped_unassigned=len(parsed.rows) - len(rows))
