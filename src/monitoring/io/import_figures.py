"""Importing the county's own figures (Ausländerbehörde, school-entry exams …) into named
series: a long table ``reihe;gebiet;zeitraum;wert`` as CSV or Excel (rules:
`monitoring.io.imports`).

The file is read like the offer inventory (`monitoring.io.inventory.read`: UTF-8 with or
without BOM, UTF-16, Windows-1252; ``;``, ``,`` or tab; the header row found in the first
rows). Every row is checked, all problems are reported together, nothing is guessed:

* ``reihe``: a series the store knows (table ``series`` or numerator/denominator of a
  catalogue indicator); unknown names are refused with the three nearest known ones;
* ``gebiet``: an area code the store knows (areas or area changes), which still existed in
  the period – a code whose area had ended before (e.g. 16056 Eisenach from 2021-Q3) is
  refused with its successor; unknown codes with the nearest known ones;
* ``zeitraum``: a quarter ``2025-Q4``, a Stichtag ``31.12.2025`` / ``2025-12-31`` or a year
  (its Q4), from 1990 up to today's quarter;
* ``wert``: German number notation (`monitoring.core.cells.figure`), or an official symbol;
  counts (unit „Anzahl“/„Personen“) are integers ≥ 0 and ``1.234`` is 1234 there; for rates
  ``1.234`` is ambiguous and refused. A file that uses English notation throughout
  (``1,234.5`` and no German-only number) is read as English, with a „Hinweis“;
* optional ``einheit``: must be the series' unit (so one series cannot mix units);
  optional ``kennzeichen`` and ``quelle``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from monitoring.core import cells, genesis
from monitoring.core import inventory_spec as spec
from monitoring.core.areas import PARTIAL
from monitoring.core.indicators import COUNT_UNITS
from monitoring.errors import DataValidationError
from monitoring.io.imports import SERIES_COLUMNS, ImportResult, fail_on_problems
from monitoring.io.inventory import read
from monitoring.periods import Quarter
from monitoring.store.areas import read_area_versions, read_successor
from monitoring.store.contents import read_series_units
from monitoring.store.database import Store

KIND = "zahlen"
FIRST_YEAR = 1990
SHEET = spec.Sheet("own_figures", "Zahlen", (
    spec.Column("series_id", "reihe", spec.TEXT, True, aliases=("Reihen-ID", "series_id")),
    spec.Column("area_code", "gebiet", spec.AGS, True,
                aliases=("Gebietsschlüssel", "AGS", "area_code")),
    spec.Column("period", "zeitraum", spec.TEXT, True, aliases=("Quartal", "period")),
    spec.Column("value", "wert", spec.NUMBER, True, aliases=("value",)),
    spec.Column("unit", "einheit", spec.TEXT, aliases=("unit",)),
    spec.Column("flag", "kennzeichen", spec.TEXT),
    spec.Column("source", "quelle", spec.TEXT)),
    purpose="eigene Zahlen je Reihe, Gebiet und Zeitraum")
"""The columns of an own-figures file (German header, internal key)."""
HEADER = {c.key: c.header for c in SHEET.columns}
OWN_COLUMNS = {c.header: c.key for c in SHEET.columns if c.required}
_UNIT_ALIASES = {"prozent": "%", "promille": "‰"}


def import_figures(store: Store, path: str | os.PathLike[str], *,
                   today: date | None = None) -> ImportResult:
    """Import the county's own figures from a long table (CSV or Excel; rules: module doc).

    Columns: reihe, gebiet, zeitraum (``2025-Q4``, ``31.12.2025`` or ``2025``), wert, optional
    einheit, kennzeichen and quelle. `today` bounds the periods (default: the clock). Raises
    `DataValidationError` listing every problem; then nothing is written.
    """
    file = Path(path)
    raw = _read(file)
    if store.already_imported(KIND, raw.content):
        return ImportResult(file.name, 0, already_imported=True)
    table = raw.tables[SHEET.key]
    if table.missing:
        fail_on_problems("Die Datei", file.name, [genesis.problem(
            file.name, table.header_row, c.header, "—",
            "die Spalten reihe; gebiet; zeitraum; wert in der Kopfzeile")
            for c in table.missing])
    check = _Check(file.name, _Facts.load(store), today or date.today(), _width(raw, table))
    out = check.rows(table)
    fail_on_problems("Die Datei", file.name, check.problems)
    digest = hashlib.sha256(raw.content).hexdigest()
    stand = datetime.fromtimestamp(file.stat().st_mtime).date()
    out = out.assign(source_table=file.name, download_date=stand, file_hash=digest)
    with store.transaction():
        new = check.facts.missing_series(out["series_id"].unique())
        if not new.empty:
            store.write("series", new.assign(source=f"eigene Daten ({file.name})"))
        store.upsert("series_value", out[SERIES_COLUMNS], ["series_id", "area_code", "period"])
        store.log_import(KIND, file.name, raw.content, len(out))
    return ImportResult(file.name, len(out), notes=tuple(check.notes))


def _read(file: Path) -> read.RawInput:
    """The file's cells, or `DataValidationError` in the importers' problem form."""
    try:
        return read.read_file(file, sheets=[SHEET], template=KIND)
    except DataValidationError as err:
        raise DataValidationError(err.message, [genesis.problem(
            file.name, None, None, "—", "eine Tabelle mit den Spalten reihe; gebiet; zeitraum; "
            "wert (CSV oder Excel)")], detail=err.detail) from err


def _width(raw: read.RawInput, table: read.RawTable) -> int | None:
    """How many columns the header row of a CSV file has (None for Excel)."""
    if raw.delimiter is None:
        return None
    text, _ = cells.decode(raw.content)
    lines = csv.reader(io.StringIO(text, newline=""), delimiter=raw.delimiter, strict=False)
    for number, row in enumerate(lines, start=1):
        if number == table.header_row:
            return len(row)
    return None


# -- what the store knows ---------------------------------------------------------------------
@dataclass
class _Facts:
    """Series (with their units) and areas (with the last day they existed) of the store."""

    units: dict[str, str]
    in_table: set[str]
    ends: dict[str, date | None]
    names: Callable[[], dict[str, str]]
    successors: Callable[[str], pd.DataFrame]

    @classmethod
    def load(cls, store: Store) -> _Facts:
        units = read_series_units(store)
        in_table = set(units)
        for ind in store.read_indicators().itertuples(index=False):
            numerator, denominator = ind.numerator_series, ind.denominator_series
            for sid in (numerator, denominator):
                if isinstance(sid, str) and sid and sid not in in_table:
                    # parts of a ratio are counts; a lone numerator has the indicator's unit
                    ratio = isinstance(denominator, str) and bool(denominator)
                    unit = "Anzahl" if ratio else str(ind.unit)
                    if units.get(sid) is None or _is_count(unit):
                        units[sid] = unit
        ends: dict[str, date | None] = {}
        for v in read_area_versions(store).itertuples(index=False):
            end = None if pd.isna(v.valid_to) else pd.Timestamp(v.valid_to).date()
            code = str(v.area_code)
            if code not in ends:
                ends[code] = end
            elif ends[code] is not None:
                ends[code] = None if end is None else max(end, ends[code])
        for c in store.read_area_changes().itertuples(index=False):
            ends.setdefault(str(c.new_code), None)
            if c.kind != PARTIAL:
                ends.setdefault(str(c.old_code),
                                pd.Timestamp(c.effective).date() - timedelta(days=1))
        cache: dict[str, dict[str, str]] = {}

        def names() -> dict[str, str]:
            if "names" not in cache:
                areas = store.read_areas()
                cache["names"] = dict(zip(areas["area_code"], areas["name"], strict=True))
            return cache["names"]

        return cls(units, in_table, ends, names, lambda code: read_successor(store, code))

    def missing_series(self, series_ids: Any) -> pd.DataFrame:
        """Rows for table ``series`` of the catalogue's series the table does not hold yet."""
        new = [s for s in series_ids if s not in self.in_table]
        return pd.DataFrame({"series_id": new, "name_de": new,
                             "unit": [self.units[s] for s in new]})

    def nearest_series(self, name: str) -> list[str]:
        scored = [(fuzz.ratio(name.lower(), s.lower()), s) for s in self.units]
        return [s for _, s in sorted(scored, key=lambda t: (-t[0], t[1]))[:3]]

    def nearest_areas(self, code: str) -> str:
        same = [c for c in self.ends if len(c) == len(code)] or list(self.ends)
        near = sorted(same, key=lambda c: (Levenshtein.distance(code, c), c))[:3]
        names = self.names()
        return ", ".join(f"{c} {names[c]}" if c in names else c for c in near)


def _is_count(unit: str) -> bool:
    return unit.strip().casefold() in COUNT_UNITS


def _unit_key(unit: str) -> str:
    key = re.sub(r"\s", "", unit.casefold())
    return "anzahl" if key in COUNT_UNITS else _UNIT_ALIASES.get(key, key)


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


# -- the rows -------------------------------------------------------------------------------
@dataclass
class _Check:
    """Checks the rows of one file, collecting every problem (`problems`) and notes."""

    file: str
    facts: _Facts
    today: date
    width: int | None
    problems: list[dict[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    german: tuple[int, str] = (0, "")
    """The first number only German notation reads (line, text), for messages."""

    def rows(self, table: read.RawTable) -> pd.DataFrame:
        """The accepted rows (series_id, area_code, period, value, flag, source, line)."""
        pos = table.positions
        records = []
        for line, values in table.rows:
            cell = {k: (values[i] if i < len(values) else None) for k, i in pos.items()}
            records.append((line, values, {k: ("" if cells.is_empty(v) else v)
                                           for k, v in cell.items()}))
        english = self._english(records)
        units_seen: dict[str, dict[str, tuple[int, str]]] = {}
        repaired: list[int] = []
        out = []
        for line, values, r in records:
            before = len(self.problems)
            typed = ";".join("" if cells.is_empty(v) else str(v) for v in values)
            if self.width is not None and any(not cells.is_empty(v)
                                              for v in values[self.width:]):
                extra = next(str(v) for v in values[self.width:] if not cells.is_empty(v))
                self._problem(line, f"Spalte {self.width + 1}", extra, (
                    f"höchstens {self.width} Spalten wie die Kopfzeile – steht ein Dezimalkomma "
                    "in einer durch Komma getrennten Datei? Dann den Wert in Anführungszeichen "
                    "setzen oder „;“ als Trennzeichen verwenden"), typed)
            series = self._series(line, r["series_id"], typed)
            quarter = self._period(line, r["period"], typed)
            code = self._area(line, r["area_code"], quarter, typed, repaired)
            unit = self.facts.units.get(series or "")
            value, flag = self._value(line, r["value"], unit, english, typed)
            if series is not None and unit is not None and str(r.get("unit", "")).strip():
                self._unit(line, series, unit, str(r["unit"]).strip(), units_seen, typed)
            if len(self.problems) > before:
                continue
            note = cells.text(r.get("flag", ""))[0] or ""
            source = cells.text(r.get("source", ""))[0] or f"eigene Daten ({self.file})"
            out.append({"series_id": series, "area_code": code, "period": str(quarter),
                        "value": value, "flag": ",".join(f for f in (flag, note) if f) or None,
                        "source": source, "line": line})
        if repaired:
            self.notes.append(
                f"Hinweis: {self.file}: führende Null bei {len(repaired)} Gebietsschlüssel(n) "
                f"ergänzt (Excel hatte sie als Zahl gespeichert), erste Zeile {repaired[0]}.")
        frame = pd.DataFrame(out, columns=["series_id", "area_code", "period", "value", "flag",
                                           "source", "line"])
        self._duplicates(frame)
        self.problems.sort(key=lambda p: int(str(p["zeile"] or 0)))
        return frame.drop_duplicates(["series_id", "area_code", "period"])

    def _problem(self, line: int, column: str, value: object, expected: str,
                 typed: str) -> None:
        entry = genesis.problem(self.file, line, column, value, expected)
        entry["abgelehnte_zeile"] = typed
        self.problems.append(entry)

    def _english(self, records: list[tuple[int, Any, dict[str, Any]]]) -> bool:
        """True when the numbers use English notation throughout (then a note says so)."""
        first: dict[str, tuple[int, str]] = {}
        for line, _, r in records:
            notation = cells.number_notation(r["value"])
            if notation is not None and notation not in first:
                first[notation] = (line, str(r["value"]).strip())
        if "en" in first and "de" not in first:
            line, example = first["en"]
            self.notes.append(
                f"Hinweis: {self.file} verwendet durchgehend englische Zahlenschreibweise "
                f"(z. B. „{example}“ in Zeile {line}): Komma als Tausendertrennzeichen, Punkt "
                "als Dezimaltrennzeichen gelesen.")
            return True
        self.german = first.get("de", (0, ""))
        return False

    def _series(self, line: int, value: Any, typed: str) -> str | None:
        name = cells.text(value)[0] or ""
        if name in self.facts.units:
            return name
        near = ", ".join(self.facts.nearest_series(name)) if name else ""
        self._problem(line, HEADER["series_id"], name or "—", (
            f"eine bekannte Reihe – ähnlichste: {near} (neue Reihen kommen über den "
            "Indikatorkatalog: monitoring import katalog)") if near else "den Namen einer Reihe",
            typed)
        return None

    def _period(self, line: int, value: Any, typed: str) -> Quarter | None:
        expected = "ein Quartal (2025-Q4), einen Stichtag (31.12.2025) oder ein Jahr (2025)"
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        day: date | None = None
        if match := re.fullmatch(r"(\d{4})\s*-?\s*Q([1-4])", text, re.IGNORECASE):
            quarter = Quarter(int(match.group(1)), int(match.group(2)))
        elif re.fullmatch(r"\d{4}", text):
            quarter = Quarter(int(text), 4)
        else:
            day, _, _ = cells.day(value) if text else (None, None, None)
            if day is None:
                self._problem(line, HEADER["period"], text or "—", expected, typed)
                return None
            quarter = Quarter.of(day)
        now = Quarter.of(self.today)
        if quarter.year < FIRST_YEAR:
            self._problem(line, HEADER["period"], text, f"einen Zeitraum ab {FIRST_YEAR} "
                          "(frühere Zahlen hält das Monitoring nicht)", typed)
        elif quarter > now or (day is not None and day > self.today):
            self._problem(line, HEADER["period"], text, (
                f"einen Zeitraum, der nicht in der Zukunft liegt (heute ist der "
                f"{_day(self.today)}, spätestens {now})"), typed)
        else:
            return quarter
        return None

    def _area(self, line: int, value: Any, quarter: Quarter | None, typed: str,
              repaired: list[int]) -> str | None:
        code, problem, note = cells.ags(value) if not cells.is_empty(value) else (
            None, "einen amtlichen Gebietsschlüssel (z. B. 16070)", None)
        shown = cells.text(value)[0] or "—"
        if code is None:
            self._problem(line, HEADER["area_code"], shown,
                          f"einen amtlichen Gebietsschlüssel: {problem}", typed)
            return None
        if code not in self.facts.ends:
            self._problem(line, HEADER["area_code"], shown, (
                "einen bekannten Gebietsschlüssel – ähnlichste: "
                f"{self.facts.nearest_areas(code)}"), typed)
            return None
        end = self.facts.ends[code]
        if quarter is not None and end is not None and end < quarter.start:
            after = self.facts.successors(code)
            into = "; ".join(
                f"zum {_day(pd.Timestamp(s.effective).date())} in {s.new_code}"
                + (f" {s.name}" if isinstance(s.name, str) else "") + " aufgegangen"
                for s in after.itertuples(index=False))
            hint = (f" – {code} ist {into}; tragen Sie den Wert unter dem Nachfolger ein"
                    if into else "")
            self._problem(line, HEADER["area_code"], shown, (
                f"ein Gebiet, das im Zeitraum {quarter} bestand: {code} besteht nur bis "
                f"{_day(end)}{hint}"), typed)
            return None
        if note:
            repaired.append(line)
        return code

    def _value(self, line: int, value: Any, unit: str | None, english: bool,
               typed: str) -> tuple[float | None, str | None]:
        text = str(value).strip() if isinstance(value, str) else value
        if isinstance(text, str) and text in genesis.SYMBOLS:
            return genesis.SYMBOLS[text]
        whole = unit is not None and _is_count(unit)
        number, problem, _ = cells.figure(value, whole=whole, english=english)
        if problem is None:
            return float(number), None
        if cells.is_empty(value):
            problem = "eine Zahl oder ein amtliches Zeichen (- . x / ...)"
        elif cells.number_notation(value) == "en" and not english:
            german_line, example = self.german
            problem += (f"; der Rest der Datei ist deutsch geschrieben (z. B. „{example}“ in "
                        f"Zeile {german_line})")
        elif whole:
            problem += f" (die Reihe zählt in „{unit}“)"
        self._problem(line, HEADER["value"], cells.text(value)[0] or "—", problem, typed)
        return None, None

    def _unit(self, line: int, series: str, unit: str, given: str,
              seen: dict[str, dict[str, tuple[int, str]]], typed: str) -> None:
        kinds = seen.setdefault(series, {})
        kinds.setdefault(_unit_key(given), (line, given))
        if _unit_key(given) == _unit_key(unit):
            return
        other = [f"„{u}“ in Zeile {n}" for k, (n, u) in kinds.items() if k != _unit_key(given)]
        mixed = (f"; die Reihe steht in dieser Datei auch mit {', '.join(other)} – gemischte "
                 "Einheiten einer Reihe werden nicht übernommen") if other else ""
        self._problem(line, HEADER["unit"], given,
                      f"die Einheit der Reihe {series}: „{unit}“{mixed}", typed)

    def _duplicates(self, frame: pd.DataFrame) -> None:
        keys = ["series_id", "area_code", "period"]
        for _, group in frame[frame.duplicated(keys, keep=False)].groupby(keys):
            if group["value"].nunique(dropna=False) > 1:
                self._problem(
                    int(group["line"].iloc[1]), HEADER["value"],
                    " / ".join(str(v) for v in group["value"]),
                    f"ein Wert je Reihe, Gebiet und Zeitraum (auch Zeile "
                    f"{int(group['line'].iloc[0])})", "")


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
