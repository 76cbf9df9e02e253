"""Importing boundary files a user brings (VG250, GeoPackage, GeoJSON, Shapefile) as new area
versions (`load_area_file`; the I/O edge).

Each area of the file is compared with its version in the store valid on the file's stand;
only changed areas get a new version, missing ones are refused or ended (see
`load_area_file`). The packaged reference geography is `monitoring.io.geography`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from monitoring.core.areas import ENDED_MISSING_FROM_FILE, whole_change_dates
from monitoring.io.geography import write_areas
from monitoring.store.areas import (
    end_area_version,
    read_area_versions,
    read_current_started_before,
)
from monitoring.vocab import STORE_CRS

if TYPE_CHECKING:
    import geopandas as gpd

    from monitoring.store.database import Store


def _same_shape(a: Any, b: Any) -> bool:
    """True when two geometries differ by less than about a square metre (re-import noise)."""
    import shapely

    if shapely.normalize(a).equals_exact(shapely.normalize(b), 0.5):
        return True
    return bool(shapely.area(shapely.symmetric_difference(a, b))
                < 1.0 + 1e-6 * shapely.area(a))


CODE_FIELDS = ("area_code", "AGS", "ags", "RS", "ARS", "ars", "GKZ", "gkz", "code")
NAME_FIELDS = ("name", "GEN", "gen", "NAME", "Name")
KIND_FIELDS = ("kind", "BEZ", "bez")


def load_area_file(store: Store, path: str | os.PathLike[str], *, level: str,
                   valid_from: date, layer: str | None = None, code_field: str | None = None,
                   name_field: str | None = None, source: str | None = None,
                   end_missing: bool = False, within: str | None = None) -> AreaFileImport:
    """Import boundaries a user brings (VG250, GeoPackage, GeoJSON, Shapefile) as new versions.

    `valid_from` is the file's Gebietsstand: the first day its boundaries hold. Each area is
    compared with its version valid on that day: unchanged name and geometry leave it alone
    (re-importing the same file changes nothing); a changed one gets a new version from
    `valid_from`, and the version before ends the day before.

    Areas of `level` that are current in the store, lie in a parent area the file covers (the
    Kreis of a Gemeinde, the Land of a Kreis) and are missing from the file are a problem:
    without an area change their figures would belong to no area of today. They are refused
    (listed, nothing written) unless `end_missing`, which ends them on ``valid_from − 1``
    (`ENDED_MISSING_FROM_FILE`; a later file of the same stand that has them again reopens
    them). Areas that a whole-area change holds as gone before `valid_from` must not be in the
    file (it would be older than its stand). Everything happens in one transaction; any
    problem raises `DataValidationError` listing file, row, column, value and what is expected.

    `within` (a Land's code, the store's scope) keeps only the file's areas in that Land (a
    VG250 file holds all of Germany); a file with none there is refused.
    """
    import geopandas as gpd
    import shapely

    from monitoring.core.areas import check_code
    from monitoring.errors import AreaError, CRSMismatchError, DataValidationError

    file = Path(path)
    if not file.exists():
        raise DataValidationError(f"Die Datei {file} wurde nicht gefunden.")
    if level not in ("land", "kreis", "gemeinde", "ortsteil"):
        raise DataValidationError(
            f"Unbekannte Ebene „{level}“; erlaubt: land, kreis, gemeinde, ortsteil.")
    try:
        frame = gpd.read_file(file, layer=layer) if layer else gpd.read_file(file)
    except Exception as err:  # noqa: BLE001 - any reader failure is the same for the user
        raise DataValidationError(
            f"Die Datei {file.name} konnte nicht als Geodatei gelesen werden (erwartet: "
            "GeoPackage, GeoJSON, Shapefile; bei GeoPackages mit mehreren Ebenen `--layer`).",
            detail=str(err)) from None
    if frame.crs is None:
        raise CRSMismatchError(
            f"{file.name} hat kein Koordinatenreferenzsystem. Speichern Sie die Datei mit "
            "Angabe des Systems (z. B. EPSG:25832 für VG250) und importieren Sie sie erneut.")
    code_col = code_field or next((c for c in CODE_FIELDS if c in frame.columns), None)
    name_col = name_field or next((c for c in NAME_FIELDS if c in frame.columns), None)
    problems: list[dict[str, object]] = []
    for wanted, found, options in (("Gebietsschlüssel", code_col, CODE_FIELDS),
                                   ("Name", name_col, NAME_FIELDS)):
        if found is None or found not in frame.columns:
            problems.append({"Datei": file.name, "Zeile": "–", "Spalte": wanted, "Wert": "fehlt",
                             "Erwartet": f"eine Spalte {', '.join(options)}"})
    if problems:
        raise DataValidationError(
            f"{file.name}: Spalte für {problems[0]['Spalte']} nicht gefunden (vorhanden: "
            f"{', '.join(map(str, frame.columns))}). Geben Sie sie mit `--code-field` / "
            "`--name-field` an.", problems)
    if "GF" in frame.columns:  # VG250: keep land areas only (GF 4), not water (GF 2)
        frame = frame[frame["GF"].astype(int) == 4]
    code_col, name_col = str(code_col), str(name_col)  # both found: checked above
    kind_col = next((c for c in KIND_FIELDS if c in frame.columns), None)
    rows: dict[str, dict[str, Any]] = {}
    for position, row in enumerate(frame.itertuples(index=False), start=2):
        raw = getattr(row, code_col)
        try:
            code = check_code(str(raw).split(".")[0])
        except AreaError:
            problems.append({"Datei": file.name, "Zeile": position, "Spalte": code_col,
                             "Wert": raw, "Erwartet": "amtlicher Schlüssel aus 2, 5, 8 oder 12 "
                             "Ziffern (als Text, mit führender Null)"})
            continue
        if level == "gemeinde" and len(code) == 12:
            code = code[:5] + code[9:]  # ARS → AGS
        geom = row.geometry
        if geom is None or geom.is_empty:
            problems.append({"Datei": file.name, "Zeile": position, "Spalte": "geometry",
                             "Wert": "leer", "Erwartet": "eine Fläche (Polygon)"})
            continue
        entry = rows.setdefault(code, {"parts": [], "name": getattr(row, name_col),
                                       "kind": getattr(row, kind_col) if kind_col else None,
                                       "row": position})
        entry["parts"].append(shapely.make_valid(geom))
    if problems:
        raise DataValidationError(
            f"{file.name}: {len(problems)} Problem(e); es wurde nichts importiert. Erstes: "
            f"Zeile {problems[0]['Zeile']}, Spalte {problems[0]['Spalte']}: "
            f"„{problems[0]['Wert']}“ – erwartet {problems[0]['Erwartet']}.", problems)
    if within:
        rows = _within(rows, within, file)
    parent_length = {"kreis": 2, "gemeinde": 5, "land": 0}.get(level)
    incoming = gpd.GeoDataFrame(
        [{"area_code": code, "name": str(v["name"]), "level": level,
          "kind": None if v["kind"] is None else str(v["kind"]),
          "parent_code": code[:parent_length] if parent_length else None,
          "geometry": shapely.union_all(v["parts"]), "valid_from": valid_from, "valid_to": None,
          "source": source or f"{file.name} (Import, gültig ab {valid_from:%d.%m.%Y})"}
         for code, v in sorted(rows.items())], geometry="geometry", crs=frame.crs,
    ).to_crs(STORE_CRS)
    incoming = incoming.set_index("area_code", drop=False)
    plan = _plan_versions(store, incoming, rows, level=level, valid_from=valid_from,
                          file=file, code_col=str(code_col), end_missing=end_missing)
    result = AreaFileImport(new_or_changed=len(plan.new_rows), unchanged=plan.unchanged,
                            ended=plan.missing, reopened=plan.reopened)
    if plan.new_rows.empty and not plan.updates and not plan.missing:
        return result  # nothing to do: the store already holds this stand
    eve = valid_from - timedelta(days=1)
    with store.transaction():
        for code, start, end, reason in plan.updates:
            end_area_version(store, code, start, valid_to=end, end_reason=reason)
        for code, _, start in plan.missing:
            end_area_version(store, code, start, valid_to=eve,
                             end_reason=ENDED_MISSING_FROM_FILE)
        count = write_areas(store, plan.new_rows) if not plan.new_rows.empty else 0
        store.settle_area_versions()
        store.log_import("gebiete", str(file), file.read_bytes(),
                         count + len(plan.updates) + len(plan.missing))
    return result


def _within(rows: dict[str, dict[str, object]], land: str, file: Path,
            ) -> dict[str, dict[str, object]]:
    """The areas of `rows` in the Land `land`; none → `DataValidationError` naming the
    Länder the file has."""
    from monitoring.errors import DataValidationError
    from monitoring.vocab import LAENDER

    kept = {code: v for code, v in rows.items() if code.startswith(land)}
    if not kept:
        held = sorted({code[:2] for code in rows})
        listing = ", ".join(f"{c} {LAENDER.get(c, '?')}" for c in held[:16]) or "keine"
        raise DataValidationError(
            f"{file.name} enthält keine Gebiete in {LAENDER.get(land, land)} ({land}), dem "
            f"Gebiet dieser Datenbank; die Schlüssel der Datei gehören zu: {listing}. Ist es "
            "die Datei eines anderen Landes oder Kreises? Es wurde nichts importiert.",
            [{"Datei": file.name, "Zeile": "–", "Spalte": "Gebietsschlüssel",
              "Wert": ", ".join(held[:16]), "Erwartet": f"Schlüssel, die mit {land} beginnen"}])
    return kept


@dataclass
class AreaFileImport:
    """What `load_area_file` did (for the CLI's German summary)."""

    new_or_changed: int
    """Areas that got a new version from the file's stand."""
    unchanged: int
    ended: list[tuple[str, str, date]] = field(default_factory=list)
    """(code, name, valid_from of the ended version) of areas missing from the file."""
    reopened: list[str] = field(default_factory=list)
    """Codes whose version, ended as missing from a file of this stand, the file has again."""


@dataclass
class _Plan:
    new_rows: gpd.GeoDataFrame
    unchanged: int
    updates: list[tuple[str, date, date | None, str | None]]
    missing: list[tuple[str, str, date]]
    reopened: list[str]


PARENT_PREFIX = {"kreis": 2, "gemeinde": 5}
"""Length of the code prefix that names the parent area a file covers (Land of a Kreis, Kreis
of a Gemeinde). Missing areas are only looked for at these levels."""


def _plan_versions(store: Store, incoming: gpd.GeoDataFrame, rows: dict[str, dict[str, object]],
                   *, level: str, valid_from: date, file: Path, code_col: str,
                   end_missing: bool) -> _Plan:
    """Decide, without writing, what importing `incoming` as of `valid_from` changes."""
    from monitoring.errors import DataValidationError

    eve = valid_from - timedelta(days=1)
    changes = store.read_area_changes()
    gone = whole_change_dates(changes)
    problems: list[dict[str, object]] = []
    for code in incoming.index:
        if code in gone and gone[code] <= valid_from:
            into = changes[(changes["old_code"] == code) & (changes["kind"] != "teilausgliederung")
                           ].iloc[0]
            problems.append({
                "Datei": file.name, "Zeile": rows[code]["row"], "Spalte": code_col, "Wert": code,
                "Erwartet": f"ein Gebiet, das am {valid_from:%d.%m.%Y} besteht",
                "Problem": f"{code} ist laut Gebietsänderung zum {gone[code]:%d.%m.%Y} in "
                           f"{into['new_code']} aufgegangen, steht aber in der Datei mit "
                           f"Gebietsstand {valid_from:%d.%m.%Y}."})
    if problems:
        first = problems[0]
        raise DataValidationError(
            f"{file.name}: {len(problems)} Gebiet(e) der Datei bestehen laut den "
            f"Gebietsänderungen am {valid_from:%d.%m.%Y} nicht mehr, z. B. Zeile "
            f"{first['Zeile']}: {first['Problem']} Prüfen Sie den Gebietsstand (`--valid-from`: "
            "erster Tag, für den die Grenzen der Datei gelten) oder die Gebietsänderung "
            "(`monitoring import gebietsaenderungen`). Es wurde nichts importiert.", problems)

    versions = read_area_versions(store, level=level)
    versions["valid_from"] = [pd.Timestamp(v).date() for v in versions["valid_from"]]
    versions["valid_to"] = [None if pd.isna(v) else pd.Timestamp(v).date()
                            for v in versions["valid_to"]]
    by_code: dict[str, list[dict[str, Any]]] = {}
    for rec in versions.to_dict("records"):
        by_code.setdefault(str(rec["area_code"]), []).append(rec)
    on_stand = store.read_areas(level=level, on=valid_from).set_index("area_code")
    codes = list(incoming.index)
    shapes = store.read_areas(codes=codes, level=level, on=eve).set_index("area_code") \
        if codes else on_stand.iloc[0:0]

    changed: list[str] = []
    ends: dict[str, tuple[date | None, str | None]] = {}
    updates: list[tuple[str, date, date | None, str | None]] = []
    reopened: list[str] = []
    same = 0
    for row in incoming.itertuples(index=False):
        code = row.area_code
        if code in on_stand.index:
            old = on_stand.loc[code]
            if old["name"] == row.name and _same_shape(old.geometry, row.geometry):
                same += 1
                continue
            start = pd.Timestamp(old["valid_from"]).date()
            end = None if pd.isna(old["valid_to"]) else pd.Timestamp(old["valid_to"]).date()
            reason = next((r["end_reason"] for r in by_code[code] if r["valid_from"] == start),
                          None)
            reason = None if reason is None or pd.isna(reason) else str(reason)
            if start < valid_from:
                updates.append((code, start, eve, None))
            ends[code] = (end, reason)  # the new version inherits the old version's end
            changed.append(code)
            continue
        history = by_code.get(code, [])
        last = max((r for r in history if r["valid_from"] < valid_from),
                   key=lambda r: r["valid_from"], default=None)
        later = min((r["valid_from"] for r in history if r["valid_from"] > valid_from),
                    default=None)
        natural = None if later is None else later - timedelta(days=1)
        if (last is not None and last["end_reason"] == ENDED_MISSING_FROM_FILE
                and last["valid_to"] == eve and code in shapes.index
                and shapes.loc[code, "name"] == row.name
                and _same_shape(shapes.loc[code].geometry, row.geometry)):
            updates.append((code, last["valid_from"], natural, None))
            reopened.append(code)
            continue
        ends[code] = (natural, None)  # a later change ends it when the versions are settled
        changed.append(code)
    new_rows = incoming.loc[changed].reset_index(drop=True)
    new_rows["valid_to"] = [ends[c][0] for c in changed]
    new_rows["end_reason"] = [ends[c][1] for c in changed]

    missing: list[tuple[str, str, date]] = []
    prefix = PARENT_PREFIX.get(level)
    if prefix is not None:
        covered = {c[:prefix] for c in incoming.index}
        current = read_current_started_before(store, level=level, before=valid_from)
        for code, name, start in current.itertuples(index=False):
            if code not in incoming.index and code[:prefix] in covered:
                missing.append((str(code), str(name), pd.Timestamp(start).date()))
    if missing and not end_missing:
        listing = ", ".join(f"{c} {n}" for c, n, _ in missing[:20])
        more = f" und {len(missing) - 20} weitere" if len(missing) > 20 else ""
        problems = [{"Datei": file.name, "Zeile": "–", "Spalte": code_col, "Wert": f"{c} {n}",
                     "Erwartet": "in der Datei enthalten, oder beendet durch eine "
                                 "Gebietsänderung bzw. `--fehlende-beenden`",
                     "Problem": f"{c} {n} ist in der Datenbank aktuell, fehlt aber in der "
                                "Datei."} for c, n, _ in missing]
        raise DataValidationError(
            f"{file.name}: {len(missing)} Gebiet(e) der Ebene {level} sind in der Datenbank "
            f"aktuell, liegen in den Gebieten, die die Datei abdeckt, fehlen aber in der Datei: "
            f"{listing}{more}. Ohne Gebietsänderung würden ihre Zahlen keinem heutigen Gebiet "
            "zugerechnet. Sind sie in anderen Gebieten aufgegangen, importieren Sie zuerst die "
            "Gebietsänderungen (`monitoring import gebietsaenderungen`): dann enden sie zum Tag "
            "der Änderung. Sind sie aus anderem Grund weggefallen, beenden Sie sie zum "
            f"{eve:%d.%m.%Y} mit `--fehlende-beenden`. Es wurde nichts importiert.", problems)
    return _Plan(new_rows, same, updates, missing, reopened)
