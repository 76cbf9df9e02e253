"""A small DuckDB file of named DataFrames plus text metadata (the quarter snapshot's format).

A quarterly run computes the state-wide results once (`monitoring.views.snapshot`) and hands
them to every district report as one file in the run's staging folder. DuckDB is the format
because it is already the store's engine (no new dependency: pyarrow for Parquet is not
installed), one file holds every table and the metadata, columns are typed, and a reader pulls
a 25,000-row table in milliseconds.

Frames come back equal to what was written (`pandas.testing.assert_frame_equal`): the index is
stored as a column, every column's dtype is recorded and restored, and the missing values of an
object column (NaN or None – DuckDB knows only NULL) are restored as they were, from a hidden
marker column. An object column holding values other than text and missing ones is refused.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from monitoring.errors import StoreError

_META = "frame_file_meta"
_INDEX = "__index__"
_NONE = "__none__"  # per object column: True where the value was None (not NaN)


def _none_mask(column: pd.Series, name: str) -> pd.Series:
    """Where an object column (text or missing) holds None rather than NaN."""
    present = column[column.notna()]
    if not present.map(lambda v: isinstance(v, str)).all():
        raise StoreError(f"Die Spalte `{name}` enthält Werte, die kein Text sind; sie kann nicht "
                         "in die Datei geschrieben werden.")
    return column.map(lambda v: v is None).astype(bool)


def write_frames(path: str | os.PathLike[str], meta: dict[str, str],
                 frames: dict[str, pd.DataFrame]) -> Path:
    """Write `frames` (table name → frame) and `meta` into a new DuckDB file at `path`.

    The file is written beside `path` first and renamed into place, so a reader never sees a
    half-written file. Returns `path`.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    layout: dict[str, object] = {}
    try:
        con = duckdb.connect(str(tmp))
        try:
            for name, frame in frames.items():
                if not name.isidentifier() or name == _META:
                    raise StoreError(f"Ungültiger Tabellenname „{name}“.")
                if _INDEX in frame.columns:
                    raise StoreError(f"Die Tabelle „{name}“ hat eine Spalte `{_INDEX}`.")
                columns = {str(c): str(frame[c].dtype) for c in frame.columns}
                layout[name] = {"columns": columns, "index": str(frame.index.dtype),
                                "index_name": frame.index.name,
                                "range": isinstance(frame.index, pd.RangeIndex)}
                data = frame.rename_axis(_INDEX).reset_index()
                data.columns = [str(c) for c in data.columns]
                for column in [str(c) for c in frame.columns if frame[c].dtype == object]:
                    data[_NONE + column] = _none_mask(data[column], column).to_numpy()
                con.register("frame_to_write", data)
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM frame_to_write')
                con.unregister("frame_to_write")
            con.execute(f"CREATE TABLE {_META} (key VARCHAR PRIMARY KEY, value VARCHAR)")
            rows = [*meta.items(), ("__layout__", json.dumps(layout))]
            con.executemany(f"INSERT INTO {_META} VALUES (?, ?)", rows)
        finally:
            con.close()
        os.replace(tmp, target)
    except duckdb.Error as err:  # the environment (full disk, no rights): an OSError for callers
        text = str(err).lower()
        full = any(k in text for k in ("no space left", "file too large", "disk quota"))
        raise OSError(errno.ENOSPC if full else errno.EIO, str(err), str(target)) from err
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    return target


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.is_file():
        raise StoreError(f"Die Datei {path} wurde nicht gefunden.")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:
        raise StoreError(f"Die Datei {path} kann nicht gelesen werden.", detail=str(err)) from err


def read_meta(path: str | os.PathLike[str]) -> dict[str, str]:
    """The metadata of the file at `path` (without reading its tables)."""
    con = _open(Path(path))
    try:
        rows = con.execute(f"SELECT key, value FROM {_META}").fetchall()
    except duckdb.Error as err:
        raise StoreError(f"Die Datei {path} ist keine Snapshot-Datei.", detail=str(err)) from err
    finally:
        con.close()
    return {k: v for k, v in rows if k != "__layout__"}


def read_frames(path: str | os.PathLike[str]) -> tuple[dict[str, str], dict[str, pd.DataFrame]]:
    """(metadata, frames) of the file at `path`, the frames as they were written."""
    con = _open(Path(path))
    try:
        rows = dict(con.execute(f"SELECT key, value FROM {_META}").fetchall())
        layout = json.loads(rows.pop("__layout__"))
        frames = {name: _restore(con.execute(f'SELECT * FROM "{name}"').df(), spec)
                  for name, spec in layout.items()}
    except (duckdb.Error, KeyError, ValueError) as err:
        raise StoreError(f"Die Datei {path} ist keine lesbare Snapshot-Datei.",
                         detail=str(err)) from err
    finally:
        con.close()
    return rows, frames


def _restore(data: pd.DataFrame, spec: dict[str, object]) -> pd.DataFrame:
    """The frame as written: index from its column, dtypes and missing values restored."""
    values = data.pop(_INDEX).to_numpy()
    name = spec["index_name"]
    if spec.get("range"):  # a RangeIndex stays one (start, stop, step from the values)
        step = int(values[1] - values[0]) if len(values) > 1 else 1
        start = int(values[0]) if len(values) else 0
        data.index = pd.RangeIndex(start, start + step * len(values), step, name=name)
    else:
        data.index = pd.Index(values, dtype=str(spec["index"]), name=name)
    columns: dict[str, str] = spec["columns"]  # type: ignore[assignment]
    for column_name, dtype in columns.items():
        column = data[column_name]
        if dtype == "object":
            values = column.astype(object).to_numpy(copy=True)
            values[pd.isna(column).to_numpy()] = np.nan
            values[data.pop(_NONE + column_name).to_numpy(dtype=bool)] = None
            data[column_name] = pd.Series(values, index=data.index, dtype=object)
        elif str(column.dtype) != dtype:
            data[column_name] = column.astype(dtype)
    return data[list(columns)]
