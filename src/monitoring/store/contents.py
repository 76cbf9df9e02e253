"""What a store holds, in numbers and lists: row counts, the quarters with figures,
vocabulary versions, the named series (and adding missing ones) and the indicator values the
series produce."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pandas as pd

from monitoring.errors import StoreError
from monitoring.store import panel_sql

if TYPE_CHECKING:
    from monitoring.store.database import Store

COUNTED_TABLES = ("area", "actor", "offer", "series_value", "target", "observation")
"""Tables whose rows `count_rows` counts (for `monitoring info`)."""


def count_rows(store: Store, table: str) -> int:
    """How many rows one of `COUNTED_TABLES` has."""
    if table not in COUNTED_TABLES:
        raise StoreError(f"Die Tabelle „{table}“ wird nicht gezählt; möglich: "
                         f"{', '.join(COUNTED_TABLES)}.")
    return int(store.query(f'SELECT count(*) AS n FROM "{table}"')["n"].iloc[0])


def read_series_periods(store: Store, series_ids: Iterable[str] | None = None) -> list[str]:
    """Quarters for which series values exist (of `series_ids`, or of any series), oldest
    first."""
    if series_ids is None:
        frame = store.query("SELECT DISTINCT period FROM series_value")
    else:
        frame = store.query("SELECT DISTINCT period FROM series_value "
                            "WHERE list_contains(?, series_id)", [list(series_ids)])
    return sorted(frame["period"].astype(str))


def read_vocabulary_versions(store: Store) -> dict[str, int]:
    """The newest version of every vocabulary (kind → version)."""
    frame = store.query("SELECT kind, max(version) v FROM vocabulary GROUP BY 1")
    return {k: int(v) for k, v in frame.itertuples(index=False)}


def read_series_units(store: Store) -> dict[str, str]:
    """The unit of every named series (series_id → unit)."""
    known = store.query("SELECT series_id, unit FROM series")
    return dict(zip(known["series_id"], known["unit"], strict=True))


def read_series_ids(store: Store) -> set[str]:
    """The ids of the named series the store knows."""
    return set(store.query("SELECT series_id FROM series")["series_id"])


def count_computed_values(store: Store) -> int:
    """How many indicator values the series in `store` produce.

    Nothing is written: indicator values are computed from the series whenever they are read
    (`Store.read_observations`), so an import is visible at once. Used for the import message
    and `monitoring info`.
    """
    return int(store.query(
        f"SELECT count(*) AS n FROM ({panel_sql.indicator_values_sql()})").iloc[0, 0])



def write_missing_series(store: Store, series_ids: Iterable[str], *, source: str,
                         units: Mapping[str, str] | None = None) -> None:
    """Add the series of `series_ids` the store does not know yet, named by their id, with
    their unit from `units` (the unit the file or the mapping gives; „Anzahl“ where none is
    given); inside `Store.transaction`."""
    known = read_series_ids(store)
    new = [s for s in series_ids if s not in known]
    if new:
        given = units or {}
        store.write("series", pd.DataFrame({
            "series_id": new, "name_de": new,
            "unit": [given.get(s) or "Anzahl" for s in new], "source": source}))


def read_value_series_ids(store: Store) -> list[str]:
    """The series that have values in the store (``series_value``), sorted."""
    return sorted(store.query("SELECT DISTINCT series_id FROM series_value")["series_id"])
