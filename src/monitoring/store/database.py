"""The DuckDB store: the only module that imports `duckdb`.

A store is one file on disk. It owns the schema (through `monitoring.store.schema`), transactions,
reads and writes. Notebooks and report runs open it read-only, so several reports can read it at
once; imports and the demo builder open it for writing, always inside `Store.transaction`.
"""

from __future__ import annotations

import errno
import functools
import getpass
import hashlib
import os
import shutil
import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb

from monitoring.errors import StoreError, StoreWriteFault
from monitoring.store import schema
from monitoring.vocab import DEFAULT_VOCABULARIES, STORE_CRS

# pandas, the area and stand rules and the panel SQL are imported where they are used:
# commands that only list or count (`monitoring areas`, `info`) start without them
# (pandas alone is ≈ 0.3–0.5 s of a 0.6 s command; `benchmarks/bench_areas.py`).
if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

ENV_VAR = "MONITORING_STORE"
DEFAULT_PATH = Path("data") / "monitoring.duckdb"


_Read = TypeVar("_Read", bound=Callable[..., Any])


def resolve_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The store path: the argument, else ``$MONITORING_STORE``, else ``data/monitoring.duckdb``."""
    if path not in (None, ""):
        return Path(path).expanduser()
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else DEFAULT_PATH


_HEADER_BYTES = 3 * 4096  # DuckDB's file header and its two database headers


def file_hash(content: bytes) -> str:
    """The hash by which the import log knows a file (SHA-256, hex)."""
    return hashlib.sha256(content).hexdigest()


def _remembered(method: _Read) -> _Read:
    """On a read-only store, compute a derived read once per distinct argument list and give
    every caller its own copy (as `Store.query` does for the SQL under it): a district report
    asks for today's areas and the carried-forward population in several sections, and
    decoding the geometry or carrying values forward again would cost more than the copy."""
    @functools.wraps(method)
    def remembered(self: Store, *args: Any, **kwargs: Any) -> Any:
        if not self.read_only:
            return method(self, *args, **kwargs)
        key = (method.__name__, repr((args, sorted(kwargs.items()))))
        if key not in self._answers:
            self._answers[key] = method(self, *args, **kwargs)
        return self._answers[key].copy()
    return remembered  # type: ignore[return-value]


def _damaged(path: Path, detail: str) -> StoreError:
    return StoreError(
        f"Die Datenbankdatei {path} ist beschädigt: sie ist unvollständig (z. B. abgeschnitten "
        "beim Kopieren oder bei vollem Datenträger) und kann nicht gelesen werden. Stellen Sie "
        "die letzte Sicherung der Datei wieder her oder legen Sie die Datenbank mit "
        "`monitoring neu` neu an und importieren Sie Ihre Dateien erneut.", detail=detail)


def _read_only_file(path: Path) -> OSError | None:
    """The OS error that stops writing to `path` (no write permission, a read-only or immutable
    file or file system), None when it can be opened for writing."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError as err:
        if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return err
        return None
    os.close(fd)
    return None


def _check_complete(path: Path) -> None:
    """Refuse a store file cut off inside a block (truncated by an interrupted copy or a full
    disk): DuckDB reads blocks only when a query needs them, so it would fail in the middle of
    a command. A complete file is the 12 KiB of headers plus whole blocks; the block size is
    in the database headers (at 4 KiB and 8 KiB: checksum, iteration, meta block, free list,
    block count, block size – DuckDB's storage format since 0.10). A file cut exactly at a
    block boundary passes here and is named damaged when a query reaches the missing block
    (`Store.query`). A header that does not look like one is not judged."""
    if not path.is_file():
        return
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEADER_BYTES)
    except OSError:
        return
    if len(head) < _HEADER_BYTES:
        return  # DuckDB has refused such a file already
    headers = [struct.unpack_from("<QQqqQQ", head, offset) for offset in (4096, 8192)]
    block_size = max(headers, key=lambda h: h[1])[5]
    if not (16384 <= block_size <= 1 << 30 and block_size & (block_size - 1) == 0):
        return
    size = path.stat().st_size
    if (size - _HEADER_BYTES) % block_size:
        raise _damaged(path, f"file has {size} bytes: not 12 KiB of headers plus whole "
                             f"blocks of {block_size} bytes")


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        # no extension is ever fetched from the internet: a SQLite file given as the store
        # made DuckDB try to download its sqlite scanner (seconds offline) before refusing it
        con = duckdb.connect(str(path), read_only=read_only,
                             config={"autoinstall_known_extensions": False})
    except duckdb.Error as err:
        text = str(err)
        denied = None if read_only or not path.exists() else _read_only_file(path)
        if denied is not None:
            raise StoreError(
                f"Die Datenbankdatei {path} ist schreibgeschützt: dieser Befehl muss in sie "
                f"schreiben ({denied.strerror}). Lesende Befehle (`monitoring info`, `run`) "
                "funktionieren weiter. Zum Importieren geben Sie Ihrem Benutzer Schreibrechte "
                "auf die Datei und ihren Ordner (z. B. `chmod u+w` bzw. Eigenschaften → "
                "Sicherheit) oder arbeiten Sie mit einer beschreibbaren Kopie (--store).",
                detail=text,
            ) from err
        if "could not read enough bytes" in text.lower():
            raise _damaged(path, text) from err
        if "lock" in text.lower():
            raise StoreError(
                f"Die Datenbank {path} wird gerade von einem anderen Programm geschrieben "
                "(z. B. einem laufenden Import). Warten Sie, bis es fertig ist, und versuchen "
                "Sie es dann erneut.",
                detail=text,
            ) from err
        raise StoreError(
            f"Die Datei {path} ist keine lesbare Integrationsmonitor-Datenbank (beschädigt oder "
            "ein anderes Dateiformat). Stellen Sie eine Sicherung wieder her oder legen Sie die "
            "Datenbank neu an (`monitoring demo` für Demodaten).",
            detail=text,
        ) from err
    try:
        _check_complete(path)
    except BaseException:
        con.close()
        raise
    return con


class Store:
    """An open store. Use `open_store` to get one; close it or use it as a context manager."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only
        self._depth = 0
        self._changed = False
        # copy-on-write (see `open_store`): the copy written, the original, and a read-only
        # connection to the original that keeps other writers out while we work
        self._copy: tuple[Path, duckdb.DuckDBPyConnection] | None = None
        self._import_lock: int | None = None  # copy-on-write: `_import_lock` of the file
        # read-only: the answers of this connection, which cannot change while it is open
        # (DuckDB lets no process write a file that is open read-only)
        self._answers: dict[tuple[str, str], Any] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        if self._copy is None:
            self._con.close()
        else:
            self._finish_copy(keep=True)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self._copy is None:
            self.close()
            return
        self._finish_copy(keep=exc is None)
        if isinstance(exc, duckdb.Error | OSError) and not isinstance(exc, StoreError):
            raise _write_failed(self.path, exc) from exc

    def _finish_copy(self, *, keep: bool) -> None:
        """Copy-on-write: replace the original by the copy when a transaction committed and
        the copy reached the disk completely; otherwise remove the copy. The original is only
        ever replaced in one rename, so a failure leaves it byte for byte as it was."""
        assert self._copy is not None
        copy, guard = self._copy
        self._copy = None
        try:
            if keep and self._changed:
                self._con.execute("CHECKPOINT")
                self._con.close()
                _fsync(copy)
                guard.close()
                os.replace(copy, self.path)
        except (duckdb.Error, OSError) as err:
            raise _write_failed(self.path, err) from err
        finally:
            for con in (self._con, guard):
                with suppress(duckdb.Error):
                    con.close()
            for leftover in (copy, copy.with_name(copy.name + ".wal")):
                leftover.unlink(missing_ok=True)
            _release(self._import_lock)
            self._import_lock = None

    @property
    def schema_version(self) -> int:
        if not self.read_only:
            return _schema_version(self._con)
        key = ("schema_version", "")
        if key not in self._answers:
            self._answers[key] = _schema_version(self._con)
        return int(self._answers[key])

    # -- transactions and raw SQL ------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """All writes inside happen together or not at all (nested calls join the outer one)."""
        self._require_writable()
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield self
        except BaseException:
            with suppress(duckdb.Error):  # invalidated by a full disk: report the first error
                self._con.execute("ROLLBACK")
            raise
        else:
            self._con.execute("COMMIT")
            self._changed = True
        finally:
            self._depth = 0

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a read query and return a DataFrame.

        On a read-only store each distinct query runs once and every caller gets its own copy
        of the answer: a district report asks for the same tables (indicators, areas,
        population …) in many views, and the data cannot change while the store is open."""
        key = (sql, repr(params)) if self.read_only else None
        if key is not None and key in self._answers:
            return self._answers[key].copy()
        try:
            frame = self._con.execute(sql, params or []).df()
        except duckdb.IOException as err:  # a block missing despite the check at opening
            if "could not read enough bytes" in str(err).lower():
                raise _damaged(self.path, str(err)) from err
            raise
        if key is not None:
            self._answers[key] = frame.copy()
        return frame

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> None:
        """Run a writing statement; must be inside `transaction`."""
        self._require_transaction()
        self._con.execute(sql, params or [])

    def write(self, table: str, frame: pd.DataFrame) -> int:
        """Append the rows of `frame` to `table` (columns by name); returns the row count."""
        self._require_transaction()
        if frame.empty:
            return 0
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        view = f"_incoming_{table}"
        self._con.register(view, frame)
        try:
            self._con.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{view}"')
        finally:
            self._con.unregister(view)
        return len(frame)

    def upsert(self, table: str, frame: pd.DataFrame, keys: Sequence[str]) -> int:
        """Replace rows of `table` that share `keys` with a row of `frame`, then append `frame`.

        Loading the same rows twice therefore leaves the table unchanged.
        """
        self._require_transaction()
        if frame.empty:
            return 0
        view = f"_keys_{table}"
        self._con.register(view, frame[list(keys)].drop_duplicates())
        try:
            match = " AND ".join(f't."{k}" = k."{k}"' for k in keys)
            self._con.execute(f'DELETE FROM "{table}" t USING "{view}" k WHERE {match}')
        finally:
            self._con.unregister(view)
        return self.write(table, frame)

    def _require_writable(self) -> None:
        if self.read_only:
            raise StoreError(
                f"Die Datenbank {self.path} ist nur zum Lesen geöffnet; Änderungen sind hier "
                "nicht möglich. Öffnen Sie sie mit `read_only=False`."
            )

    def _require_transaction(self) -> None:
        self._require_writable()
        if not self._depth:
            raise StoreError(
                "Schreibzugriffe sind nur innerhalb von `store.transaction()` erlaubt, damit ein "
                "Fehler nichts halb Geschriebenes hinterlässt."
            )

    # -- metadata and provenance -------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        rows = self._con.execute("SELECT key, value FROM meta").fetchall()
        return dict(rows)

    def set_meta(self, **values: str) -> None:
        for key, value in values.items():
            self.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, str(value)]
            )

    @property
    def is_demo(self) -> bool:
        """True when the store holds the fictitious demo data."""
        return self.meta().get("is_demo") == "1"

    def log_import(self, kind: str, source: str, content: bytes, row_count: int,
                   *, at: datetime | None = None, digest: str | None = None) -> str:
        """Record an import (who, when, which file by hash); returns the file hash.
        `digest`: the file's `file_hash`, when the caller has it already (a large file is
        hashed once)."""
        digest = digest or file_hash(content)
        next_id = self._con.execute(
            "SELECT coalesce(max(import_id), 0) + 1 FROM import_log").fetchone()[0]  # type: ignore[index]  # an aggregate always returns a row
        self.execute(
            "INSERT INTO import_log VALUES (?, ?, ?, ?, ?, ?, ?)",
            [next_id, kind, source, digest, row_count, at or datetime.now(), _user()],
        )
        return digest

    def snapshot_id(self) -> str:
        """A short id of the data state: changes whenever any import changes the store."""
        key = ("snapshot_id", "")
        if key in self._answers:
            return str(self._answers[key])
        rows = self._con.execute(
            "SELECT kind, file_hash, row_count FROM import_log ORDER BY import_id").fetchall()
        text = "|".join(f"{k}:{h}:{n}" for k, h, n in rows)
        found = hashlib.sha256(text.encode()).hexdigest()[:12]
        if self.read_only:
            self._answers[key] = found
        return found

    def sources(self) -> list[str]:
        """Every distinct data source named in the store (for the sources line of reports)."""
        sql = " UNION ".join(
            f"SELECT DISTINCT source FROM {t}"
            for t in ("area", "actor", "offer", "observation", "series_value")
        )
        return sorted(r[0] for r in self._con.execute(sql).fetchall())

    # -- domain reads ------------------------------------------------------------------------
    @_remembered
    def read_areas(self, *, level: str | None = None, on: date | None = None,
                   codes: Sequence[str] | None = None) -> gpd.GeoDataFrame:
        """Areas as a GeoDataFrame in EPSG:25832; current areas unless a date `on` is given."""
        import geopandas as gpd
        import shapely

        where, params = _validity_clause(on)
        if level:
            where.append("level = ?")
            params.append(level)
        if codes is not None:
            where.append("list_contains(?, area_code)")
            params.append(list(codes))
        frame = self.query(
            "SELECT area_code, name, level, kind, parent_code, valid_from, valid_to, geometry, "
            f"source FROM area WHERE {' AND '.join(where)} ORDER BY area_code",
            params,
        )
        geometry = shapely.from_wkb([None if g is None else bytes(g)
                                     for g in frame.pop("geometry")])
        return gpd.GeoDataFrame(frame, geometry=geometry, crs=STORE_CRS)

    def iter_area_names(self, *, level: str | None = None,
                        batch: int = 2048) -> Iterator[tuple[str, str, str]]:
        """(area_code, name, kind) of the current areas, ordered by code, in batches of
        `batch` rows: no geometry is read and no frame is built, so a national list of
        11,000 Gemeinden starts at once and needs little memory (`monitoring areas`)."""
        where, params = _validity_clause(None)
        if level:
            where.append("level = ?")
            params.append(level)
        cursor = self._con.cursor()
        try:
            cursor.execute("SELECT area_code, name, coalesce(kind, '') FROM area "
                           f"WHERE {' AND '.join(where)} ORDER BY area_code", params)
            while rows := cursor.fetchmany(batch):
                yield from rows
        finally:
            cursor.close()

    def read_area_changes(self) -> pd.DataFrame:
        return self.query("SELECT * FROM area_change ORDER BY effective, old_code")

    def settle_area_versions(self) -> pd.DataFrame:
        """End (or reopen) area versions so that they agree with the area changes held.

        Every writer of areas or area changes calls this inside its transaction: a version
        of an area that wholly went into another on date D ends on D − 1, and an ending whose
        change has gone is undone (rules: `monitoring.core.areas.apply_change_endings`). Returns
        the versions whose end changed: area_code, name, level, valid_from, valid_to_before,
        valid_to, end_reason (empty when nothing changed).
        """
        self._require_transaction()
        return _settle_area_versions(self._con)

    @_remembered
    def read_population(self, *, population_group: str | None = None,
                        periods: Sequence[str] | None = None) -> pd.DataFrame:
        """Population and target groups per area: the series of the ``population_group``
        vocabulary (bevoelkerung, auslaender, schutzsuchende …) in ``series_value``.

        With `periods`, one row per requested period, area and group with the value that serves
        it: its own or the latest earlier one (carried forward, `monitoring.core.stand`; not
        into quarters after the area ceased to exist). Without, every stored value. Columns:
        area_code, period, population_group, value, flag, source, value_period (the quarter
        the value is from), reference_date (its Stichtag, the end of that quarter).
        """
        import pandas as pd

        from monitoring.core import stand

        groups = [population_group] if population_group else list(
            self.read_vocabulary("population_group"))
        where = ["list_contains(?, series_id)"]
        params: list[object] = [groups]
        if periods is not None:
            where.append("period <= ?")
            params.append(max(map(str, periods), default=""))
        raw = self.query(
            "SELECT area_code, period, series_id AS population_group, value, flag, source "
            f"FROM series_value WHERE {' AND '.join(where)} ORDER BY area_code, period", params)
        if periods is None:
            return raw.assign(value_period=raw["period"],
                              reference_date=[stand.reference_date(p) for p in raw["period"]])
        ended = self.query(
            "SELECT area_code, max(valid_to) AS last_day FROM area GROUP BY area_code "
            "HAVING count(*) = count(valid_to)")
        last_day = {str(c): pd.Timestamp(d).date()
                    for c, d in zip(ended["area_code"], ended["last_day"], strict=True)}
        out = stand.carry_forward(raw, periods, keys=["population_group", "area_code"],
                                  last_day=last_day)
        return out.sort_values(["area_code", "period", "population_group"], ignore_index=True)

    def read_actors(self) -> pd.DataFrame:
        return self.query("SELECT * FROM actor ORDER BY actor_id")

    def read_offers(self, *, on: date | None = None) -> pd.DataFrame:
        """Offers valid on date `on` (current offers when None), one row per offer."""
        where, params = _validity_clause(on)
        return self.query(
            f"SELECT * FROM offer WHERE {' AND '.join(where)} ORDER BY offer_id", params)

    def read_indicators(self) -> pd.DataFrame:
        return self.query("SELECT * FROM indicator ORDER BY indicator_id")

    def read_observations(self, *, indicator_ids: Sequence[str] | None = None,
                          area_codes: Sequence[str] | None = None,
                          periods: Sequence[str] | None = None,
                          provenance: bool = True) -> pd.DataFrame:
        """Indicator values as stored areas report them (not yet harmonised to today's areas).

        Values from series are computed as they are read (see `monitoring.store.panel_sql`); values
        entered directly fill in where no series produce one. Filters restrict indicators,
        areas (exact codes) and periods, and are applied inside the table scans. Provenance
        (source, source table, download date, file hash) unless `provenance` is False.
        """
        from monitoring.store import panel_sql

        sql = panel_sql.observations_sql(indicator_ids=indicator_ids, area_codes=area_codes,
                                         periods=periods, provenance=provenance)
        return self.query(f"SELECT * FROM ({sql}) ORDER BY indicator_id, area_code, period")

    def read_aggregated(self, *, code_length: int, part_length: int,
                        indicator_ids: Sequence[str] | None = None,
                        periods: Sequence[str] | None = None) -> pd.DataFrame:
        """Indicator values of larger areas (first `code_length` digits of the code, e.g. 5 for
        Kreise) from the values of their parts (codes of `part_length` digits, e.g. 8 for
        Gemeinden): numerators and denominators summed, rates recomputed, a sum with a missing
        part missing (flag „unvollständig“).

        Computed in one pass over the parts' values as they are read; nothing is stored.
        """
        from monitoring.store import panel_sql

        values = panel_sql.observations_sql(indicator_ids=indicator_ids, periods=periods,
                                            provenance=False)
        parts = f"(SELECT * FROM ({values}) WHERE length(area_code) = {int(part_length)})"
        sql = panel_sql.aggregate_sql(parts, code_length=code_length)
        return self.query(f"SELECT * FROM ({sql}) ORDER BY indicator_id, area_code, period")

    def read_targets(self) -> pd.DataFrame:
        return self.query("SELECT * FROM target ORDER BY indicator_id, area_code")

    def read_goals(self) -> pd.DataFrame:
        return self.query("SELECT * FROM goal ORDER BY goal_id")

    def read_measures(self) -> pd.DataFrame:
        return self.query("SELECT * FROM measure ORDER BY measure_id")

    def already_imported(self, kind: str, content: bytes, *, digest: str | None = None) -> bool:
        """True when exactly this file (by hash) was imported before as `kind`; `digest`: its
        `file_hash`, when the caller has it already."""
        digest = digest or file_hash(content)
        row = self._con.execute("SELECT count(*) FROM import_log WHERE kind = ? AND file_hash = ?",
                                [kind, digest]).fetchone()
        return bool(row and row[0])

    def read_vocabulary(self, kind: str) -> dict[str, str]:
        """The newest version of one vocabulary (code → German label)."""
        rows = self._con.execute(
            "SELECT code, label_de FROM vocabulary WHERE kind = ? AND version = "
            "(SELECT max(version) FROM vocabulary WHERE kind = ?) ORDER BY rowid",
            [kind, kind]).fetchall()
        return dict(rows)


def _settle_area_versions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """`Store.settle_area_versions` on a raw connection inside its transaction (also used by
    the migration that introduced ``area.end_reason``)."""
    import pandas as pd

    from monitoring.core import areas

    versions = con.execute("SELECT area_code, name, level, valid_from, valid_to, end_reason "
                           "FROM area").df()
    changes = con.execute("SELECT old_code, new_code, effective, kind FROM area_change").df()
    settled = areas.apply_change_endings(versions, changes)
    before = [None if pd.isna(v) else pd.Timestamp(v).date() for v in versions["valid_to"]]
    old_reason = [None if pd.isna(r) else str(r) for r in versions["end_reason"]]
    moved = [(b != a) or (r != n) for b, a, r, n in zip(
        before, settled["valid_to"], old_reason, settled["end_reason"], strict=True)]
    diff = settled.loc[moved].assign(
        valid_to_before=pd.Series(before, index=settled.index, dtype=object).loc[moved])
    diff["valid_from"] = [pd.Timestamp(v).date() for v in diff["valid_from"]]
    columns = ["area_code", "name", "level", "valid_from", "valid_to_before", "valid_to",
               "end_reason"]
    if diff.empty:
        return diff[columns].reset_index(drop=True)
    view = "_settled_area"
    con.register(view, diff[["area_code", "valid_from", "valid_to", "end_reason"]])
    try:
        con.execute(
            f'UPDATE area SET valid_to = CAST(u.valid_to AS DATE), '
            f'end_reason = CAST(u.end_reason AS VARCHAR) FROM "{view}" u '
            "WHERE area.area_code = u.area_code AND area.valid_from = CAST(u.valid_from AS DATE)")
    finally:
        con.unregister(view)
    return diff[columns].sort_values(["area_code", "valid_from"]).reset_index(drop=True)


def _validity_clause(on: date | None) -> tuple[list[str], list[Any]]:
    if on is None:
        return ["valid_to IS NULL"], []
    return ["valid_from <= ?", "(valid_to IS NULL OR valid_to >= ?)"], [on, on]


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name is not an error worth failing an import for
        return "unbekannt"


def _schema_version(con: duckdb.DuckDBPyConnection) -> int:
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "meta" not in tables:
        return 0
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def _migrate(con: duckdb.DuckDBPyConnection, path: Path, target: int | None = None) -> None:
    """Apply the missing migrations up to `target` (default: newest) in one transaction."""
    target = schema.SCHEMA_VERSION if target is None else target
    current = _schema_version(con)
    if current >= target:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        for version in range(current + 1, target + 1):
            _, statements = schema.MIGRATIONS[version - 1]
            for statement in statements:
                con.execute(statement)
            if version == 2:
                _seed_vocabularies(con)
            if version == 7:  # area.end_reason: apply the changes already held
                _settle_area_versions(con)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)])
        con.execute("COMMIT")
    except Exception as err:
        con.execute("ROLLBACK")
        raise StoreError(
            f"Die Datenbank {path} konnte nicht auf Schema-Version {target} "
            f"aktualisiert werden; sie bleibt unverändert auf Version {current}.",
            detail=str(err),
        ) from err


def _seed_vocabularies(con: duckdb.DuckDBPyConnection) -> None:
    for kind, terms in DEFAULT_VOCABULARIES.items():
        for code, label in terms.items():
            con.execute("INSERT INTO vocabulary VALUES (?, ?, ?, 1)", [kind, code, label])


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_failed(path: Path, err: BaseException) -> StoreWriteFault:
    text = str(err)
    full = (isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
            ) or any(k in text.lower() for k in ("no space left", "file too large",
                                                   "disk quota"))
    cause = ("der Datenträger ist voll" if full
             else "die Datei konnte nicht geschrieben werden")
    return StoreWriteFault(
        f"Beim Schreiben in die Datenbank {path} ist ein Fehler aufgetreten: {cause}. Der "
        "Vorgang wurde abgebrochen; die Datenbank wurde nicht verändert. "
        + ("Geben Sie Speicherplatz frei (die Datenbank braucht beim Import vorübergehend "
           "noch einmal so viel Platz, wie sie groß ist) und starten Sie den Befehl erneut."
           if full else "Prüfen Sie Schreibrechte und Datenträger und starten Sie den Befehl "
                        "erneut."), detail=text)


def open_store(path: str | os.PathLike[str] | None = None, *, read_only: bool = True,
               create: bool = False, copy_on_write: bool = False) -> Store:
    """Open the store at `path` (see `resolve_path`).

    Read-write opening upgrades an older schema; read-only opening refuses it with a hint; a
    newer schema is always refused. ``create=True`` makes a new, empty store when the file does
    not exist.

    ``copy_on_write=True`` (imports): the writes go to a copy beside the file; when the store
    is closed without an error (`Store.__exit__`) and something was committed, the copy
    replaces the file in one rename, otherwise it is removed. A full disk or any other failure
    therefore leaves the file byte for byte as it was (DuckDB itself cannot promise that: a
    checkpoint that fails half way has already rewritten blocks of the file). Readers are not
    blocked meanwhile; other writers are (a read-only connection to the original is held).
    """
    resolved = resolve_path(path)
    if copy_on_write and not read_only and resolved.is_file():
        return _open_copy(resolved)
    if not resolved.exists():
        if not create:
            demo = resolved.with_name("demo.duckdb")
            hint = (f" Die Demo-Datenbank liegt in {demo}: `--store {demo}`."
                    if demo.exists() and demo != resolved else
                    " Oder legen Sie mit `monitoring demo` die Demo-Datenbank "
                    f"{demo} an und nennen Sie sie mit `--store {demo}`.")
            raise StoreError(
                f"Die Datenbank {resolved} wurde nicht gefunden. Prüfen Sie den Pfad "
                f"(Parameter `--store` bzw. Umgebungsvariable {ENV_VAR})." + hint
            )
        if read_only:
            raise StoreError("Eine neue Datenbank kann nicht schreibgeschützt angelegt werden.")
        resolved.parent.mkdir(parents=True, exist_ok=True)
    elif resolved.is_dir():
        raise StoreError(f"{resolved} ist ein Ordner, keine Datenbankdatei.")
    con = _connect(resolved, read_only)
    try:
        version = _schema_version(con)
        tables = con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0]  # type: ignore[index]  # count(*) always returns a row
        if version == 0 and tables and not create:
            raise StoreError(
                f"Die Datei {resolved} ist eine DuckDB-Datei, aber keine Integrationsmonitor-"
                "Datenbank (keine Schema-Version gefunden).")
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                f"Die Datenbank {resolved} hat Schema-Version {version}; diese Version des "
                f"Integrationsmonitors kennt nur Versionen bis {schema.SCHEMA_VERSION}. "
                "Aktualisieren Sie das Programm (pip install -U) statt die Datenbank zu ändern."
            )
        if version < schema.SCHEMA_VERSION:
            if read_only:
                raise StoreError(
                    f"Die Datenbank {resolved} hat die ältere Schema-Version {version} "
                    f"(aktuell: {schema.SCHEMA_VERSION}). Aktualisieren Sie sie einmal mit "
                    f"`monitoring upgrade --store {resolved}`; Ihre Daten bleiben erhalten.")
            _migrate(con, resolved)
    except BaseException:
        con.close()
        raise
    return Store(con, resolved, read_only)


def _open_copy(resolved: Path) -> Store:
    """`open_store` with ``copy_on_write=True`` for an existing file."""
    if resolved.with_name(resolved.name + ".wal").exists():  # left by a crash: recover first
        open_store(resolved, read_only=False).close()
    guard = _connect(resolved, read_only=True)
    if (denied := _read_only_file(resolved)) is not None:  # would fail only at the rename
        guard.close()
        raise StoreError(
            f"Die Datenbankdatei {resolved} ist schreibgeschützt: dieser Befehl muss in sie "
            f"schreiben ({denied.strerror}). Lesende Befehle (`monitoring info`, `run`) "
            "funktionieren weiter. Zum Importieren geben Sie Ihrem Benutzer Schreibrechte auf "
            "die Datei und ihren Ordner oder arbeiten Sie mit einer beschreibbaren Kopie "
            "(--store).", detail=str(denied))
    try:
        import_lock = _import_lock(resolved)
    except BaseException:
        guard.close()
        raise
    copy = resolved.with_name(f".{resolved.name}.import-{os.getpid()}.tmp")
    try:
        shutil.copyfile(resolved, copy)
        store = open_store(copy, read_only=False)
    except BaseException as err:
        guard.close()
        _release(import_lock)
        for leftover in (copy, copy.with_name(copy.name + ".wal")):
            leftover.unlink(missing_ok=True)
        if isinstance(err, OSError | duckdb.Error):
            raise _write_failed(resolved, err) from err
        raise
    store.path = resolved
    store._copy = (copy, guard)  # set by its own module
    store._import_lock = import_lock
    return store


def _import_lock(path: Path) -> int | None:
    """An exclusive ``flock`` on the store file, held by a copy-on-write import until it has
    replaced the file: a second import would copy the same original and its rename would
    drop the first one's changes. Readers never take it (DuckDB's own locks are ``fcntl``
    locks, independent of ``flock`` on Linux), so `info`, `run` and exports are not blocked.
    Where ``flock`` does not exist (Windows), None: no lock."""
    try:
        import fcntl
    except ImportError:
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # the file may have been replaced by an import that finished meanwhile: then this
        # descriptor holds the old file, and the lock would protect nothing
        if os.fstat(fd).st_ino != path.stat().st_ino:
            raise BlockingIOError(errno.EAGAIN, "store file replaced meanwhile")
    except OSError as err:
        os.close(fd)
        if err.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            raise StoreError(
                f"In die Datenbank {path} schreibt gerade ein anderer Import. Warten Sie, bis "
                "er fertig ist, und starten Sie diesen Import dann erneut (lesende Befehle "
                "wie `monitoring info` und `run` funktionieren weiter).", detail=str(err)) from err
        raise
    return fd


def _release(fd: int | None) -> None:
    if fd is not None:
        with suppress(OSError):
            os.close(fd)  # closing the last descriptor releases the flock


def create_store_at_version(path: str | os.PathLike[str], version: int) -> None:
    """Create a store with only the first `version` migrations (for upgrade tests and tools)."""
    resolved = Path(path)
    con = _connect(resolved, False)
    try:
        _migrate(con, resolved, target=version)
    finally:
        con.close()
