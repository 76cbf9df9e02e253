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

`parse_rows` reads cells row by row; `check` judges the rows against each other and against
what the store already holds (`StoreFacts`). Both only report — every problem with file,
sheet, row, column, the value found and what is allowed — and never stop at the first one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

import pandas as pd

from monitoring.core import cells
from monitoring.core import inventory_spec as spec
from monitoring.core.areas import PARTIAL
from monitoring.core.inventory_spec import ERROR, NOTE, Problem
from monitoring.vocab import PACKAGED_CHANGES_SOURCE

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


@dataclass(frozen=True)
class StoreFacts:
    """What the store knows that a file of changes is judged against.

    `changes` are the area changes already held (packaged ones and other files'), each with
    its `source`; `areas` all area versions (area_code, valid_to); `data_codes` every area
    code that has data (series, observations, population), because a store built from
    today's boundaries knows a merged-away Gemeinde only from its old figures.
    """

    changes: pd.DataFrame
    areas: pd.DataFrame
    data_codes: frozenset[str]


def _shown(value: Any) -> str:
    if cells.is_empty(value):
        return "(leer)"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def german(value: float) -> str:
    """A share or sum as a German number with up to six significant digits: ``0,25``."""
    return f"{value:.6g}".replace(".", ",")


def _day(value: object) -> str:
    return f"{pd.Timestamp(value):%d.%m.%Y}"


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


# -- rules between rows and against the store ---------------------------------------------------
class Reporter(Protocol):
    """Records one finding for a parsed row (see `check`)."""

    def __call__(self, row: pd.Series, key: str, expected: str, message: str, *,
                 severity: str = ERROR) -> None: ...


def _same_share(a: Any, b: Any) -> bool:
    missing_a, missing_b = pd.isna(a), pd.isna(b)
    if missing_a or missing_b:
        return bool(missing_a and missing_b)
    return abs(float(a) - float(b)) < 1e-12


def _described(kind: object, share: Any) -> str:
    if pd.isna(share):
        return f"Art {kind}"
    return f"Art {kind}, anteil {german(float(share))}"


def _origin(source: object) -> str:
    """Where a held change comes from, for messages: packaged or which file."""
    if source == PACKAGED_CHANGES_SOURCE:
        return "im Programm enthalten"
    return f"Datei „{source}“" if source else "Herkunft unbekannt"


def check(rows: pd.DataFrame, facts: StoreFacts, *, file: str, sheet: str,
          ) -> tuple[list[Problem], pd.DataFrame]:
    """Judge parsed rows against each other and the store; (problems, rows to write).

    Rules: the same change twice in the file must agree (identical repeats are taken once);
    a change the store already holds is not written again, and one that differs from it
    (kind, share) is refused — except a share for a partial change whose share was unknown;
    one area cannot wholly go into two areas, nor wholly go twice; areas that are gone
    cannot change again; the shares of one old area on one date add up to at most 1; whole
    changes on one date must not form a cycle (A → B and B → A), a chain A → B → C is fine;
    the old key must be known to the store (as an area or from data) and still exist on the
    day before the change, and an area that wholly goes must have no boundaries from the day
    of the change on; a new key unknown to the store is allowed (a new Gemeinde) and
    noted. A Gemeinde that changes its Kreis without a matching Kreis row is noted.
    """
    problems: list[Problem] = []
    headers = {c.key: c.header for c in SHEET.columns}

    def report(row: pd.Series, key: str, expected: str, message: str, *,
               severity: str = ERROR) -> None:
        value = row[key]
        shown = _day(value) if key == "effective" else (
            "(leer)" if value is None or (isinstance(value, float) and pd.isna(value))
            else german(value) if isinstance(value, float) else str(value))
        problems.append(Problem(file, sheet, int(row["row"]), headers[key], shown, expected,
                                message, severity))

    rows = rows.copy()
    rows["effective"] = [pd.Timestamp(d).date() for d in rows["effective"]]
    existing = facts.changes.copy()
    existing["effective"] = [pd.Timestamp(d).date() for d in existing["effective"]]
    existing["old_code"] = existing["old_code"].astype(str)
    existing["new_code"] = existing["new_code"].astype(str)
    held = {tuple(k): r for k, r in zip(existing[KEY].itertuples(index=False),
                                         existing.to_dict("records"), strict=True)}

    # 1. the same change twice in the file; 2. a change the store already holds
    keep: list[bool] = []
    first: dict[tuple[Any, ...], pd.Series] = {}
    for _, row in rows.iterrows():
        key = (row["old_code"], row["new_code"], row["effective"])
        if key in first:
            earlier = first[key]
            if earlier["kind"] == row["kind"] and _same_share(earlier["share"], row["share"]):
                report(row, "old_code", "jede Änderung einmal",
                       f"Gleiche Änderung wie in Zeile {int(earlier['row'])}; einmal übernommen.",
                       severity=NOTE)
            else:
                column = "kind" if earlier["kind"] != row["kind"] else "share"
                report(row, column, f"dieselbe Angabe wie in Zeile {int(earlier['row'])} "
                       f"({_described(earlier['kind'], earlier['share'])})",
                       f"Widerspruch: {row['old_code']} → {row['new_code']} zum "
                       f"{_day(row['effective'])} steht auch in Zeile {int(earlier['row'])}, "
                       "aber mit anderer Angabe.")
            keep.append(False)
            continue
        first[key] = row
        stored = held.get(key)
        if stored is None:
            keep.append(True)
            continue
        same_kind = stored["kind"] == row["kind"]
        if same_kind and _same_share(stored["share"], row["share"]):
            report(row, "old_code", "Änderungen, die noch nicht vorhanden sind",
                   f"Diese Änderung ist schon vorhanden ({_origin(stored['source'])}); sie "
                   "wird nicht erneut geschrieben.", severity=NOTE)
            keep.append(False)
        elif same_kind and row["kind"] == PARTIAL and pd.isna(stored["share"]):
            report(row, "share", "ein Anteil zwischen 0 und 1",
                   "Ergänzt den bisher unbekannten Anteil der vorhandenen Änderung "
                   f"({_origin(stored['source'])}); "
                   "Zahlen des alten Gebiets vor der Änderung werden nun anteilig umgerechnet.",
                   severity=NOTE)
            keep.append(True)
        else:
            report(row, "kind" if not same_kind else "share",
                   _described(stored["kind"], stored["share"]),
                   f"Widerspricht der vorhandenen Änderung ({_origin(stored['source'])}) "
                   f"{row['old_code']} → "
                   f"{row['new_code']} zum {_day(row['effective'])} "
                   f"({_described(stored['kind'], stored['share'])}).")
            keep.append(False)
    written = rows.loc[pd.Series(keep, index=rows.index, dtype=bool)]
    written_keys = {tuple(k) for k in written[KEY].itertuples(index=False)}
    others = existing.loc[pd.Series([tuple(k) not in written_keys
                                     for k in existing[KEY].itertuples(index=False)],
                                    index=existing.index, dtype=bool)]
    union = pd.concat([written.assign(source=None), others.assign(row=None)],
                      ignore_index=True)

    _set_rules(written, union, report)
    _store_rules(written, set(rows["new_code"]), union, facts, report)
    return problems, written[COLUMNS].reset_index(drop=True)


def _label(row: Mapping[str, Any]) -> str:
    if row.get("row") is not None and not pd.isna(row["row"]):
        return f"Zeile {int(row['row'])}"
    return _origin(row.get("source"))


def _set_rules(written: pd.DataFrame, union: pd.DataFrame, report: Reporter) -> None:
    """Rules between all changes (this file's and the store's): whole moves, shares, cycles."""
    whole = union[union["kind"].isin(WHOLE)]
    by_old: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in whole.to_dict("records"):
        by_old[rec["old_code"]].append(rec)
    for _, row in written.iterrows():
        old, day = row["old_code"], row["effective"]
        for other in by_old.get(old, []):
            if other["new_code"] == row["new_code"] and other["effective"] == day:
                continue  # the row itself
            if row["kind"] in WHOLE and other["effective"] == day \
                    and other["new_code"] != row["new_code"]:
                report(row, "new_code", f"ein einziger neuer Schlüssel ({other['new_code']}, "
                       f"{_label(other)})",
                       f"{old} kann zum {_day(day)} nicht ganz in {row['new_code']} und ganz "
                       f"in {other['new_code']} ({_label(other)}) aufgehen. Geht nur ein Teil "
                       "über, ist die Art teilausgliederung.")
            elif other["effective"] < day:
                report(row, "effective", f"ein Datum bis {_day(other['effective'])}",
                       f"{old} ist schon zum {_day(other['effective'])} in "
                       f"{other['new_code']} aufgegangen ({_label(other)}) und kann zum "
                       f"{_day(day)} nicht mehr geändert werden.")
            elif row["kind"] in WHOLE and other["effective"] > day:
                report(row, "effective", f"ein Datum ab {_day(other['effective'])}",
                       f"{old} geht zum {_day(day)} ganz in {row['new_code']} auf, ist aber "
                       f"zum {_day(other['effective'])} noch einmal geändert "
                       f"({other['new_code']}, {_label(other)}).")
        for other in by_old.get(row["new_code"], []):
            if other["effective"] < day:
                report(row, "new_code", f"ein Gebiet, das am {_day(day)} besteht",
                       f"{row['new_code']} ist schon zum {_day(other['effective'])} in "
                       f"{other['new_code']} aufgegangen ({_label(other)}); zum {_day(day)} "
                       "kann nichts mehr hinzukommen.")
    # shares of one old area on one date
    parts = union[union["kind"] == PARTIAL]
    for (old, day), group in parts.groupby(["old_code", "effective"]):
        total = float(group["share"].fillna(0).sum())
        if total > 1 + 1e-9:
            listing = "; ".join(f"{r['new_code']} {german(float(r['share']))} ({_label(r)})"
                                for r in group.to_dict("records") if not pd.isna(r["share"]))
            for _, row in written[(written["old_code"] == old) & (written["effective"] == day)
                                  & (written["kind"] == PARTIAL)].iterrows():
                report(row, "share", "Anteile, die zusammen höchstens 1 ergeben",
                       f"Die Anteile von {old} zum {_day(day)} ergeben zusammen {german(total)} "
                       f"(mehr als das ganze Gebiet): {listing}.")
    # cycles of whole changes on one date
    for day, group in whole.groupby("effective"):
        edges: dict[str, set[str]] = defaultdict(set)
        for rec in group.to_dict("records"):
            edges[rec["old_code"]].add(rec["new_code"])
        looped = _cycle_nodes(edges)
        for _, row in written[(written["effective"] == day) & written["kind"].isin(WHOLE)
                              ].iterrows():
            if row["old_code"] in looped and row["new_code"] in looped[row["old_code"]]:
                report(row, "new_code", "keine Rückführung am selben Tag",
                       f"Kreislauf zum {_day(day)}: {looped[row['old_code']][row['new_code']]}. "
                       "Am selben Tag kann ein Gebiet nicht in ein anderes aufgehen, das "
                       "selbst (über Zwischenschritte) in das erste aufgeht.")


def _cycle_nodes(edges: Mapping[str, set[str]]) -> dict[str, dict[str, str]]:
    """For every edge a → b that lies on a cycle, the cycle as text ``a → b → … → a``."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for start, targets in edges.items():
        for target in targets:
            path = _path(edges, target, start)
            if path is not None:
                out[start][target] = " → ".join([start, *path])
    return out


def _path(edges: Mapping[str, set[str]], source: str, goal: str) -> list[str] | None:
    """A path source … goal along `edges` (breadth first), or None."""
    queue: list[list[str]] = [[source]]
    seen = {source}
    while queue:
        path = queue.pop(0)
        if path[-1] == goal:
            return path
        for nxt in sorted(edges.get(path[-1], ())):
            if nxt not in seen:
                seen.add(nxt)
                queue.append([*path, nxt])
    return None


def _store_rules(rows: pd.DataFrame, new_codes: set[str], union: pd.DataFrame,
                 facts: StoreFacts, report: Reporter) -> None:
    """Keys against the store: old key known and still there, new key present or noted.

    Known old keys: areas (any version), codes with data, codes of changes already held,
    and the new keys of this file (a chain A → B → C within one file).
    """
    areas = facts.areas
    versions: dict[str, list[date | None]] = defaultdict(list)
    starts: dict[str, list[date]] = defaultdict(list)
    for code, valid_from, valid_to in zip(areas["area_code"].astype(str), areas["valid_from"],
                                          areas["valid_to"], strict=True):
        versions[code].append(None if pd.isna(valid_to) else pd.Timestamp(valid_to).date())
        starts[code].append(pd.Timestamp(valid_from).date())
    held = facts.changes
    known = set(versions) | set(facts.data_codes) | new_codes | set(
        held["old_code"].astype(str)) | set(held["new_code"].astype(str))
    noted_new: set[str] = set()
    district_moves = {(r["old_code"], r["new_code"], r["effective"])
                   for r in union.to_dict("records") if len(str(r["old_code"])) == 5}
    for _, row in rows.iterrows():
        old, new, day = row["old_code"], row["new_code"], row["effective"]
        eve = day - timedelta(days=1)
        if old not in known:
            report(row, "old_code", "ein Schlüssel, den die Datenbank als Gebiet oder aus Daten "
                   "kennt",
                   f"{old} ist in der Datenbank weder als Gebiet noch in Zahlen vorhanden – "
                   "vermutlich ein Tippfehler. Prüfen Sie den Schlüssel (`monitoring areas "
                   f"--level {LEVELS[len(old)].lower()}`) oder laden Sie zuerst die Gebiete "
                   "bzw. Zahlen dieses Gebiets.")
        elif old in versions and all(v is not None and v < eve for v in versions[old]):
            last = max(v for v in versions[old] if v is not None)
            report(row, "effective", f"ein Datum bis {last + timedelta(days=1):%d.%m.%Y}",
                   f"{old} besteht laut Datenbank nur bis {last:%d.%m.%Y}; zum {_day(day)} "
                   "kann es sich nicht mehr ändern. Datum oder Schlüssel prüfen.")
        elif row["kind"] in WHOLE and any(start >= day for start in starts.get(old, [])):
            later = min(start for start in starts[old] if start >= day)
            report(row, "effective", f"ein Datum nach dem {later:%d.%m.%Y}",
                   f"{old} hat in der Datenbank Gebietsgrenzen, die erst am {later:%d.%m.%Y} "
                   f"beginnen; es kann nicht schon zum {_day(day)} ganz in {new} aufgegangen "
                   "sein. Prüfen Sie das Datum der Änderung oder den Gebietsstand der "
                   "Grenzdatei (`monitoring import-areas --valid-from`).")
        if new in versions and all(v is not None and v < day for v in versions[new]):
            last = max(v for v in versions[new] if v is not None)
            report(row, "new_code", f"ein Gebiet, das am {_day(day)} besteht",
                   f"{new} besteht laut Datenbank nur bis {last:%d.%m.%Y}; zum {_day(day)} "
                   "kann nichts hinzukommen.")
        elif new not in versions and new not in noted_new:
            noted_new.add(new)
            report(row, "new_code", "ein Gebiet der Datenbank (oder ein neues)",
                   f"{new} ist noch nicht als Gebiet in der Datenbank. Zahlen werden unter "
                   f"{new} geführt; Karten und Gebietslisten zeigen es, sobald seine Grenzen "
                   "mit `monitoring import-areas` geladen sind.", severity=NOTE)
        if len(old) == 8 and row["kind"] in WHOLE and old[:5] != new[:5] \
                and (old[:5], new[:5], day) not in district_moves:
            report(row, "new_code", f"eine weitere Zeile {old[:5]} → {new[:5]} "
                   "(teilausgliederung mit anteil)",
                   f"Die Gemeinde wechselt den Kreis ({old[:5]} → {new[:5]}), aber für die "
                   "Kreiszahlen fehlt eine Zeile Kreis → Kreis zum selben Datum. Ohne sie "
                   "bleiben Kreiszahlen vor der Änderung beim alten Kreis.", severity=NOTE)
