"""Importing the indicator catalogue: the shipped one plus a user's own indicators."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd

from monitoring.core import catalogue
from monitoring.io.imports import packaged_text, read_utf8
from monitoring.store.database import Store


def catalogue_frame(store: Store, user_file: str | os.PathLike[str] | None = None,
                    ) -> pd.DataFrame:
    """The shipped catalogue plus the user's own indicators (checked)."""
    fields = set(store.read_vocabulary("field"))
    shipped = catalogue.parse_catalogue(packaged_text("indicators.csv"), "indicators.csv",
                                        known_fields=fields)
    if user_file is None:
        return shipped
    path = Path(user_file)
    own = catalogue.parse_catalogue(read_utf8(path), path.name,
                                    known_fields=fields,
                                    reserved=set(shipped["indicator_id"]))
    return pd.concat([shipped, own], ignore_index=True)


def load_catalogue(store: Store, user_file: str | os.PathLike[str] | None = None) -> int:
    """Write the catalogue (and the named series of the GENESIS mapping) into the store.

    A user's file is logged once: importing the same file again changes nothing."""
    frame = catalogue_frame(store, user_file)
    series = pd.read_csv(io.StringIO(packaged_text("series.csv")), sep=";", dtype=str,
                         keep_default_na=False)
    series = series[["series_id", "name_de", "unit", "source"]].drop_duplicates("series_id")
    with store.transaction():
        store.upsert("indicator", frame[catalogue.STORE_COLUMNS], ["indicator_id"])
        store.upsert("series", series, ["series_id"])
        if user_file is not None and not store.already_imported(
                "indikatorkatalog", Path(user_file).read_bytes()):
            store.log_import("indikatorkatalog", Path(user_file).name,
                             Path(user_file).read_bytes(), len(frame))
    return len(frame)
