"""Reads and writes of area versions (table ``area``) and area changes (``area_change``).

The SQL that the boundary import, the reference geography, the import of area changes and the
report context need, as named functions of the store. Writing functions must be called inside
`Store.transaction` (they join it; none opens its own).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from monitoring.core.areas import Scope, scope_from_codes
from monitoring.vocab import NATIONAL_SCOPE, PACKAGED_CHANGES_SOURCE

if TYPE_CHECKING:
    from monitoring.store.database import Store

CHANGE_COLUMNS = "old_code, new_code, effective, kind, share, note, source"


def read_area_hierarchy(store: Store) -> pd.DataFrame:
    """Every version of every area (area_code, parent_code, valid_from): which Kreis an area
    lay in at any time, for counting old keys where they belong."""
    return store.query("SELECT area_code, parent_code, valid_from FROM area")


def read_area_sources(store: Store) -> list[str]:
    """The sources of today's areas (boundary files, the packaged geography), sorted."""
    frame = store.query("SELECT DISTINCT source FROM area WHERE valid_to IS NULL "
                        "AND source IS NOT NULL ORDER BY source")
    return [str(s) for s in frame["source"]]


def read_area_versions(store: Store, *, level: str | None = None) -> pd.DataFrame:
    """The validity of every area version (area_code, level, valid_from, valid_to,
    end_reason), of one `level` or all, ordered by code and start."""
    where, params = ("WHERE level = ? ", [level]) if level is not None else ("", [])
    return store.query("SELECT area_code, level, valid_from, valid_to, end_reason FROM area "
                       f"{where}ORDER BY area_code, valid_from", params)


def read_ended_versions(store: Store) -> pd.DataFrame:
    """Area versions that have an end (area_code, valid_from, valid_to, end_reason)."""
    return store.query("SELECT area_code, valid_from, valid_to, end_reason FROM area "
                       "WHERE valid_to IS NOT NULL")


def read_current_started_before(store: Store, *, level: str, before: date) -> pd.DataFrame:
    """Current versions of `level` that started before `before` (area_code, name,
    valid_from), ordered by code."""
    return store.query("SELECT area_code, name, valid_from FROM area WHERE level = ? "
                       "AND valid_to IS NULL AND valid_from < ? ORDER BY area_code",
                       [level, before])


def end_area_version(store: Store, area_code: str, valid_from: date, *, valid_to: date | None,
                     end_reason: str | None) -> None:
    """Set the end (or, with None, reopen) the version of `area_code` starting `valid_from`.

    Inside `Store.transaction`.
    """
    store.execute("UPDATE area SET valid_to = ?, end_reason = ? WHERE area_code = ? "
                  "AND valid_from = ?", [valid_to, end_reason, area_code, valid_from])


def read_successor(store: Store, old_code: str) -> pd.DataFrame:
    """The changes that took `old_code` into another area: new_code, effective and the new
    area's current name (None when its boundaries are not loaded)."""
    return store.query(
        "SELECT c.new_code, c.effective, a.name FROM area_change c LEFT JOIN area a "
        "ON a.area_code = c.new_code AND a.valid_to IS NULL WHERE c.old_code = ?", [old_code])


def read_changes_except(store: Store, source: str | None) -> pd.DataFrame:
    """The area changes whose source is not `source` (all of them for None): old_code,
    new_code, effective, kind, share, note, source."""
    return store.query(f"SELECT {CHANGE_COLUMNS} FROM area_change "
                       "WHERE source IS DISTINCT FROM ?", [source])


def read_change_keys_from(store: Store, source: str) -> pd.DataFrame:
    """The keys (old_code, new_code, effective) of the area changes from `source`."""
    return store.query("SELECT old_code, new_code, effective FROM area_change WHERE source = ?",
                       [source])


def count_changes_from(store: Store, source: str) -> int:
    """How many area changes the store holds from `source` (a file name or the package)."""
    return int(store.query("SELECT count(*) AS n FROM area_change WHERE source = ?",
                           [source])["n"].iloc[0])


def delete_changes_from(store: Store, source: str) -> None:
    """Remove the area changes from `source`; inside `Store.transaction`."""
    store.execute("DELETE FROM area_change WHERE source = ?", [source])


def count_area_changes(store: Store) -> dict[str, int]:
    """Area changes in the store: packaged ones and those from users' files."""
    frame = store.query("SELECT source IS NOT DISTINCT FROM ? AS packaged, count(*) AS n "
                        "FROM area_change GROUP BY 1", [PACKAGED_CHANGES_SOURCE])
    counts = {bool(p): int(n) for p, n in frame.itertuples(index=False)}
    return {"packaged": counts.get(True, 0), "own": counts.get(False, 0)}


def read_codes_with_data(store: Store) -> frozenset[str]:
    """Every area code that series values (population among them) or entered indicator values
    use."""
    codes = store.query("SELECT area_code FROM series_value UNION SELECT area_code FROM "
                        "observation")
    return frozenset(codes["area_code"].astype(str))


SCOPE_LAND_KEY, SCOPE_KREIS_KEY = "scope_land", "scope_kreis"
"""Meta keys of the store's scope (`monitoring.core.areas.Scope`); the Land is
`monitoring.vocab.NATIONAL_SCOPE` for a national store."""


def read_scope(store: Store) -> Scope:
    """The store's scope from its meta; a store made before scopes were stored gets the one
    `scope_from_codes` derives from the areas it holds (`write_scope` keeps it)."""
    meta = store.meta()
    land = meta.get(SCOPE_LAND_KEY)
    if land:
        return Scope(None if land == NATIONAL_SCOPE else land, meta.get(SCOPE_KREIS_KEY) or None)
    codes = store.query("SELECT DISTINCT area_code, level FROM area "
                        "WHERE level IN ('land', 'kreis')")
    return scope_from_codes(codes.loc[codes["level"] == "kreis", "area_code"],
                            has_land_16=bool(((codes["area_code"] == "16")
                                              & (codes["level"] == "land")).any()))


def write_scope(store: Store, scope: Scope) -> None:
    """Keep `scope` in the store's meta (inside a transaction)."""
    store.set_meta(**{SCOPE_LAND_KEY: scope.land or NATIONAL_SCOPE,
                      SCOPE_KREIS_KEY: scope.kreis or ""})
