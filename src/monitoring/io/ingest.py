"""Importers for the controlling data: catalogue, official statistics, own figures, concept.

This is the I/O edge: read files, call the pure parsers (`statistik`, `catalogue`, `concept`),
write to the store in ONE transaction. Rules for every importer:

* all problems are collected with file, row, column, value and what was expected; if there is
  any, `DataValidationError` is raised and nothing is written (`write_error_report` writes the
  list as a CSV for the user);
* re-importing the same file (same SHA-256) changes nothing;
* every series value carries its provenance: source table, download date, file hash.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path

import pandas as pd

from monitoring.core import catalogue, concept, statistik
from monitoring.core.areas import check_code
from monitoring.errors import AreaError, DataValidationError
from monitoring.periods import Quarter
from monitoring.store import panel_sql
from monitoring.store.database import Store

SERIES_COLUMNS = ["series_id", "area_code", "period", "value", "flag", "source", "source_table",
                  "download_date", "file_hash"]


@dataclass(frozen=True)
class ImportResult:
    """What an import did (for the CLI's German summary)."""

    file: str
    rows: int
    skipped_unassigned: int = 0
    already_imported: bool = False


def _packaged(name: str) -> str:
    return files("monitoring").joinpath("data", name).read_text(encoding="utf-8")


def write_error_report(problems: list[dict[str, object]], path: str | os.PathLike[str]) -> Path:
    """Write the problems of a failed import as a CSV (German Excel conventions)."""
    target = Path(path)
    frame = pd.DataFrame(problems, columns=["datei", "zeile", "spalte", "wert", "erwartet"])
    frame.to_csv(target, sep=";", index=False, encoding="utf-8-sig")
    return target


def _fail(what: str, name: str, problems: list[dict[str, object]]) -> None:
    if problems:
        first = problems[0]
        raise DataValidationError(
            f"{what} {name} wurde nicht übernommen: {len(problems)} Fehler. Erster Fehler: "
            f"Zeile {first['zeile']}, Spalte {first['spalte']}: „{first['wert']}“ – erwartet "
            f"{first['erwartet']}. Es wurde nichts geschrieben.", problems)


# -- catalogue ---------------------------------------------------------------------------------
def catalogue_frame(store: Store, user_file: str | os.PathLike[str] | None = None,
                    ) -> pd.DataFrame:
    """The shipped catalogue plus the user's own indicators (checked)."""
    fields = set(store.read_vocabulary("field"))
    shipped = catalogue.parse_catalogue(_packaged("indicators.csv"), "indicators.csv",
                                        known_fields=fields)
    if user_file is None:
        return shipped
    path = Path(user_file)
    own = catalogue.parse_catalogue(path.read_bytes().decode("utf-8-sig"), path.name,
                                    known_fields=fields,
                                    reserved=set(shipped["indicator_id"]))
    return pd.concat([shipped, own], ignore_index=True)


def load_catalogue(store: Store, user_file: str | os.PathLike[str] | None = None) -> int:
    """Write the catalogue (and the named series of the GENESIS mapping) into the store."""
    frame = catalogue_frame(store, user_file)
    series = pd.read_csv(io.StringIO(_packaged("series.csv")), sep=";", dtype=str,
                         keep_default_na=False)
    series = series[["series_id", "name_de", "unit", "source"]].drop_duplicates("series_id")
    with store.transaction():
        store.upsert("indicator", frame[catalogue.STORE_COLUMNS], ["indicator_id"])
        store.upsert("series", series, ["series_id"])
        if user_file is not None:
            store.log_import("indikatorkatalog", Path(user_file).name,
                             Path(user_file).read_bytes(), len(frame))
    return len(frame)


# -- official statistics -----------------------------------------------------------------------
def genesis_mapping(extra: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Which GENESIS statistic / value variable / attributes make which named series."""
    frames = [pd.read_csv(io.StringIO(_packaged("series.csv")), sep=";", dtype=str,
                          keep_default_na=False)]
    if extra is not None:
        frames.append(pd.read_csv(extra, sep=";", dtype=str, keep_default_na=False,
                                  encoding="utf-8-sig"))
    return pd.concat(frames, ignore_index=True)


def _single_series_mapping(parsed: statistik.Parsed, series_id: str) -> pd.DataFrame:
    totals = parsed.rows[parsed.rows["attributes"] == ""]
    keys = totals[["statistic", "value_variable", "attributes"]].drop_duplicates()
    if keys[["statistic", "value_variable"]].drop_duplicates().shape[0] > 1:
        found = ", ".join(sorted(set(keys["value_variable"])))
        raise DataValidationError(
            f"Die Datei enthält mehrere Merkmale ({found}); mit --reihe kann nur ein Merkmal "
            "übernommen werden. Geben Sie eine Zuordnungsdatei an (Spalten series_id;statistic;"
            "value_variable;attributes).")
    return keys.assign(series_id=series_id)


def import_statistik(store: Store, path: str | os.PathLike[str], *,
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
    parsed = statistik.parse(content, file.name)
    problems = list(parsed.problems)
    rules = _single_series_mapping(parsed, series_id) if series_id else genesis_mapping(mapping)
    known = store.query("SELECT series_id, unit FROM series")
    units = dict(zip(known["series_id"], known["unit"], strict=True))
    values, more = statistik.assign(parsed, rules[["series_id", "statistic", "value_variable",
                                                   "attributes"]], file.name,
                                    expected_units=units)
    problems += more
    for r in values.itertuples(index=False):
        try:
            check_code(r.area_code)
        except AreaError:
            problems.append(statistik.problem(file.name, r.line, "Gebiet", r.area_code,
                                              "ein amtlicher Gebietsschlüssel"))
    if values.empty and not problems:
        found = parsed.rows[["statistic", "value_variable", "attributes"]].drop_duplicates()
        listing = "; ".join(f"{a} {b} [{c or 'insgesamt'}]" for a, b, c in found.head(8).to_numpy())
        problems.append(statistik.problem(
            file.name, None, None, listing or "keine Werte",
            "Merkmale, die einer bekannten Reihe zugeordnet sind (Option --reihe oder eine "
            "Zuordnungsdatei)"))
    _fail("Die Statistikdatei", file.name, problems)
    table_code = table or parsed.table or str(values["series_id"].iloc[0])
    stand = download_date or datetime.fromtimestamp(file.stat().st_mtime).date()
    digest = hashlib.sha256(content).hexdigest()
    rows = values.assign(
        source=f"GENESIS/Regionaldatenbank {table_code}, abgerufen {stand:%d.%m.%Y}",
        source_table=table_code, download_date=stand, file_hash=digest)[SERIES_COLUMNS]
    with store.transaction():
        _ensure_series(store, rows["series_id"].unique(), source=f"GENESIS {table_code}")
        store.upsert("series_value", rows, ["series_id", "area_code", "period"])
        store.log_import("statistik", f"{file.name} ({table_code})", content, len(rows))
    return ImportResult(file.name, len(rows), skipped_unassigned=len(parsed.rows) - len(rows))


def _ensure_series(store: Store, series_ids: Iterable[str], *, source: str) -> None:
    known = set(store.query("SELECT series_id FROM series")["series_id"])
    new = [s for s in series_ids if s not in known]
    if new:
        store.write("series", pd.DataFrame({"series_id": new, "name_de": new,
                                            "unit": "Anzahl", "source": source}))


# -- own figures -------------------------------------------------------------------------------
OWN_COLUMNS = {"reihe": "series_id", "gebiet": "area_code", "zeitraum": "period", "wert": "value"}


def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype=str).fillna("")
    text, _ = statistik.decode(path.read_bytes(), path.name)
    return pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)


def import_zahlen(store: Store, path: str | os.PathLike[str]) -> ImportResult:
    """Import the county's own figures from a long table (CSV ``;`` or Excel).

    Columns: reihe, gebiet, zeitraum (``2025-Q4``, ``31.12.2025`` or ``2025``), wert (number,
    decimal comma allowed, or an official symbol), optional kennzeichen and quelle.
    """
    file = Path(path)
    content = file.read_bytes()
    if store.already_imported("zahlen", content):
        return ImportResult(file.name, 0, already_imported=True)
    frame = _read_table(file)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in OWN_COLUMNS if c not in frame.columns]
    if missing:
        _fail("Die Datei", file.name, [statistik.problem(
            file.name, 1, c, "—", "Spalten reihe; gebiet; zeitraum; wert") for c in missing])
    problems: list[dict[str, object]] = []
    rows = []
    for i, r in enumerate(frame.to_dict("records"), start=2):
        try:
            code = check_code(r["gebiet"])
        except AreaError:
            problems.append(statistik.problem(file.name, i, "gebiet", r["gebiet"],
                                              "ein amtlicher Gebietsschlüssel (z. B. 16070)"))
            continue
        period = str(r["zeitraum"]).strip()
        try:
            period = period if period[:4].isdigit() and "-Q" in period \
                else statistik.parse_period("", period)
            Quarter.parse(period)
        except Exception:  # noqa: BLE001 - every unparseable period is one reported problem
            problems.append(statistik.problem(file.name, i, "zeitraum", r["zeitraum"],
                                              "ein Quartal (2025-Q4), Stichtag oder Jahr"))
            continue
        try:
            value, flag = statistik.parse_value(str(r["wert"]), decimal_comma=True)
        except ValueError:
            problems.append(statistik.problem(file.name, i, "wert", r["wert"],
                                              "eine Zahl oder ein amtliches Zeichen (- . x / ...)"))
            continue
        note = str(r.get("kennzeichen", "") or "").strip()
        rows.append({"series_id": str(r["reihe"]).strip(), "area_code": code, "period": period,
                     "value": value, "flag": ",".join(f for f in (flag, note) if f) or None,
                     "source": (str(r.get("quelle", "") or "").strip()
                                or f"eigene Daten ({file.name})"),
                     "line": i})
    out = pd.DataFrame(rows)
    if not out.empty:
        keys = ["series_id", "area_code", "period"]
        for _, group in out[out.duplicated(keys, keep=False)].groupby(keys):
            if group["value"].nunique(dropna=False) > 1:
                problems.append(statistik.problem(
                    file.name, int(group["line"].iloc[1]), "wert",
                    " / ".join(str(v) for v in group["value"]),
                    "ein Wert je Reihe, Gebiet und Zeitraum "
                    f"(auch Zeile {int(group['line'].iloc[0])})"))
        out = out.drop_duplicates(keys)
    _fail("Die Datei", file.name, problems)
    digest = hashlib.sha256(content).hexdigest()
    stand = datetime.fromtimestamp(file.stat().st_mtime).date()
    out = out.assign(source_table=file.name, download_date=stand, file_hash=digest)
    with store.transaction():
        _ensure_series(store, out["series_id"].unique(), source=f"eigene Daten ({file.name})")
        store.upsert("series_value", out[SERIES_COLUMNS], ["series_id", "area_code", "period"])
        store.log_import("zahlen", file.name, content, len(out))
    return ImportResult(file.name, len(out))


# -- indicators from series --------------------------------------------------------------------
def computed_value_count(store: Store) -> int:
    """How many indicator values the series in `store` produce.

    Nothing is written: indicator values are computed from the series whenever they are read
    (`Store.read_observations`), so an import is visible at once. Used for the import message.
    """
    return int(store.query(
        f"SELECT count(*) AS n FROM ({panel_sql.indicator_values_sql()})").iloc[0, 0])


# -- integration concept -----------------------------------------------------------------------
_SHEETS = {
    "ziele": {"ziel": "goal_id", "gebiet": "area_code", "handlungsfeld": "field",
              "titel": "title"},
    "massnahmen": {"massnahme": "measure_id", "ziel": "goal_id", "titel": "title",
                   "verantwortlich": "actor", "beginn": "start_date", "ende": "end_date",
                   "status": "status", "budget": "budget"},
    "zielwerte": {"indikator": "indicator_id", "gebiet": "area_code", "ziel": "goal_id",
                  "ausgangsquartal": "baseline_period", "ausgangswert": "baseline_value",
                  "zielquartal": "target_period", "zielwert": "target_value"},
}


def _concept_tables(path: Path) -> dict[str, pd.DataFrame]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = pd.read_excel(path, sheet_name=None, dtype=str)
        named = {str(k).strip().lower().replace("ß", "ss").replace("ä", "ae"): v.fillna("")
                 for k, v in sheets.items()}
    else:
        frame = _read_table(path)
        cols = {str(c).strip().lower() for c in frame.columns}
        kind = next((k for k, spec in _SHEETS.items() if set(spec) <= cols), None)
        if kind is None:
            raise DataValidationError(
                f"Die Spalten von {path.name} passen zu keinem Teil des Integrationskonzepts. "
                "Erwartet: " + " | ".join(", ".join(s) for s in _SHEETS.values()) + ".")
        named = {kind: frame}
    out = {}
    for kind, spec in _SHEETS.items():
        frame = named.get(kind, pd.DataFrame(columns=list(spec)))
        frame.columns = [str(c).strip().lower() for c in frame.columns]
        absent = [c for c in spec if c not in frame.columns]
        if absent:
            raise DataValidationError(
                f"Im Blatt „{kind}“ von {path.name} fehlen die Spalten {', '.join(absent)}.")
        out[kind] = frame[list(spec)].rename(columns=spec)
    return out


def import_konzept(store: Store, path: str | os.PathLike[str]) -> ImportResult:
    """Import goals, measures and indicator targets (Excel with sheets Ziele, Massnahmen,
    Zielwerte; or one CSV with the columns of one of them)."""
    file = Path(path)
    content = file.read_bytes()
    if store.already_imported("konzept", content):
        return ImportResult(file.name, 0, already_imported=True)
    t = _concept_tables(file)
    goals, measures, targets = t["ziele"], t["massnahmen"], t["zielwerte"]
    problems: list[dict[str, object]] = []
    for column in ("start_date", "end_date"):
        parsed = pd.to_datetime(measures[column].replace("", None), errors="coerce",
                                dayfirst=True)
        bad = measures[column].ne("") & parsed.isna()
        problems += [statistik.problem(f"{file.name} [Massnahmen]", int(i) + 2, column,
                                       measures.loc[i, column], "ein Datum (TT.MM.JJJJ)")
                     for i in measures.index[bad]]
        measures[column] = parsed.dt.date
    for frame, cols, sheet in ((measures, ["budget"], "Massnahmen"),
                               (targets, ["baseline_value", "target_value"], "Zielwerte")):
        for column in cols:
            raw = frame[column].astype(str).str.replace(",", ".", regex=False)
            number = pd.to_numeric(raw.replace("", None), errors="coerce")
            bad = raw.ne("") & number.isna()
            problems += [statistik.problem(f"{file.name} [{sheet}]", int(i) + 2, column,
                                           frame.loc[i, column], "eine Zahl")
                         for i in frame.index[bad]]
            frame[column] = number
    targets["goal_id"] = targets["goal_id"].replace("", None)
    problems += concept.validate(
        goals, measures, targets,
        known_indicators=set(store.query("SELECT indicator_id FROM indicator")["indicator_id"]),
        known_fields=set(store.read_vocabulary("field")),
        known_goals=set(store.read_goals()["goal_id"]), file=file.name)
    _fail("Das Integrationskonzept", file.name, problems)
    with store.transaction():
        store.upsert("goal", goals, ["goal_id"])
        store.upsert("measure", measures, ["measure_id"])
        store.upsert("target", targets, ["indicator_id", "area_code"])
        store.log_import("konzept", file.name, content, len(goals) + len(measures) + len(targets))
    return ImportResult(file.name, len(goals) + len(measures) + len(targets))
