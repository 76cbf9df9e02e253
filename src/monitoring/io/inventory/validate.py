"""Validation of an inventory file: every problem of every row, in one pass.

Rules come from the declarations in `monitoring.core.inventory_spec` (required columns, kinds,
vocabularies, references) plus the rules between cells of a row: end not before start, a fixed
site needs a location, the level matches the area code, a location lies inside its stated
municipality. A row with any error is rejected as a whole; rows that refer to a rejected row
(an offer of a rejected actor) are rejected too. Repairs (lost leading zero, identical
duplicate rows) are reported as notes (``Hinweis``), never silently.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from monitoring.core import cells
from monitoring.core import inventory_spec as spec
from monitoring.core.inventory_spec import ERROR, NOTE, Problem
from monitoring.io.inventory.read import RawInput, RawTable

LEVEL_DIGITS = {"land": 2, "kreis": 5, "gemeinde": 8, "ortsteil": 8}


@dataclass
class Reference:
    """What the store already knows, needed to judge a file."""

    vocabularies: dict[str, dict[str, str]]
    areas: dict[str, str]                       # current area code → name
    municipality_shapes: dict[str, Any]         # Gemeinde code → shapely geometry (EPSG:25832)
    known_ids: dict[str, set[str]] = field(default_factory=dict)
    known_locations: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Validated:
    frames: dict[str, pd.DataFrame]
    problems: list[Problem]
    rejected: dict[str, list[tuple[int, tuple[Any, ...], list[str]]]]
    tables: dict[str, RawTable]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def rejected_count(self) -> int:
        return sum(len(v) for v in self.rejected.values())


def _shown(value: Any) -> str:
    if value is None:
        return "(leer)"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _lookups(reference: Reference) -> dict[str, tuple[dict[str, str], str]]:
    out = {}
    vocabularies = dict(reference.vocabularies)
    vocabularies["crs"] = {v: k for k, v in spec.CRS_CHOICES.items()}
    for kind, terms in vocabularies.items():
        lookup = {}
        for code, label in terms.items():
            lookup[cells.normalise_term(label)] = code
            lookup[cells.normalise_term(code)] = code
        if kind == "crs":
            lookup = {cells.normalise_term(k): v for k, v in spec.CRS_CHOICES.items()}
            allowed = "WGS84, EPSG:25832 oder EPSG:3035"
        else:
            allowed = "einer der Begriffe: " + ", ".join(terms.values())
        out[kind] = (lookup, allowed)
    return out


def validate(raw: RawInput, reference: Reference) -> Validated:
    """Check all sheets of `raw`; returns valid rows as typed frames plus all problems."""
    problems: list[Problem] = []
    rejected: dict[str, list[tuple[int, tuple[Any, ...], list[str]]]] = defaultdict(list)
    frames: dict[str, pd.DataFrame] = {}
    valid_ids: dict[str, set[str]] = {k: set(v) for k, v in reference.known_ids.items()}
    lookups = _lookups(reference)
    locations: dict[str, dict[str, Any]] = dict(reference.known_locations)
    for sheet in spec.SHEETS:  # order matters: referenced sheets come first
        table = raw.tables.get(sheet.key)
        if table is None:
            continue
        checker = _SheetCheck(raw.file_name, table, reference, lookups, valid_ids, locations)
        records = checker.run()
        problems.extend(checker.problems)
        for number, values, messages in checker.rejected:
            rejected[sheet.key].append((number, values, messages))
        frame = pd.DataFrame(records, columns=["row", *checker.output_columns])
        frames[sheet.key] = frame
        valid_ids.setdefault(sheet.key, set()).update(frame[sheet.id_column.key])
        if sheet.key == "locations":
            for rec in records:
                locations[rec["location_id"]] = rec
    return Validated(frames, problems, dict(rejected), raw.tables)


class _SheetCheck:
    """Validation of one sheet; collects problems instead of stopping at the first."""

    def __init__(self, file_name: str, table: RawTable, reference: Reference,
                 lookups: dict[str, tuple[dict[str, str], str]],
                 valid_ids: dict[str, set[str]], locations: dict[str, dict[str, Any]]) -> None:
        self.file, self.table, self.sheet = file_name, table, table.sheet
        self.reference, self.lookups = reference, lookups
        self.valid_ids, self.locations = valid_ids, locations
        self.problems: list[Problem] = []
        self.rejected: list[tuple[int, tuple[Any, ...], list[str]]] = []
        self.output_columns = (OFFER_COLUMNS[1:] if self.sheet.key == "offers"
                               else [c.key for c in self.sheet.columns])
        self._row_errors: list[str] = []

    def problem(self, row: int, column: spec.Column | str, value: Any, expected: str,
                message: str, severity: str = ERROR) -> None:
        header = column.header if isinstance(column, spec.Column) else column
        self.problems.append(Problem(self.file, self.table.sheet_name, row, header,
                                     _shown(value), expected, message, severity))
        if severity == ERROR:
            self._row_errors.append(f"{header}: {message}")

    def run(self) -> list[dict[str, Any]]:
        table = self.table
        if table.missing:
            for col in table.missing:
                self.problem(table.header_row, col, None, f"eine Spalte „{col.header}“",
                             "Pflichtspalte fehlt in der Kopfzeile")
            messages = [f"Pflichtspalte fehlt: {c.header}" for c in table.missing]
            self.rejected = [(n, v, messages) for n, v in table.rows]
            return []
        seen_rows: dict[tuple[Any, ...], int] = {}
        parsed_rows: list[tuple[int, tuple[Any, ...], dict[str, Any], list[str]]] = []
        for number, values in table.rows:
            relevant = tuple(values[p] if p < len(values) else None
                             for p in table.positions.values())
            if relevant in seen_rows:
                self.problem(number, self.sheet.id_column, values[table.positions[
                    self.sheet.id_column.key]] if self.sheet.id_column.key in table.positions
                    else None, "jede Zeile einmal", f"identisch mit Zeile {seen_rows[relevant]}; "
                    "nur einmal übernommen", NOTE)
                continue
            seen_rows[relevant] = number
            self._row_errors = []
            record = self._parse_row(number, values)
            parsed_rows.append((number, values, record, self._row_errors))
        by_id: dict[str, list[int]] = defaultdict(list)
        id_key = self.sheet.id_column.key
        for number, _, record, _ in parsed_rows:
            if record.get(id_key):
                by_id[record[id_key]].append(number)
        out = []
        for number, values, record, errors in parsed_rows:
            self._row_errors = errors
            numbers = by_id.get(record.get(id_key) or "", [])
            if len(numbers) > 1:
                others = ", ".join(str(n) for n in numbers if n != number)
                self.problem(number, self.sheet.id_column, record[id_key], "eine eindeutige ID",
                             f"doppelte ID mit anderem Inhalt (auch in Zeile {others})")
            if not errors:
                self._row_rules(number, record)
            if self._row_errors:
                self.rejected.append((number, values, list(self._row_errors)))
            else:
                out.append({"row": number, **record})
        return out

    def _parse_row(self, number: int, values: tuple[Any, ...]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for col in self.sheet.columns:
            pos = self.table.positions.get(col.key)
            value = values[pos] if pos is not None and pos < len(values) else None
            record[col.key] = None
            if cells.excel_error(value):
                self.problem(number, col, value, "ein Wert", "Excel-Fehlerwert (Formel prüfen)")
                continue
            if cells.is_empty(value):
                if col.required:
                    self.problem(number, col, value, col.help or "ein Wert", "Pflichtfeld ist leer")
                continue
            if col.kind == spec.VOCAB:
                lookup, allowed = self.lookups[col.vocab or ""]
                parsed, expected, note = cells.vocab_term(value, lookup, allowed)
                message = "unbekannter Begriff"
            else:
                parsed, expected, note = cells.PARSERS[col.kind](value)
                message = "ungültiger Wert"
            if expected is not None:
                self.problem(number, col, value, expected, message)
                continue
            if note:
                self.problem(number, col, value, col.help or "", note, NOTE)
            if col.kind == spec.AGS and parsed not in self.reference.areas:
                self.problem(number, col, parsed, "ein Gebietsschlüssel aus dem Gebietsstand der "
                             "Datenbank (`monitoring areas`)", "unbekannter Gebietsschlüssel")
                continue
            if (col.kind == spec.REF and col.refers_to
                    and parsed not in self.valid_ids.get(col.refers_to, set())):
                target = spec.BY_KEY[col.refers_to].name
                self.problem(number, col, parsed, f"eine ID aus dem Blatt {target}",
                             f"unbekannt oder dort fehlerhaft ({target})")
                continue
            if col.kind == spec.ID_LIST and col.refers_to:
                unknown = [i for i in parsed if i not in self.valid_ids.get(col.refers_to, set())]
                if unknown:
                    target = spec.BY_KEY[col.refers_to].name
                    self.problem(number, col, value, f"IDs aus dem Blatt {target}",
                                 f"unbekannte IDs: {', '.join(unknown)}")
                    continue
            record[col.key] = parsed
        return record

    def _row_rules(self, number: int, rec: dict[str, Any]) -> None:
        rule = getattr(self, f"_rules_{self.sheet.key}", None)
        if rule:
            rule(number, rec)

    def _rules_actors(self, number: int, rec: dict[str, Any]) -> None:
        rec["network_member"] = bool(rec["network_member"])
        if len(rec["area_code"]) != 8:
            self.problem(number, self.sheet.column("area_code"), rec["area_code"],
                         "8-stelliger Gemeindeschlüssel", "Sitz muss eine Gemeinde sein")

    def _rules_locations(self, number: int, rec: dict[str, Any]) -> None:
        x, y, code = rec["x"], rec["y"], rec["area_code"]
        col_x = self.sheet.column("x")
        if (x is None) != (y is None):
            self.problem(number, col_x, x, "beide Koordinaten oder keine",
                         "nur eine Koordinate angegeben")
            return
        if x is None:
            if not rec["address"]:
                self.problem(number, self.sheet.column("address"), None,
                             "Koordinaten oder eine Adresse", "Standort ohne Ort")
            return
        crs = rec["crs"] or guess_crs(x, y)
        if crs is None:
            self.problem(number, col_x, f"{x}; {y}", "WGS84-Grad (z. B. 10,94; 50,68) oder "
                         "Meter in EPSG:25832/3035", "Koordinaten nicht erkannt")
            return
        rec["x"], rec["y"] = to_store_crs(x, y, crs)
        shape = self.reference.municipality_shapes.get(code)
        if shape is None:
            self.problem(number, self.sheet.column("area_code"), code,
                         "8-stelliger Gemeindeschlüssel", "keine Gemeinde")
            return
        import shapely

        if not shapely.contains_xy(shape, rec["x"], rec["y"]):
            actual = next((c for c, s in self.reference.municipality_shapes.items()
                           if shapely.contains_xy(s, rec["x"], rec["y"])), None)
            where = (f"er liegt in {actual} {self.reference.areas.get(actual, '')}".strip()
                     if actual else "er liegt außerhalb aller bekannten Gemeinden")
            self.problem(number, col_x, f"{x}; {y}", f"ein Punkt in {code} "
                         f"{self.reference.areas.get(code, '')}".rstrip(),
                         f"Standort liegt außerhalb der angegebenen Gemeinde ({where})")

    def _rules_offers(self, number: int, rec: dict[str, Any]) -> None:
        start, end = rec["start"], rec["end"]
        if end is not None and start is not None and end < start:
            self.problem(number, self.sheet.column("end"), f"{end:%d.%m.%Y}",
                         f"ein Datum ab Beginn ({start:%d.%m.%Y})", "Ende liegt vor dem Beginn")
        digits = LEVEL_DIGITS.get(rec["level"], 0)
        if len(rec["area_code"]) != digits:
            self.problem(number, self.sheet.column("area_code"), rec["area_code"],
                         f"{digits}-stelliger Schlüssel (Ebene {rec['level']})",
                         "Gebietsschlüssel passt nicht zur Ebene")
        location = self.locations.get(rec["location_id"]) if rec["location_id"] else None
        if rec["mode"] == "standort":
            if location is None:
                self.problem(number, self.sheet.column("location_id"), rec["location_id"],
                             "eine Standort-ID (bei Angebotsform „fester Standort“)",
                             "fester Standort ohne Standort-ID")
            elif location["area_code"] != rec["area_code"]:
                self.problem(number, self.sheet.column("area_code"), rec["area_code"],
                             f"die Gemeinde des Standorts ({location['area_code']})",
                             "Angebot und Standort liegen in verschiedenen Gemeinden")
        elif rec["mode"] == "kreisweit" and rec["level"] != "kreis":
            self.problem(number, self.sheet.column("level"), rec["level"], "Kreis",
                         "kreisweite Angebote gehören zur Ebene Kreis")
        rec["fields"] = _unique([rec.pop("field"), rec.pop("field2")])
        rec["target_groups"] = _unique([rec.pop("target_group"), rec.pop("target_group2")])
        rec["languages"] = _unique([rec.pop(f"language{i}") for i in range(1, 5)])
        rec["x"] = location["x"] if location else None
        rec["y"] = location["y"] if location else None
        rec["address"] = location.get("address") if location else None

    def _rules_meetings(self, number: int, rec: dict[str, Any]) -> None:
        rec["participants"] = rec["participants"] or []
        if isinstance(rec["date"], date) and rec["date"] > date.today().replace(
                year=date.today().year + 5):
            self.problem(number, self.sheet.column("date"), rec["date"], "ein realistisches "
                         "Datum", "Datum liegt mehr als fünf Jahre in der Zukunft")

    def _rules_groups(self, number: int, rec: dict[str, Any]) -> None:  # noqa: ARG002 - same signature as the other sheets' rules
        rec["members"] = rec["members"] or []


def _unique(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v is not None and v not in out:
            out.append(v)
    return out


OFFER_COLUMNS = ["row", "offer_id", "actor_id", "title", "fields", "target_groups", "languages",
                 "mode", "level", "area_code", "location_id", "capacity", "start", "end", "x", "y",
                 "address"]


def guess_crs(x: float, y: float) -> str | None:
    """The CRS that coordinates in Germany must be in, judged by their ranges."""
    if 5 <= x <= 16 and 47 <= y <= 56:
        return "EPSG:4326"
    if 47 <= x <= 56 and 5 <= y <= 16:
        return None  # latitude and longitude swapped: ask rather than guess
    if 200_000 <= x <= 1_000_000 and 5_200_000 <= y <= 6_200_000:
        return "EPSG:25832"
    if 4_000_000 <= x <= 4_700_000 and 2_600_000 <= y <= 3_600_000:
        return "EPSG:3035"
    return None


_TRANSFORMERS: dict[str, Any] = {}


def to_store_crs(x: float, y: float, crs: str) -> tuple[float, float]:
    if crs == "EPSG:25832":
        return float(x), float(y)
    from pyproj import Transformer

    if crs not in _TRANSFORMERS:
        _TRANSFORMERS[crs] = Transformer.from_crs(crs, "EPSG:25832", always_xy=True)
    tx, ty = _TRANSFORMERS[crs].transform(x, y)
    return round(float(tx), 1), round(float(ty), 1)
