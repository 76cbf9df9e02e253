"""Rules for a user's area changes between the rows of one table and against what the store
already holds (pure; the rows come from `monitoring.core.area_changes.parse_rows`).

`check` only reports — every problem with file, sheet, row, column, the value found and what
is allowed — and never stops at the first one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

import pandas as pd

from monitoring.core.area_changes import COLUMNS, KEY, LEVELS, SHEET, WHOLE, german
from monitoring.core.areas import PARTIAL
from monitoring.core.inventory_spec import ERROR, NOTE, Problem
from monitoring.vocab import PACKAGED_CHANGES_SOURCE


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



def _day(value: object) -> str:
    return f"{pd.Timestamp(value):%d.%m.%Y}"


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
    kreis_moves = {(r["old_code"], r["new_code"], r["effective"])
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
                and (old[:5], new[:5], day) not in kreis_moves:
            report(row, "new_code", f"eine weitere Zeile {old[:5]} → {new[:5]} "
                   "(teilausgliederung mit anteil)",
                   f"Die Gemeinde wechselt den Kreis ({old[:5]} → {new[:5]}), aber für die "
                   "Kreiszahlen fehlt eine Zeile Kreis → Kreis zum selben Datum. Ohne sie "
                   "bleiben Kreiszahlen vor der Änderung beim alten Kreis.", severity=NOTE)
