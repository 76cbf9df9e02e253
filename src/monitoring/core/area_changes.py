"""Area changes a user adds (Gemeinde mergers, a part moving between districts): pure checks.

Why: series are reported on today's areas (`monitoring.core.areas`), and only the changes the
program ships (Eisenach 2021, Kaltennordheim 2019) are known out of the box. Thuringia had
many more, e.g. the Landgemeinden formed on 1 January 2019 under the ThürGNGG 2019; a county
adds its own from a table (``monitoring import gebietsaenderungen``).

The table, one row per change (CSV or Excel, German headers; README "Gebietsänderungen"):

``alter_schluessel`` / ``neuer_schluessel``
    official key (AGS) before and after: 8 digits (Gemeinde) or 5 (Kreis), both of the same
    level. A 12-digit Regionalschlüssel of a Gemeinde is shortened to its AGS, a key that
    lost its leading zero in Excel gets it back (both reported as „Hinweis“).
``wirksam_ab``
    first day of the new state, ``01.01.2019`` or ``2019-01-01``. Data dated before it (the
    quarter's last day) are attributed to the new key.
``art``
    ``zusammenschluss`` (several areas form a new one), ``eingliederung`` (an area joins an
    existing one), ``umschluesselung`` (same area, new key; also written ``umbenennung`` or
    ``Schlüsseländerung``) — the whole old area moves; or ``teilausgliederung`` — only a part
    moves (e.g. Kreis figures when one Gemeinde changes its Kreis).
``anteil``
    only for ``teilausgliederung``, and required there: the moving part's share of the old
    area's population just before the change, 0 < anteil < 1 (``0,25``, ``0.25`` or
    ``25 %``). For the other kinds it must stay empty: a value there means the wrong kind.
``hinweis``
    free text (e.g. the law), optional.

`parse_rows` reads cells row by row (this module); `area_change_rules.check` judges the rows
against each other and against what the store already holds (`StoreFacts`). Both only report
— every problem with file, sheet, row, column, the value found and what is allowed — and never
stop at the first one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from monitoring.core import cells
from monitoring.core import inventory_spec as spec
from monitoring.core.areas import PARTIAL
from monitoring.core.inventory_spec import ERROR, NOTE, Problem

KINDS: dict[str, str] = {
    "zusammenschluss": "mehrere Gebiete bilden ein neues (ganzes Gebiet)",
    "eingliederung": "ein Gebiet geht in einem bestehenden auf (ganzes Gebiet)",
    "umschluesselung": "gleiches Gebiet, neuer Schlüssel (ganzes Gebiet)",
    PARTIAL: "nur ein Teil wechselt (mit anteil)",
}
WHOLE = frozenset(k for k in KINDS if k != PARTIAL)
_KIND_ALIASES = {"umschlüsselung": "umschluesselung", "umbenennung": "umschluesselung",
                 "schlüsseländerung": "umschluesselung", "schluesselaenderung": "umschluesselung",
                 "zusammenschluß": "zusammenschluss"}
ALLOWED_KINDS = ", ".join(KINDS)
EARLIEST = date(1990, 10, 3)
"""No change before German unification: the Länder and their keys start then."""
FUTURE_YEARS = 5
"""Changes may be announced ahead (a law passed for next year), but not decades ahead: a date
beyond this many years is taken for a typo."""
LEVELS = {5: "Kreis", 8: "Gemeinde"}

SHEET = spec.Sheet("area_changes", "Gebietsänderungen", (
    spec.Column("old_code", "alter_schluessel", spec.AGS, True,
                help="AGS vor der Änderung: 8 Stellen (Gemeinde) oder 5 (Kreis)",
                aliases=("alter Schlüssel", "bisheriger Schlüssel", "Schlüssel alt",
                         "alter Gebietsschlüssel", "old_code")),
    spec.Column("new_code", "neuer_schluessel", spec.AGS, True,
                help="AGS nach der Änderung, gleiche Ebene wie der alte",
                aliases=("neuer Schlüssel", "Schlüssel neu", "neuer Gebietsschlüssel",
                         "new_code")),
    spec.Column("effective", "wirksam_ab", spec.DATE, True,
                help="erster Tag des neuen Stands, TT.MM.JJJJ",
                aliases=("wirksam ab", "gültig ab", "gueltig_ab", "Datum", "effective")),
    spec.Column("kind", "art", spec.TEXT, True, help=ALLOWED_KINDS,
                aliases=("Art der Änderung", "Änderungsart", "kind")),
    spec.Column("share", "anteil", spec.NUMBER,
                help="nur bei teilausgliederung: Bevölkerungsanteil des wechselnden Teils, "
                     "0 < anteil < 1",
                aliases=("Bevölkerungsanteil", "share")),
    spec.Column("note", "hinweis", spec.TEXT, help="freier Text, z. B. Rechtsgrundlage",
                aliases=("Bemerkung", "Quelle", "note")),
), "Gebietsänderungen: eine Zeile je altem und neuem Schlüssel")
COLUMNS = ["row", "old_code", "new_code", "effective", "kind", "share", "note"]
KEY = ["old_code", "new_code", "effective"]


@dataclass
class Parsed:
    """Rows read from one table: valid rows typed (`rows`), every problem, rejected rows."""

    rows: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    rejected: dict[int, tuple[tuple[Any, ...], list[str]]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]


def _shown(value: Any) -> str:
    if cells.is_empty(value):
        return "(leer)"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def german(value: float) -> str:
    """A share or sum as a German number with up to six significant digits: ``0,25``."""
    return f"{value:.6g}".replace(".", ",")


def parse_code(value: Any) -> tuple[str | None, str | None, str | None]:
    """(key, what is allowed if invalid, note on a repair) for one key cell.

    Accepted: 8-digit Gemeinde and 5-digit Kreis keys (AGS), a 12-digit Regionalschlüssel
    (shortened to the AGS: digits 1–5 and 10–12), and keys Excel stored as numbers.
    """
    allowed = ("Gemeindeschlüssel (8 Ziffern, z. B. 16063105) oder Kreisschlüssel (5 Ziffern, "
               "z. B. 16063), als Text mit führender Null")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = str(value).strip().replace(" ", "")
    if raw.isdigit() and len(raw) == 12:
        code = raw[:5] + raw[9:]
        return code, None, f"Regionalschlüssel {raw} als Gemeindeschlüssel {code} gelesen"
    code, problem, note = cells.ags(value)
    if problem is not None:
        return None, allowed, None
    if len(code) not in LEVELS:
        return None, allowed + " – Länder (2 Stellen) ändern sich nicht", None
    return code, None, note


def parse_kind(value: Any) -> str | None:
    """The canonical kind for a cell (case and umlaut spelling do not matter), else None."""
    term = cells.normalise_term(value)
    term = _KIND_ALIASES.get(term, term)
    return term if term in KINDS else None


def parse_share(value: Any) -> tuple[float | None, str | None]:
    """(share, what is allowed if invalid): ``0,25``, ``0.25``, ``25 %`` or an Excel number."""
    allowed = "ein Anteil zwischen 0 und 1, z. B. 0,25 oder 25 %"
    percent = isinstance(value, str) and value.strip().endswith("%")
    raw = value.strip()[:-1] if percent else value
    number, problem, _ = cells.number(raw)
    if problem is not None or number is None:
        return None, allowed
    return (number / 100 if percent else number), None


def parse_rows(rows: Iterable[tuple[int, tuple[Any, ...]]], positions: Mapping[str, int], *,
               file: str, sheet: str, header_row: int, today: date) -> Parsed:
    """Cells and single-row rules of a table of area changes (see module docstring).

    `rows` are (row number as the user sees it, values) and `positions` maps a column key to
    its index, as `monitoring.io.inventory.read` finds them. `today` bounds future dates.
    """
    problems: list[Problem] = []
    rejected: dict[int, tuple[tuple[Any, ...], list[str]]] = {}
    out: list[dict[str, Any]] = []
    for column in SHEET.columns:
        if column.required and column.key not in positions:
            problems.append(Problem(file, sheet, header_row, column.header, "(fehlt)",
                                    f"eine Spalte „{column.header}“",
                                    f"Die Pflichtspalte „{column.header}“ fehlt in der "
                                    "Kopfzeile."))
    if any(c.required and c.key not in positions for c in SHEET.columns):
        return Parsed(pd.DataFrame(columns=COLUMNS), problems, rejected)
    latest = date(today.year + FUTURE_YEARS, 12, 31)
    headers = {c.key: c.header for c in SHEET.columns}
    for number, values in rows:
        row_problems: list[Problem] = []

        def report(key: str, found: Any, expected: str, message: str, *,
                   severity: str = ERROR, _n: int = number,
                   _sink: list[Problem] = row_problems) -> None:
            _sink.append(Problem(file, sheet, _n, headers[key], _shown(found), expected, message,
                                 severity))

        def cell(key: str, _values: tuple[Any, ...] = values) -> Any:
            pos = positions.get(key)
            return _values[pos] if pos is not None and pos < len(_values) else None

        record: dict[str, Any] = {"row": number}
        for key in ("old_code", "new_code", "effective", "kind", "share", "note"):
            value = cell(key)
            if cells.excel_error(value):
                report(key, value, "ein Wert statt eines Excel-Fehlerwerts",
                       f"Excel-Fehlerwert „{value}“ in {headers[key]}.")
                value = None
                record[key] = None
                continue
            if cells.is_empty(value):
                record[key] = None
                if SHEET.column(key).required:
                    report(key, value, SHEET.column(key).help, f"{headers[key]} fehlt.")
                continue
            if key in ("old_code", "new_code"):
                code, problem, note = parse_code(value)
                if problem:
                    report(key, value, problem, f"„{value}“ ist kein Kreis- oder "
                           "Gemeindeschlüssel.")
                elif note:
                    report(key, value, "ein 5- oder 8-stelliger Schlüssel", note + ".",
                           severity=NOTE)
                record[key] = code
            elif key == "effective":
                day, problem, _ = cells.day(value)
                if problem:
                    report(key, value, problem, f"„{value}“ ist kein Datum.")
                elif not EARLIEST <= day <= latest:
                    report(key, value, f"ein Datum vom {EARLIEST:%d.%m.%Y} bis {latest:%d.%m.%Y}",
                           f"Das Datum {day:%d.%m.%Y} liegt außerhalb des möglichen Zeitraums "
                           "(Tippfehler im Jahr?).")
                    day = None
                record[key] = None if problem else day
            elif key == "kind":
                kind = parse_kind(value)
                if kind is None:
                    report(key, value, ALLOWED_KINDS,
                           f"Unbekannte Art „{value}“. Ganzes Gebiet: zusammenschluss, "
                           "eingliederung oder umschluesselung; nur ein Teil: "
                           "teilausgliederung.")
                record[key] = kind
            elif key == "share":
                share, problem = parse_share(value)
                if problem:
                    report(key, value, problem, f"„{value}“ ist kein Anteil.")
                record[key] = share
            else:
                text, problem, _ = cells.text(value)
                if problem:
                    report(key, value, problem, f"{headers[key]}: {problem}.")
                record[key] = text
        _row_rules(record, cell, report)
        problems.extend(row_problems)
        errors = [p.message for p in row_problems if p.severity == ERROR]
        if errors:
            rejected[number] = (tuple(values), errors)
        else:
            out.append(record)
    if not out and not rejected and not problems:
        problems.append(Problem(file, sheet, header_row + 1, headers["old_code"], "(leer)",
                                "mindestens eine Zeile unter der Kopfzeile",
                                "Die Tabelle enthält keine Gebietsänderung."))
    frame = pd.DataFrame(out, columns=COLUMNS)
    frame["share"] = frame["share"].astype(float)
    return Parsed(frame, problems, rejected)


def _row_rules(record: dict[str, Any], cell: Callable[[str], Any],
               report: Callable[..., None]) -> None:
    """Rules between the cells of one row: self-reference, level, share only for parts."""
    old, new, kind, share = (record.get(k) for k in ("old_code", "new_code", "kind", "share"))
    if old and new and old == new:
        report("new_code", cell("new_code"), "ein anderer Schlüssel als der alte",
               f"Alter und neuer Schlüssel sind gleich ({old}). Eine reine Umbenennung ohne "
               "neuen Schlüssel ist keine Gebietsänderung – der Name kommt aus den "
               "Gebietsgrenzen; Zeile löschen.")
    elif old and new and len(old) != len(new):
        report("new_code", cell("new_code"),
               f"ein {LEVELS[len(old)]}schlüssel ({len(old)} Stellen) wie der alte",
               f"Ebenen passen nicht: {old} ist ein{'e' if len(old) == 8 else ''} "
               f"{LEVELS[len(old)]}, {new} ein{'e' if len(new) == 8 else ''} "
               f"{LEVELS[len(new)]}. Wechselt eine Gemeinde den Kreis, sind es zwei Zeilen: "
               "Gemeinde → Gemeinde und Kreis → Kreis (teilausgliederung mit anteil).")
    if kind == PARTIAL and record.get("share") is None and cells.is_empty(cell("share")):
        report("share", cell("share"), "ein Anteil zwischen 0 und 1, z. B. 0,25",
               "Bei teilausgliederung ist der anteil Pflicht: der Bevölkerungsanteil des "
               "wechselnden Teils am alten Gebiet kurz vor der Änderung.")
    elif kind == PARTIAL and share is not None and not 0 < share < 1:
        hint = (" Zieht das ganze Gebiet um, ist die Art eingliederung oder zusammenschluss."
                if share == 1 else " Prozentwerte mit %-Zeichen, z. B. 25 %.")
        report("share", cell("share"), "0 < anteil < 1",
               f"Anteil {german(share)} liegt nicht zwischen 0 und 1.{hint}")
    elif kind in WHOLE and not cells.is_empty(cell("share")) \
            and not cells.excel_error(cell("share")):
        report("share", cell("share"), "leer (anteil gilt nur für teilausgliederung)",
               f"Bei {kind} wechselt das ganze Gebiet; ein anteil ist hier falsch. Wechselt "
               "nur ein Teil, ist die Art teilausgliederung.")
