"""Writing a validated inventory to the store: one transaction, history, quarantine, log.

* Same file twice: the file hash is already in the import log → nothing happens.
* Unchanged rows from a re-saved or partly changed file write nothing.
* A changed offer: its current version ends the day before the reference date of the import
  (``as_of``, default today) and a new version starts on it, so `Store.read_offers(on=…)`
  reproduces the inventory of any past date. A changed end date only sets ``valid_to``.
  A correction of a version that starts on or after ``as_of`` replaces it.
* Offers missing from a file are not ended: a partner's file covers only its own offers.
* Errors: nothing is written and an error workbook lies next to the input; with
  ``accept_valid=True`` the valid rows are imported and the rejected ones go to the error
  workbook and to the table ``inventory_quarantine``.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from monitoring.core import inventory_spec as spec
from monitoring.errors import DataValidationError
from monitoring.io.inventory import read
from monitoring.io.inventory import workbook as export
from monitoring.io.inventory.validate import Problem, Reference, Validated, validate
from monitoring.store.inventory import (
    delete_links,
    delete_offer_version,
    read_keyed_table,
    read_known_locations,
    read_latest_offer_versions,
    read_links,
    read_working_groups,
    set_offer_end,
)

if TYPE_CHECKING:
    from monitoring.store.database import Store

KIND = "angebote"
COMPARED = ["actor_id", "title", "fields", "target_groups", "languages", "mode", "area_code",
            "location_id", "address", "x", "y", "capacity"]


@dataclass
class ImportResult:
    """What an import did, for the command line and for tests."""

    file_name: str
    file_type: str
    encoding: str | None
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rejected: int = 0
    error_workbook: Path | None = None
    already_imported: bool = False
    examples: dict[str, list[int]] = field(default_factory=dict)
    """Sheet name → Excel row numbers of the template's example rows, which were skipped."""

    def examples_de(self) -> str | None:
        """The sentence saying which example rows of the template were skipped, or None."""
        if not self.examples:
            return None
        count = sum(len(rows) for rows in self.examples.values())
        where = "; ".join(f"Blatt {name} Zeile{'n' if len(rows) > 1 else ''} "
                          f"{', '.join(str(r) for r in rows)}"
                          for name, rows in self.examples.items())
        return (f"{count} Beispielzeile{'n' if count > 1 else ''} der Vorlage (Kennung "
                f"„{spec.EXAMPLE_MARK}…“) übersprungen: {where}. Löschen Sie sie, oder "
                "überschreiben Sie sie mit eigenen Kennungen.")

    @property
    def changed(self) -> bool:
        return any(v for k, v in self.counts.items() if k != "unverändert")


def reference(store: Store) -> Reference:
    """The vocabularies, areas and known ids a file is judged against."""
    vocabularies = {kind: store.read_vocabulary(kind)
                    for kind in ("field", "target_group", "language", "actor_type", "level",
                                 "offer_mode")}
    areas = store.read_areas()
    municipalities = areas[areas["level"] == "gemeinde"]
    known = {
        "actors": set(store.read_actors()["actor_id"]),
        "groups": set(read_working_groups(store)["group_id"]),
    }
    locs = read_known_locations(store)
    known["locations"] = set(locs["location_id"])
    return Reference(
        vocabularies=vocabularies,
        areas=dict(zip(areas["area_code"], areas["name"], strict=True)),
        municipality_shapes=dict(zip(municipalities["area_code"], municipalities.geometry,
                                     strict=True)),
        known_ids=known,
        known_locations={r["location_id"]: r for r in locs.to_dict("records")})


def error_workbook_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}_Fehler.xlsx")


def import_file(store: Store, path: str | Path, *, accept_valid: bool = False,
                as_of: date | None = None, source: str | None = None) -> ImportResult:
    """Import an inventory workbook or CSV file (see module docstring)."""
    path = Path(path)
    raw = read.read_file(path)
    return import_raw(store, raw, accept_valid=accept_valid, as_of=as_of,
                      source=source or f"Bestandsaufnahme {path.name}, importiert "
                                       f"{date.today():%d.%m.%Y}",
                      error_path=error_workbook_path(path))


def import_frames(store: Store, frames: dict[str, pd.DataFrame], *, name: str, source: str,
                  as_of: date | None = None) -> ImportResult:
    """Import tables in the template's form (sheet name → frame with German headers).

    The demo generator uses this, so demo data pass the same validation and history as files.
    """
    raw = read.RawInput(file_name=name, content=b"", file_type="Tabellen")
    buffer = io.StringIO()
    for sheet_name, frame in frames.items():
        sheet = spec.BY_NAME[sheet_name]
        headers = {c.header: c.key for c in sheet.columns}
        positions = {headers[h]: i for i, h in enumerate(frame.columns) if h in headers}
        values = frame.astype(object).where(frame.notna(), None)
        rows = [(i + 2, tuple(r)) for i, r in enumerate(values.itertuples(index=False))]
        raw.tables[sheet.key] = read.RawTable(sheet, sheet_name, 1, positions, rows)
        buffer.write(f"[{sheet_name}]\n")
        frame.to_csv(buffer, sep=";", index=False)
    raw.content = buffer.getvalue().encode()
    return import_raw(store, raw, accept_valid=False, as_of=as_of, source=source)


def import_raw(store: Store, raw: read.RawInput, *, accept_valid: bool, as_of: date | None,
               source: str, error_path: Path | None = None) -> ImportResult:
    import hashlib

    as_of = as_of or date.today()
    digest = hashlib.sha256(raw.content).hexdigest()
    result = ImportResult(raw.file_name, raw.file_type, raw.encoding)
    result.examples = {t.sheet_name: t.examples for t in raw.tables.values() if t.examples}
    if store.already_imported(KIND, raw.content):
        result.already_imported = True
        return result
    checked = validate(raw, reference(store))
    result.problems, result.rejected = checked.problems, checked.rejected_count
    if checked.problems and error_path is not None:
        result.error_workbook = export.error_workbook(checked, error_path)
    if checked.errors and not accept_valid:
        where = f" Alle Fehler stehen in {result.error_workbook}." if result.error_workbook else ""
        raise DataValidationError(
            f"{raw.file_name}: {len(checked.errors)} Fehler in {checked.rejected_count} Zeilen; "
            f"es wurde nichts importiert.{where} Korrigieren Sie die Datei oder importieren Sie "
            "mit --accept-valid nur die fehlerfreien Zeilen.",
            [p.as_dict() for p in checked.errors])
    with store.transaction():
        result.counts = _apply(store, checked, as_of, source)
        quarantined = _quarantine(store, checked, digest, raw.file_name)
        if result.changed or quarantined:
            rows = sum(len(f) for f in checked.frames.values())
            note = f" (Kodierung {raw.encoding})" if raw.encoding else ""
            store.log_import(KIND, f"{source}{note}", raw.content, rows)
    return result


def _quarantine(store: Store, checked: Validated, digest: str, file_name: str) -> int:
    rows = []
    now = datetime.now()
    for key, rejected in checked.rejected.items():
        sheet_name = checked.tables[key].sheet_name
        for number, values, messages in rejected:
            rows.append((digest, file_name, sheet_name, number, " | ".join(messages),
                         json.dumps([None if v is None else str(v) for v in values],
                                    ensure_ascii=False), now))
    if rows:
        frame = pd.DataFrame(rows, columns=["file_hash", "file_name", "sheet", "row_number",
                                            "problems", "raw_values", "quarantined_at"])
        store.upsert("inventory_quarantine", frame, ["file_hash", "sheet", "row_number"])
    return len(rows)


def _apply(store: Store, checked: Validated, as_of: date, source: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    frames = checked.frames
    if "actors" in frames and not frames["actors"].empty:
        counts["Akteure"] = _upsert_changed(
            store, "actor", frames["actors"].drop(columns="row").assign(source=source),
            "actor_id", ["name", "actor_type", "area_code", "network_member", "volunteers"])
    if "groups" in frames and not frames["groups"].empty:
        groups = frames["groups"]
        counts["Arbeitsgruppen"] = _upsert_changed(
            store, "working_group", groups.drop(columns=["row", "members"]).assign(source=source),
            "group_id", ["name", "field", "area_code"])
        _replace_links(store, "working_group_member", "group_id", groups, "members")
    if "offers" in frames and not frames["offers"].empty:
        counts.update(_offers(store, frames["offers"], as_of, source))
    if "meetings" in frames and not frames["meetings"].empty:
        meetings = frames["meetings"].rename(columns={"date": "meeting_date"})
        counts["Treffen"] = _upsert_changed(
            store, "meeting", meetings.drop(columns=["row", "participants"]).assign(source=source),
            "meeting_id", ["meeting_date", "title", "group_id", "area_code"])
        _replace_links(store, "meeting_participant", "meeting_id", meetings, "participants")
    return counts


def _missing(value: Any) -> bool:
    if value is None or isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and \
            not isinstance(value, (float, int)) and getattr(value, "ndim", 0) > 0):
        return value is None
    return bool(pd.isna(value))


def _same(a: Any, b: Any) -> bool:
    """Equality of a stored value and an imported one (lists, missing values, dates)."""
    if hasattr(a, "tolist") and getattr(a, "ndim", 0) > 0:
        a = a.tolist()
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return list(a if a is not None else []) == list(b if b is not None else [])
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    if isinstance(a, pd.Timestamp):
        a = a.date()
    if isinstance(b, pd.Timestamp):
        b = b.date()
    return bool(a == b)


def _upsert_changed(store: Store, table: str, frame: pd.DataFrame, key: str,
                    compared: list[str]) -> int:
    """Upsert only rows that are new or differ; returns how many were written."""
    current = read_keyed_table(store, table).set_index(key)
    keep = []
    for rec in frame.to_dict("records"):
        old = current.loc[rec[key]] if rec[key] in current.index else None
        keep.append(old is None or not all(_same(old[c], rec[c]) for c in compared))
    changed = frame[keep]
    store.upsert(table, changed, [key])
    return len(changed)


def _replace_links(store: Store, table: str, key: str, frame: pd.DataFrame, column: str) -> None:
    links = frame[[key, column]].explode(column).dropna().rename(columns={column: "actor_id"})
    current = read_links(store, table, key)
    mine = current[current[key].isin(frame[key])]
    if set(map(tuple, mine.to_numpy())) == set(map(tuple, links.to_numpy())):
        return
    for value in frame[key]:
        delete_links(store, table, key, value)
    store.write(table, links.drop_duplicates())


def _offers(store: Store, offers: pd.DataFrame, as_of: date, source: str) -> dict[str, int]:
    latest = read_latest_offer_versions(store)
    new_rows, counts = [], {"Angebote neu": 0, "Angebote geändert": 0, "Angebote beendet": 0,
                            "unverändert": 0}
    for rec in offers.to_dict("records"):
        row = {c: rec[c] for c in COMPARED} | {"offer_id": rec["offer_id"], "source": source,
                                               "valid_to": rec["end"]}
        old = latest.loc[rec["offer_id"]] if rec["offer_id"] in latest.index else None
        if old is None:
            new_rows.append(row | {"valid_from": rec["start"]})
            counts["Angebote neu"] += 1
            continue
        old_from = pd.Timestamp(old["valid_from"]).date()
        old_to = None if pd.isna(old["valid_to"]) else pd.Timestamp(old["valid_to"]).date()
        same = all(_same(old[c], rec[c]) for c in COMPARED)
        if same and _same(old_to, rec["end"]):
            counts["unverändert"] += 1
            continue
        if same:  # only the end date changed: the offer ends (or runs longer)
            set_offer_end(store, rec["offer_id"], old_from, rec["end"])
            counts["Angebote beendet" if rec["end"] else "Angebote geändert"] += 1
            continue
        counts["Angebote geändert"] += 1
        running = old_to is None or old_to >= as_of
        if old_from < as_of and running:
            set_offer_end(store, rec["offer_id"], old_from, as_of - timedelta(days=1))
            start = as_of
        else:  # a correction of a version that has not started yet (or is already over)
            delete_offer_version(store, rec["offer_id"], old_from)
            start = old_from
        if rec["end"] is not None and rec["end"] < start:
            row["valid_to"] = start
        new_rows.append(row | {"valid_from": start})
    if new_rows:
        frame = pd.DataFrame(new_rows)
        frame["capacity"] = frame["capacity"].astype("Int64")
        store.write("offer", frame)
    return counts
