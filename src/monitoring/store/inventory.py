"""Reads and writes of the offer inventory and the network: offers and their versions, actors,
working groups, meetings and their participants, ESF projects.

Writing functions must be called inside `Store.transaction` (they join it; none opens its own).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from monitoring.errors import StoreError

if TYPE_CHECKING:
    from monitoring.store.database import Store

KEYED_TABLES = {"actor": "actor_id", "working_group": "group_id", "meeting": "meeting_id"}
"""Inventory tables with one row per key (table → key column)."""
LINK_TABLES = {"working_group_member": "group_id", "meeting_participant": "meeting_id"}
"""Tables that link a group or meeting to actors (table → key column; the other is actor_id)."""


def _checked(table: str, allowed: dict[str, str], key: str | None = None) -> None:
    if table not in allowed or (key is not None and allowed[table] != key):
        raise StoreError(f"Die Tabelle „{table}“ gehört nicht zu den Tabellen der "
                         f"Bestandsaufnahme ({', '.join(allowed)}).")


def read_keyed_table(store: Store, table: str) -> pd.DataFrame:
    """All rows of one keyed inventory table (`KEYED_TABLES`: actor, working_group, meeting)."""
    _checked(table, KEYED_TABLES)
    return store.query(f'SELECT * FROM "{table}"')


def read_working_groups(store: Store) -> pd.DataFrame:
    """Every working group of the network."""
    return read_keyed_table(store, "working_group")


def read_meetings(store: Store) -> pd.DataFrame:
    """Every network meeting."""
    return read_keyed_table(store, "meeting")


def read_meeting_participants(store: Store) -> pd.DataFrame:
    """Who took part in which meeting (meeting_id, actor_id)."""
    return store.query("SELECT * FROM meeting_participant")


def read_links(store: Store, table: str, key: str) -> pd.DataFrame:
    """(key, actor_id) of a link table (`LINK_TABLES`), e.g. the members of working groups."""
    _checked(table, LINK_TABLES, key)
    return store.query(f'SELECT "{key}", actor_id FROM "{table}"')


def delete_links(store: Store, table: str, key: str, value: str) -> None:
    """Remove the links of one group or meeting (`value` of `key`); inside a transaction."""
    _checked(table, LINK_TABLES, key)
    store.execute(f'DELETE FROM "{table}" WHERE "{key}" = ?', [value])


def read_offer_versions(store: Store, *, code_prefix: str) -> pd.DataFrame:
    """Every version (current, ended, past) of the offers whose area code starts with
    `code_prefix` (e.g. a Kreis's five digits: its Gemeinden and the Kreis itself)."""
    return store.query("SELECT * FROM offer WHERE starts_with(area_code, ?)", [code_prefix])


def read_latest_offer_versions(store: Store) -> pd.DataFrame:
    """The newest version of every offer (by start date), indexed by offer_id."""
    return store.query(
        "SELECT * FROM offer WHERE (offer_id, valid_from) IN "
        "(SELECT (offer_id, max(valid_from)) FROM offer GROUP BY offer_id)").set_index("offer_id")


def set_offer_end(store: Store, offer_id: str, valid_from: date, valid_to: date | None) -> None:
    """End (or with None reopen) the version of `offer_id` starting `valid_from`; inside a
    transaction."""
    store.execute("UPDATE offer SET valid_to = ? WHERE offer_id = ? AND valid_from = ?",
                  [valid_to, offer_id, valid_from])


def delete_offer_version(store: Store, offer_id: str, valid_from: date) -> None:
    """Remove the version of `offer_id` starting `valid_from`; inside a transaction."""
    store.execute("DELETE FROM offer WHERE offer_id = ? AND valid_from = ?",
                  [offer_id, valid_from])


def read_known_locations(store: Store) -> pd.DataFrame:
    """Every site named by an offer, as its newest version gives it (location_id, area_code,
    x, y, address)."""
    return store.query("SELECT DISTINCT ON (location_id) location_id, area_code, x, y, address "
                       "FROM offer WHERE location_id IS NOT NULL "
                       "ORDER BY location_id, valid_from DESC")


def read_esf_projects(store: Store, area_code: str) -> pd.DataFrame:
    """The ESF projects of one area, oldest start first."""
    return store.query("SELECT * FROM esf_project WHERE area_code = ? ORDER BY start_date",
                       [area_code])
