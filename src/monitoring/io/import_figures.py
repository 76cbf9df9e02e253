"""Importing the county's own figures (Ausländerbehörde, school-entry exams …) into named
series: a long table ``reihe;gebiet;zeitraum;wert`` as CSV or Excel (rules:
`monitoring.io.imports`)."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

import pandas as pd

from monitoring.core import genesis
from monitoring.core.areas import check_code
from monitoring.errors import AreaError
from monitoring.io.imports import SERIES_COLUMNS, ImportResult, fail_on_problems, read_long_table
from monitoring.periods import Quarter
from monitoring.store.contents import write_missing_series
from monitoring.store.database import Store

OWN_COLUMNS = {"reihe": "series_id", "gebiet": "area_code", "zeitraum": "period", "wert": "value"}


def import_figures(store: Store, path: str | os.PathLike[str]) -> ImportResult:
    """Import the county's own figures from a long table (CSV ``;`` or Excel).

    Columns: reihe, gebiet, zeitraum (``2025-Q4``, ``31.12.2025`` or ``2025``), wert (number,
    decimal comma allowed, or an official symbol), optional kennzeichen and quelle.
    """
    file = Path(path)
    content = file.read_bytes()
    if store.already_imported("zahlen", content):
        return ImportResult(file.name, 0, already_imported=True)
    frame = read_long_table(file)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in OWN_COLUMNS if c not in frame.columns]
    if missing:
        fail_on_problems("Die Datei", file.name, [genesis.problem(
            file.name, 1, c, "—", "Spalten reihe; gebiet; zeitraum; wert") for c in missing])
    problems: list[dict[str, object]] = []
    rows = []
    for i, r in enumerate(frame.to_dict("records"), start=2):
        try:
            code = check_code(r["gebiet"])
        except AreaError:
            problems.append(genesis.problem(file.name, i, "gebiet", r["gebiet"],
                                              "ein amtlicher Gebietsschlüssel (z. B. 16070)"))
            continue
        period = str(r["zeitraum"]).strip()
        try:
            period = period if period[:4].isdigit() and "-Q" in period \
                else genesis.parse_period("", period)
            Quarter.parse(period)
        except Exception:  # noqa: BLE001 - every unparseable period is one reported problem
            problems.append(genesis.problem(file.name, i, "zeitraum", r["zeitraum"],
                                              "ein Quartal (2025-Q4), Stichtag oder Jahr"))
            continue
        try:
            value, flag = genesis.parse_value(str(r["wert"]), decimal_comma=True)
        except ValueError:
            problems.append(genesis.problem(file.name, i, "wert", r["wert"],
                                              "eine Zahl oder ein amtliches Zeichen (- . x / ...)"))
            continue
        note = str(r.get("kennzeichen", "") or "").strip()
        rows.append({"series_id": str(r["reihe"]).strip(), "area_code": code, "period": period,
                     "value": value, "flag": ",".join(f for f in (flag, note) if f) or None,
                     "source": str(r.get("quelle", "") or "").strip() or f"eigene Daten ({file.name})",
                     "line": i})
    out = pd.DataFrame(rows)
    if not out.empty:
        keys = ["series_id", "area_code", "period"]
        for _, group in out[out.duplicated(keys, keep=False)].groupby(keys):
            if group["value"].nunique(dropna=False) > 1:
                problems.append(genesis.problem(
                    file.name, int(group["line"].iloc[1]), "wert",
                    " / ".join(str(v) for v in group["value"]),
                    f"ein Wert je Reihe, Gebiet und Zeitraum (auch Zeile {int(group['line'].iloc[0])})"))
        out = out.drop_duplicates(keys)
    fail_on_problems("Die Datei", file.name, problems)
    digest = hashlib.sha256(content).hexdigest()
    stand = datetime.fromtimestamp(file.stat().st_mtime).date()
    out = out.assign(source_table=file.name, download_date=stand, file_hash=digest)
    with store.transaction():
        write_missing_series(store, out["series_id"].unique(), source=f"eigene Daten ({file.name})")
        store.upsert("series_value", out[SERIES_COLUMNS], ["series_id", "area_code", "period"])
        store.log_import("zahlen", file.name, content, len(out))
    return ImportResult(file.name, len(out))


def no_values_hint(store: Store) -> str:
    """A German „Hinweis“ for an import after which the series give no indicator value:
    which series the catalogue computes its indicators from, and which the store has."""
    from monitoring.store.contents import read_value_series_ids

    defs = store.read_indicators()
    used = sorted({str(s) for col in ("numerator_series", "denominator_series") if col in defs
                   for s in defs[col] if isinstance(s, str) and s})
    held = read_value_series_ids(store)
    return ("Hinweis: Aus den Reihen ergibt sich kein Indikatorwert. Die Indikatoren des "
            f"Katalogs rechnen mit den Reihen {', '.join(used) or '(keine)'}; die Datenbank "
            f"hat Werte der Reihen {', '.join(held) or '(keine)'}. Eine Quote braucht Zähler "
            "und Nenner für dasselbe Gebiet und denselben Zeitraum, und die Gebiete müssen "
            "heutige Kreise (oder über Gebietsänderungen zugeordnet) sein.")
