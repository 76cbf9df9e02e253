"""Importing the integration concept: goals, measures and indicator targets (Excel with the
sheets Ziele, Massnahmen, Zielwerte, or one CSV of one of them; rules: `monitoring.io.imports`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from monitoring.core import concept, genesis
from monitoring.errors import DataValidationError
from monitoring.io.imports import ImportResult, fail_on_problems, read_long_table, read_workbook
from monitoring.store.database import Store

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

_EXPECTED = ("die Blätter Ziele, Massnahmen, Zielwerte (Excel) oder eine CSV mit den Spalten "
             "eines davon, z. B. ziel;gebiet;handlungsfeld;titel")


def _concept_tables(path: Path) -> dict[str, pd.DataFrame]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = read_workbook(path, expected=_EXPECTED, sheet_name=None)
        named = {str(k).strip().lower().replace("ß", "ss").replace("ä", "ae"): v.fillna("")
                 for k, v in sheets.items()}
    else:
        frame = read_long_table(path, expected=_EXPECTED)
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


def import_concept(store: Store, path: str | os.PathLike[str]) -> ImportResult:
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
        problems += [genesis.problem(f"{file.name} [Massnahmen]", int(i) + 2, column,
                                       measures.loc[i, column], "ein Datum (TT.MM.JJJJ)")
                     for i in measures.index[bad]]
        measures[column] = parsed.dt.date
    for frame, cols, sheet in ((measures, ["budget"], "Massnahmen"),
                               (targets, ["baseline_value", "target_value"], "Zielwerte")):
        for column in cols:
            raw = frame[column].astype(str).str.replace(",", ".", regex=False)
            number = pd.to_numeric(raw.replace("", None), errors="coerce")
            bad = raw.ne("") & number.isna()
            problems += [genesis.problem(f"{file.name} [{sheet}]", int(i) + 2, column,
                                           frame.loc[i, column], "eine Zahl")
                         for i in frame.index[bad]]
            frame[column] = number
    targets["goal_id"] = targets["goal_id"].replace("", None)
    problems += concept.validate(
        goals, measures, targets,
        known_indicators=set(store.read_indicators()["indicator_id"]),
        known_fields=set(store.read_vocabulary("field")),
        known_goals=set(store.read_goals()["goal_id"]), file=file.name)
    fail_on_problems("Das Integrationskonzept", file.name, problems)
    with store.transaction():
        store.upsert("goal", goals, ["goal_id"])
        store.upsert("measure", measures, ["measure_id"])
        store.upsert("target", targets, ["indicator_id", "area_code"])
        store.log_import("konzept", file.name, content, len(goals) + len(measures) + len(targets))
    return ImportResult(file.name, len(goals) + len(measures) + len(targets))
