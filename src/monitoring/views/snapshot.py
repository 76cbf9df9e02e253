"""The quarter snapshot: what every district report of a quarter shares, computed once.

A district report needs results that are the same for every district of the quarter and cost
most of its time: the indicator panel on today's areas, that panel after disclosure control
(secondary suppression runs across all districts, so it is state-wide by nature), the
accessibility of every municipality (E2SFCA over the whole Land), the offer coverage of every
district and municipality, and the list of districts (peers). `monitoring run` computes them
once (`monitoring.views.quarter.build_snapshot`), writes them into the run's staging folder
(`write_snapshot`, a small DuckDB file: `monitoring.store.frame_file`) and hands the path to
every report as the notebook parameter ``snapshot_path``;
`monitoring.present.notebook.open_report` reads it and `install`s it. The views then take
these results from the snapshot instead of computing them, and compute them exactly as before
whenever no snapshot is installed (a notebook run interactively) or the installed one does not
fit what they are asked (another store, rule, quarter or panel): a district report from a
snapshot shows the same numbers as one computed on demand.

A snapshot carries what identifies it – the store file (path, size, modification time), the
store's data snapshot id and schema version, the quarter, the run's settings and the package
version – and is refused with a German message when any of it differs from the report's
(`SnapshotError`; `open_report` then computes on demand): a stale snapshot never gives wrong
figures.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from monitoring import __version__
from monitoring.core import privacy
from monitoring.errors import MonitoringError
from monitoring.store.frame_file import read_frames, write_frames

if TYPE_CHECKING:
    from monitoring.core.config import Settings
    from monitoring.store.database import Store

FORMAT = "2"
FILE_NAME = "quartal_snapshot.duckdb"


class SnapshotError(MonitoringError):
    """A quarter snapshot does not belong to the report asking for it (or cannot be read)."""


class SnapshotWarning(UserWarning):
    """A report did not use its quarter snapshot (`SnapshotError`) and computed on demand."""


def store_key(store: Store) -> tuple[object, ...] | None:
    """What identifies the data of a read-only store: the file (path, device, inode, size,
    modification time, and its WAL's), the data snapshot id and the schema version. Any write
    to the file – also one that bypasses the import log – changes it. None for a writable
    store: its own writes need not touch the file before it is closed, so nothing computed from
    it may be kept or reused."""
    if not store.read_only:
        return None
    files: list[tuple[int, int, int, int] | None] = []
    for path in (store.path, store.path.with_name(store.path.name + ".wal")):
        try:
            st = path.stat()
        except OSError:
            files.append(None)
            continue
        files.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    if files[0] is None:
        return None
    return (str(store.path.resolve()), *files, store.snapshot_id(), store.schema_version)


def key_text(key: tuple[object, ...] | None) -> str:
    return json.dumps(key)


@dataclass(frozen=True)
class QuarterSnapshot:
    """The state-wide results of one quarter of one store under one run's settings."""

    period: str
    settings_json: str
    """`Settings.to_json` of the run: the disclosure rule the protected panel was made with."""
    store_key: str
    """`store_key` of the store it was computed from, as JSON text."""
    snapshot_id: str
    schema_version: int
    package_version: str
    panel: pd.DataFrame
    """`views.indicator_panel`: every observation on today's areas, with state values."""
    protected: privacy.Publishable
    """`views.protected_panel` of `panel` under the run's rule."""
    access: pd.DataFrame
    """`views.accessibility.state_access` with the default settings: every municipality ×
    Handlungsfeld."""
    districts: pd.DataFrame
    """`views.scope.districts`: today's districts of the store's scope (code, name, kind)."""
    coverage: dict[str, pd.DataFrame] | None = None
    """`views.coverage.state_coverage`; None when the file holds none (the reports then
    compute it themselves)."""

    def mismatch(self, store: Store, period: str, settings: Settings) -> str | None:
        """Why this snapshot does not belong to a report of `period` from `store` under
        `settings` (German), or None when it does."""
        wrong = []
        if self.period != str(period):
            wrong.append(f"Quartal {self.period} statt {period}")
        if self.snapshot_id != store.snapshot_id() or self.schema_version != \
                store.schema_version:
            wrong.append(f"Daten-Snapshot {self.snapshot_id} (Schema {self.schema_version}) "
                         f"statt {store.snapshot_id()} (Schema {store.schema_version})")
        elif self.store_key != key_text(store_key(store)):
            wrong.append("die Datenbankdatei wurde seither verändert oder ist eine andere")
        if self.settings_json != settings.to_json():
            wrong.append("andere Einstellungen (Geheimhaltung, Ampel, Index)")
        if self.package_version != __version__:
            wrong.append(f"Integrationsmonitor {self.package_version} statt {__version__}")
        return "; ".join(wrong) or None

    def rule(self) -> privacy.DisclosureRule:
        """The disclosure rule `protected` was made with (the run's)."""
        from monitoring.core.config import Settings

        return Settings.from_json(self.settings_json).disclosure

    def fits(self, store: Store) -> bool:
        """Whether this snapshot was computed from exactly the data of `store` now."""
        key = store_key(store)
        return key is not None and key_text(key) == self.store_key

    def protected_copy(self) -> privacy.Publishable:
        """The protected panel for one caller (a copy: callers may change their frames)."""
        return self.protected.copy()


def check(snapshot: QuarterSnapshot, store: Store, period: str, settings: Settings,
          path: str | os.PathLike[str] = "") -> QuarterSnapshot:
    """Return `snapshot` if it belongs to a report of `period` from `store` under `settings`;
    raise `SnapshotError` naming what differs otherwise."""
    reason = snapshot.mismatch(store, period, settings)
    if reason:
        where = f" {path}" if path else ""
        raise SnapshotError(
            f"Der Quartals-Snapshot{where} passt nicht zu diesem Bericht ({reason}). Er wird "
            "nicht verwendet; die landesweiten Werte werden aus der Datenbank neu berechnet. "
            "Ein neuer Lauf (`monitoring run`) erstellt einen passenden Snapshot.")
    return snapshot


# -- the file ----------------------------------------------------------------------------------
def _identity(snapshot: QuarterSnapshot) -> dict[str, str]:
    p = snapshot.protected
    return {"format": FORMAT, "period": snapshot.period, "settings": snapshot.settings_json,
            "store_key": snapshot.store_key, "snapshot_id": snapshot.snapshot_id,
            "schema_version": str(snapshot.schema_version),
            "package_version": snapshot.package_version,
            "protected": json.dumps({
                "rule": p.rule, "columns": list(p.columns), "counts": list(p.counts),
                "groups": list(p.groups), "threshold": p.threshold,
                "min_denominator": p.min_denominator,
                "suppressed_groups": {k: [list(g) if isinstance(g, tuple) else g for g in v]
                                      for k, v in p.suppressed_groups.items()},
                "totals": {k: [[list(g) if isinstance(g, tuple) else g, t]
                               for g, t in v.items()] for k, v in p.totals.items()}})}


def write_snapshot(snapshot: QuarterSnapshot, path: str | os.PathLike[str]) -> Path:
    """Write `snapshot` to `path` (replaced atomically). Returns `path`."""
    coverage = {f"coverage_{name}": frame
                for name, frame in (snapshot.coverage or {}).items()}
    return write_frames(path, _identity(snapshot), {
        "panel": snapshot.panel, "protected_frame": snapshot.protected.frame,
        "protected_suppressed": snapshot.protected.suppressed, "access": snapshot.access,
        "districts": snapshot.districts, **coverage})


def _key(group: object) -> object:
    return tuple(group) if isinstance(group, list) else group


def read_snapshot(path: str | os.PathLike[str]) -> QuarterSnapshot:
    """The snapshot in the file at `path` (`SnapshotError` if it is none of ours)."""
    try:
        meta, frames = read_frames(path)
        if meta.get("format") != FORMAT:
            raise SnapshotError(f"Die Datei {path} ist kein Quartals-Snapshot dieses Formats "
                                f"(Format {meta.get('format')!r}, erwartet {FORMAT}).")
        p = json.loads(meta["protected"])
        protected = privacy.Publishable(
            frames["protected_frame"], frames["protected_suppressed"], p["rule"],
            tuple(p["columns"]), {k: tuple(_key(g) for g in v)
                                  for k, v in p["suppressed_groups"].items()},
            tuple(p["counts"]), tuple(p["groups"]), int(p["threshold"]),
            float(p["min_denominator"]),
            {k: {_key(g): t for g, t in v} for k, v in p["totals"].items()})
        return QuarterSnapshot(
            period=meta["period"], settings_json=meta["settings"], store_key=meta["store_key"],
            snapshot_id=meta["snapshot_id"], schema_version=int(meta["schema_version"]),
            package_version=meta["package_version"], panel=frames["panel"],
            protected=protected, access=frames["access"], districts=frames["districts"],
            coverage={name.removeprefix("coverage_"): frame for name, frame in frames.items()
                      if name.startswith("coverage_")} or None)
    except MonitoringError as err:
        if isinstance(err, SnapshotError):
            raise
        raise SnapshotError(f"Der Quartals-Snapshot {path} kann nicht gelesen werden: "
                            f"{err.message}", detail=err.detail) from err
    except (KeyError, ValueError, TypeError) as err:
        raise SnapshotError(f"Der Quartals-Snapshot {path} ist unvollständig oder beschädigt.",
                            detail=str(err)) from err


class _LastRead:
    """The snapshot file read last in this process and what was read from it."""

    identity: tuple[object, ...] | None = None
    snapshot: QuarterSnapshot | None = None


def load(path: str | os.PathLike[str]) -> QuarterSnapshot:
    """`read_snapshot` of `path`, read once per process while the file stays the same.

    A kept kernel (`monitoring.report.run.warm`) runs one district report after another from
    the same snapshot file; reading and parsing it again cost each of them a tenth of a
    second. The file is the same while its path, inode, size and modification time are; the
    views never change the snapshot's frames (they hand out copies)."""
    try:
        stat = Path(path).resolve().stat()
    except OSError:
        return read_snapshot(path)  # the error names the file
    identity = (str(Path(path).resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if _LastRead.identity != identity or _LastRead.snapshot is None:
        _LastRead.snapshot, _LastRead.identity = read_snapshot(path), identity
    return _LastRead.snapshot


# -- the snapshot of this process --------------------------------------------------------------
class _Installed:
    """The snapshot of the report running in this process (one; `install`)."""

    snapshot: QuarterSnapshot | None = None
    hits: int = 0


def install(snapshot: QuarterSnapshot | None) -> None:
    """Make `snapshot` the one the views of this process take their state-wide results from
    (None: none – compute on demand). Each view still checks that it fits what it is asked."""
    _Installed.snapshot = snapshot


def installed(store: Store, *, period: str | None = None) -> QuarterSnapshot | None:
    """The installed snapshot if it was computed from exactly the data of `store` (and, when
    given, for `period`); else None."""
    snapshot = _Installed.snapshot
    if snapshot is None or not snapshot.fits(store):
        return None
    if period is not None and snapshot.period != str(period):
        return None
    _Installed.hits += 1
    return snapshot


def hits() -> int:
    """How often a view took its result from an installed snapshot (tests, benchmarks)."""
    return _Installed.hits
