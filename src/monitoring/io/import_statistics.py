"""Importing official statistics: GENESIS / Regionaldatenbank / Zensus downloads into named series.

Parsing (layouts, symbols, periods, units) is pure (`monitoring.core.genesis`); this is the
I/O edge: read the file (an XLSX download is read into cells here), keep the areas the store
knows, assign rows to series, write in one transaction (rules: `monitoring.io.imports`).

Areas: a table for all of Germany holds Länder, Regierungsbezirke, Kreise of every Land,
Gemeindeverbände … Only codes of areas the store knows and that lie in the store's scope (its
Land, `monitoring.store.areas.read_scope`; every Land for a national store) are imported (a
12-digit Regionalschlüssel counts as its 8-digit Gemeindeschlüssel, first 5 + last 3
digits); every other area is skipped and counted per kind in the result, never a refusal. A
file with no such area is an error.

Mappings (``data/series.csv``, `genesis_mapping`): one row per series and table variant, by
codes (flat files) or by the labels the portal shows (the "Tabelle", and flat files through
their label columns); ``+`` and ``*`` in ``attributes`` add rows up (tables without totals).
Each packaged row says where its codes were checked (``reference``) and whether they were
(``verification``: ``verified`` / ``unverified``).
"""

from __future__ import annotations

import io
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from monitoring.core import genesis
from monitoring.core.areas import Scope
from monitoring.errors import DataValidationError
from monitoring.io.imports import (
    SERIES_COLUMNS,
    ImportResult,
    fail_on_problems,
    packaged_text,
    read_utf8,
)
from monitoring.periods import Quarter
from monitoring.store.areas import read_area_versions, read_scope
from monitoring.store.contents import read_series_units, write_missing_series
from monitoring.store.database import Store, file_hash

# kind of a skipped area code → German (singular, plural) for the summary, in the order shown
_OUTSIDE = "außerhalb des Gebiets der Datenbank"
SKIPPED_KINDS = {
    "DG": ("Deutschland", "Deutschland"),
    "land": ("Land", "Länder"),
    "regbez": ("Regierungsbezirk", "Regierungsbezirke"),
    "kreis": (f"Kreis {_OUTSIDE}", f"Kreise {_OUTSIDE}"),
    "gemeindeverband": ("Gemeindeverband", "Gemeindeverbände"),
    "gemeinde": (f"Gemeinde {_OUTSIDE}", f"Gemeinden {_OUTSIDE}"),
    "ars": (f"Regionalschlüssel {_OUTSIDE}", f"Regionalschlüssel {_OUTSIDE}"),
    "ended": ("aufgelöstes Gebiet (Werte nach seinem Ende ausgelassen)",
              "aufgelöste Gebiete (Werte nach ihrem Ende ausgelassen)"),
}
_KIND_BY_LENGTH = {2: "land", 3: "regbez", 5: "kreis", 8: "gemeinde", 9: "gemeindeverband",
                   12: "ars"}
UNASSIGNED_SHOWN = 5
"""How many unassigned variable/attribute combinations the result lists by name."""


@dataclass(frozen=True)
class StatisticsImportResult(ImportResult):
    """`ImportResult` plus what an official statistics import left out: which areas were
    skipped (per kind) and which variables/attributes no series uses (both also in
    `notes`, for the CLI)."""

    skipped_areas: str = ""
    unassigned: str = ""


MAPPING_COLUMNS = ["series_id", "statistic", "value_variable", "attributes", "unit"]
"""Columns of a mapping as `genesis.assign` uses them (unit optional in a user's file)."""


def genesis_mapping(extra: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Which GENESIS statistic / value variable / attributes make which named series: the
    packaged mapping plus, optionally, a user's file (``--zuordnung``)."""
    frames = [pd.read_csv(io.StringIO(packaged_text("series.csv")), sep=";", dtype=str,
                          keep_default_na=False)]
    if extra is not None:
        path = Path(extra)
        frames.append(genesis.text_table(read_utf8(path), path.name, expected=(
            "eine Zuordnung mit den Spalten " + ";".join(MAPPING_COLUMNS[:4]))))
    return pd.concat(frames, ignore_index=True).fillna("")


def _single_series_mapping(parsed: genesis.Parsed, series_id: str) -> pd.DataFrame:
    totals = parsed.rows[parsed.rows["attributes"] == ""]
    keys = totals[["statistic", "value_variable", "attributes"]].drop_duplicates()
    if keys[["statistic", "value_variable"]].drop_duplicates().shape[0] > 1:
        found = ", ".join(sorted(set(keys["value_variable"])))
        raise DataValidationError(
            f"Die Datei enthält mehrere Merkmale ({found}); mit --reihe kann nur ein Merkmal "
            "übernommen werden. Geben Sie eine Zuordnungsdatei an (Spalten series_id;statistic;"
            "value_variable;attributes).")
    return keys.assign(series_id=series_id, unit="")


def _xlsx_cells(content: bytes, name: str) -> list[list[str]]:
    """The first worksheet of an XLSX download as text cells (numbers with decimal comma)."""
    from openpyxl import load_workbook  # only needed for Excel downloads

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as err:
        raise DataValidationError(
            f"Die Excel-Datei {name} lässt sich nicht lesen.",
            [genesis.problem(name, None, None, "XLSX", "eine lesbare Excel-Datei (.xlsx)")],
            detail=repr(err)) from err
    try:
        sheet = book.worksheets[0]
        return [[_cell_text(v, leading=j < 4) for j, v in enumerate(row)]
                for row in sheet.iter_rows(values_only=True)]
    except Exception as err:  # read-only mode reads the sheet only now: damage shows here
        raise DataValidationError(
            f"Die Excel-Datei {name} ist beschädigt: ihr erstes Tabellenblatt lässt sich nicht "
            "lesen. Laden Sie die Tabelle erneut herunter.",
            [genesis.problem(name, None, None, "XLSX", "eine lesbare Excel-Datei (.xlsx)")],
            detail=repr(err)) from err
    finally:
        book.close()


def _cell_text(value: object, *, leading: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        text = str(value)
        # Excel drops the leading zero of keys stored as numbers (Land 01–09 …)
        return text.zfill(len(text) + 1) if leading and len(text) in (1, 7, 11) else text
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if isinstance(value, (datetime, date)):
        return f"{value:%d.%m.%Y}"
    return str(value)


def read_download(content: bytes, name: str, *, areas: Callable[[str], bool] | None = None,
                  ) -> genesis.Parsed:
    """Parse one download: CSV (any layout, possibly zipped) or the XLSX table. `areas`: the
    area codes wanted (a flat file leaves the rows of other areas out early, `genesis.parse`)."""
    inner_content, inner = genesis.unzip(content, name)
    if genesis.is_xlsx(inner_content):
        parsed = genesis.parse_cells(_xlsx_cells(inner_content, inner), inner, layout="xlsx")
        genesis.finish(parsed, inner)
        return parsed
    return genesis.parse(content, name, areas=areas)


def _area_validity(store: Store) -> dict[str, date | None]:
    """Every area code the store knows → the end of its last version (None = current)."""
    versions = read_area_versions(store)
    if versions.empty:
        return {}
    ends = pd.to_datetime(versions["valid_to"])
    current = ends.isna().groupby(versions["area_code"], sort=False).any()
    last = ends.groupby(versions["area_code"], sort=False).max()
    return {code: None if now or pd.isna(end) else pd.Timestamp(end).date()
            for code, end, now in zip(last.index, last.to_list(),
                                      current.reindex(last.index).to_list(), strict=True)}


def _store_code(code: str, known: dict[str, date | None], scope: Scope) -> str | None:
    """The store's code of an area code of the file (a 12-digit Regionalschlüssel counts as
    its Gemeindeschlüssel), None when the store does not know it within its scope."""
    if code in known and scope.covers(code):
        return code
    if len(code) == 12 and code.isdigit() and code[:5] + code[9:] in known \
            and scope.covers(code):
        return code[:5] + code[9:]
    return None


def _kind(code: str) -> str | None:
    return "DG" if code == genesis.GERMANY else _KIND_BY_LENGTH.get(len(code)) \
        if code.isdigit() else None


def _in_scope(parsed: genesis.Parsed, known: dict[str, date | None], scope: Scope,
              ) -> tuple[pd.DataFrame, Counter[str], set[str], set[str]]:
    """(rows of areas the store knows within its `scope`, skipped area codes per kind, codes
    that are no key, codes of the file that are kept)."""
    rows = parsed.rows
    skipped: dict[str, set[str]] = {"DG": set(parsed.dropped)}
    malformed: set[str] = set()
    codes: dict[str, str] = {}
    # each distinct area code and period is looked at once (a Germany-wide table has
    # hundreds of thousands of rows)
    region_of, regions = pd.factorize(rows["region"].to_numpy(dtype=object))
    for code in sorted(set(regions.tolist()) | set(parsed.regions.values())):
        store_code = _store_code(code, known, scope)
        if store_code is not None:
            codes[code] = store_code
        else:
            kind = _kind(code)
            if kind is None:
                malformed.add(code)
            else:
                skipped.setdefault(kind, set()).add(code)
    store_codes = [codes.get(c) for c in regions.tolist()]
    keep = np.array([*store_codes, None], dtype=object)[region_of]  # code -1: no area
    # values after the end of an area: compared as day numbers, each period parsed once
    open_end = date.max.toordinal()
    ends = np.array([open_end if c is None or (e := known.get(c)) is None or pd.isna(e)
                     else e.toordinal() for c in store_codes] + [open_end], dtype=np.int64)
    period_of, periods = pd.factorize(rows["period"].to_numpy(dtype=object))
    starts = np.array([Quarter.parse(p).start.toordinal() for p in periods.tolist()] + [0],
                      dtype=np.int64)
    inside = pd.notna(keep)
    after = inside & (starts[period_of] > ends[region_of])
    skipped.setdefault("ended", set()).update(keep[after].tolist())
    rows = rows.assign(region=keep)[inside & ~after]
    counts = Counter({k: len(v) for k, v in skipped.items() if v})
    return rows, counts, malformed, set(codes)


def _skipped_text(counts: Counter[str]) -> str:
    parts = [f"{counts[k]} {one if counts[k] == 1 else many}"
             for k, (one, many) in SKIPPED_KINDS.items() if counts.get(k)]
    return f"übersprungen: {', '.join(parts)}" if parts else ""


def _unassigned_text(rows: pd.DataFrame, used: set[int]) -> str:
    """The variable/attribute combinations of `rows` (in scope) that no series took; `used`
    are the index labels of the rows assigned."""
    keys = ["statistic", "value_variable", "attributes"]
    missing = rows[~rows.index.isin(list(used))][[*keys, "label"]].drop_duplicates(keys)
    if missing.empty:
        return ""
    shown = "; ".join(f"„{r.label}“ ({r.statistic};{r.value_variable};{r.attributes})"
                      for r in missing.head(UNASSIGNED_SHOWN).itertuples())
    more = f" und {len(missing) - UNASSIGNED_SHOWN} weitere" if len(missing) > UNASSIGNED_SHOWN \
        else ""
    what = "Merkmalskombination" if len(missing) == 1 else "Merkmalskombinationen"
    return (f"{len(missing)} {what} keiner Reihe zugeordnet: {shown}{more}. "
            "Zuordnen mit --zuordnung DATEI.csv (Spalten series_id;statistic;value_variable;"
            "attributes, Werte wie in Klammern).")


def import_statistics(store: Store, path: str | os.PathLike[str], *,
                      table: str | None = None, series_id: str | None = None,
                      mapping: str | os.PathLike[str] | None = None,
                      download_date: date | None = None) -> StatisticsImportResult:
    """Import a GENESIS / Regionaldatenbank / Zensus download into named series.

    Rows are assigned to series by the packaged mapping (``data/series.csv``), an extra mapping
    file, or — with `series_id` — all total rows of a single-measure file to that series.
    Rows of areas the store does not know are skipped and counted per kind; rows that no
    series uses are counted and listed by label (reported, not an error).
    """
    file = Path(path)
    content = file.read_bytes()
    digest = file_hash(content)  # hashed once: already imported?, the values, the import log
    if store.already_imported("statistik", content, digest=digest):
        return StatisticsImportResult(file.name, 0, already_imported=True)
    known, scope = _area_validity(store), read_scope(store)

    def wanted(code: str) -> bool:  # areas of the store, and codes that are no key (reported)
        return _kind(code) is None or _store_code(code, known, scope) is not None

    parsed = read_download(content, file.name, areas=wanted)
    rows, skipped, malformed, kept = _in_scope(parsed, known, scope)
    outside = {code for code in set(parsed.regions.values())
               if _kind(code) is not None and code not in kept}
    outside_lines = {line for line, code in parsed.regions.items() if code in outside}
    # problems in rows of skipped areas do not matter: those rows are not imported
    problems = [p for p in parsed.problems if p["zeile"] not in outside_lines]
    for code in sorted(malformed):
        line = min(n for n, c in parsed.regions.items() if c == code)
        problems.append(genesis.problem(
            file.name, line, "Gebiet", code,
            "ein amtlicher Gebietsschlüssel (DG, Land 16, Regierungsbezirk 031, Kreis 16053, "
            "Gemeinde 16053000, Regionalschlüssel mit 12 Stellen)"))
    if rows.empty and not problems and (len(parsed.rows) or skipped):
        held = _skipped_text(skipped).removeprefix("übersprungen: ") or "keine"
        raise DataValidationError(
            f"{file.name} enthält kein Gebiet, das die Datenbank kennt (enthalten: {held}). "
            "Laden Sie die Tabelle für Ihren Kreis bzw. seine Gemeinden herunter oder prüfen "
            "Sie, ob die Gebiete der Datenbank geladen sind. Es wurde nichts geschrieben.",
            [genesis.problem(file.name, None, "Gebiet", held,
                             "mindestens ein Gebiet der Datenbank")])
    in_scope = genesis.Parsed(parsed.layout, parsed.table, rows, problems)
    rules = _single_series_mapping(in_scope, series_id) if series_id \
        else genesis_mapping(mapping)
    rules = rules.reindex(columns=MAPPING_COLUMNS, fill_value="")
    units = read_series_units(store)
    values, more, used = genesis.assign(in_scope, rules, file.name, expected_units=units)
    problems += more
    if values.empty and not problems:
        found = rows[["statistic", "value_variable", "attributes", "label"]].drop_duplicates(
            ["statistic", "value_variable", "attributes"])
        listing = "; ".join(f"„{d}“ ({a};{b};{c or 'insgesamt'})"
                            for a, b, c, d in found.head(8).to_numpy())
        problems.append(genesis.problem(
            file.name, None, None, listing or "keine Werte",
            "Merkmale, die einer bekannten Reihe zugeordnet sind (Option --reihe oder eine "
            "Zuordnungsdatei mit --zuordnung, Spalten series_id;statistic;value_variable;"
            "attributes)"))
    fail_on_problems("Die Statistikdatei", file.name, problems)
    table_code = table or parsed.table or str(values["series_id"].iloc[0])
    stand = download_date or datetime.fromtimestamp(file.stat().st_mtime).date()
    out = values.assign(
        source=f"GENESIS/Regionaldatenbank {table_code}, abgerufen {stand:%d.%m.%Y}",
        source_table=table_code, download_date=stand, file_hash=digest)[SERIES_COLUMNS]
    with store.transaction():
        new_units = dict(zip(values["series_id"], values["unit"], strict=True))
        write_missing_series(store, out["series_id"].unique(), source=f"GENESIS {table_code}",
                             units=new_units)
        store.upsert("series_value", out, ["series_id", "area_code", "period"])
        store.log_import("statistik", f"{file.name} ({table_code})", content, len(out),
                         digest=digest)
    skipped_areas, unassigned = _skipped_text(skipped), _unassigned_text(rows, used)
    notes = tuple(f"{n[0].upper()}{n[1:]}" for n in (skipped_areas, unassigned) if n)
    return StatisticsImportResult(
        file.name, len(out), skipped_unassigned=len(rows) - len(used), notes=notes,
        skipped_areas=skipped_areas, unassigned=unassigned)
