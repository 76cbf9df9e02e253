"""A new store in one step (`create_store`, the CLI's `monitoring neu`) and the checks that tell
an import what the store still lacks (`require_ready`).

A new store holds the schema and vocabularies, the shipped indicator catalogue with the named
series of the GENESIS mapping (`import_catalogue.load_catalogue`), the geography of its scope
and the scope itself (store meta, `monitoring.store.areas.write_scope`): for Thuringia without
own files the packaged Kreise, Gemeinden and area changes (`geography.load_reference_geography`),
otherwise the boundary files the user names (`import_areas.load_area_file`, only the areas of
the scope's Land). Everything is written to a temporary file that becomes the store only when
all steps succeeded: a failed `create_store` leaves nothing behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from monitoring.core.areas import Scope, check_code
from monitoring.errors import AreaError, ConfigError, DataValidationError, StoreError
from monitoring.store.areas import count_area_changes, read_scope, read_successor, write_scope
from monitoring.store.database import open_store, resolve_path
from monitoring.vocab import LAENDER, NATIONAL_SCOPE, STORE_CRS

if TYPE_CHECKING:
    from monitoring.store.database import Store

REFERENCE_LAND = "16"
"""The Land whose geography is packaged (Thuringia, `monitoring.io.geography`)."""


@dataclass(frozen=True)
class BoundaryFile:
    """A boundary file to load into a new store: path, level (kreis, gemeinde, land),
    Gebietsstand (first day its boundaries hold) and, for GeoPackages, the layer."""

    path: Path
    level: str
    valid_from: date
    layer: str | None = None


@dataclass
class NewStore:
    """What `create_store` made (for the CLI's German summary)."""

    path: Path
    scope: Scope
    scope_name: str
    kreis_name: str | None
    districts: int
    municipalities: int
    ended: list[tuple[str, str, date]] = field(default_factory=list)
    """(code, name, last day) of areas that ended (e.g. Eisenach 16056 on 30.06.2021)."""
    area_changes: int = 0
    indicators: int = 0
    sources: list[str] = field(default_factory=list)


def parse_land(land: str | None) -> Scope:
    """The scope of `--land` (two-digit code, or ``DG`` for Germany); `ConfigError` otherwise."""
    code = (land or REFERENCE_LAND).strip().upper()
    if code == NATIONAL_SCOPE:
        return Scope(None)
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    if code not in LAENDER:
        known = ", ".join(f"{c} {n}" for c, n in LAENDER.items())
        raise ConfigError(f"„{land}“ ist kein Land. Erwartet der zweistellige Landesschlüssel "
                          f"({known}) oder {NATIONAL_SCOPE} für ganz Deutschland.")
    return Scope(code)


def create_store(path: str | os.PathLike[str] | None, *, land: str | None = REFERENCE_LAND,
                 kreis: str | None = None, boundaries: list[BoundaryFile] | None = None,
                 ) -> NewStore:
    """Create the store at `path` (see `resolve_path`) for the scope `land` / `kreis`.

    Refuses an existing file (`StoreError`). Without `boundaries` only Thuringia (16) can be
    created (from the packaged geography); other Länder, a national store (``DG``) or one's own
    boundaries need a Kreis file among `boundaries`. Areas of the files outside the scope's
    Land are left out; a file without any is refused. A Land without its own area in the files
    gets one from the union of its Kreise. `kreis`, the own Kreis, must be a current Kreis of
    the scope. Any problem raises before the store exists.
    """
    from monitoring.io import geography, import_catalogue
    from monitoring.io.files import atomic_path
    from monitoring.io.import_areas import load_area_file

    target = resolve_path(path)
    scope = parse_land(land)
    own = _check_kreis(kreis, scope)
    files = list(boundaries or [])
    if target.exists():
        raise StoreError(
            f"Die Datenbank {target} besteht bereits; `monitoring neu` überschreibt keine "
            "Datenbank. Wählen Sie einen anderen Pfad (`--store`) oder löschen bzw. verschieben "
            "Sie die Datei selbst, wenn Sie wirklich neu beginnen wollen.")
    if not files and scope.land != REFERENCE_LAND:
        where = "ganz Deutschland" if scope.land is None else f"{LAENDER[scope.land]}"
        raise ConfigError(
            f"Für {where} ist keine Geografie im Programm enthalten (nur für Thüringen). "
            "Nennen Sie die Kreisgrenzen (und Gemeindegrenzen) als Datei, z. B. aus VG250: "
            "`--gebiete VG250_KRS.shp --ebene kreis --stand 2024-01-01`.")
    if files and not any(f.level == "kreis" for f in files):
        raise ConfigError("Unter den Gebietsdateien ist keine der Ebene „kreis“. Die Kreise "
                          "sind die Berichtsgebiete: nennen Sie ihre Grenzen mit "
                          "`--gebiete DATEI --ebene kreis --stand JJJJ-MM-TT`.")
    for f in files:
        if not Path(f.path).exists():
            raise DataValidationError(f"Die Gebietsdatei {f.path} wurde nicht gefunden.")
    target.parent.mkdir(parents=True, exist_ok=True)
    order = {"land": 0, "kreis": 1, "gemeinde": 2, "ortsteil": 3}
    with atomic_path(target) as tmp:
        try:
            with open_store(tmp, read_only=False, create=True) as store:
                if files:
                    for f in sorted(files, key=lambda f: order.get(f.level, 9)):
                        load_area_file(store, f.path, level=f.level, valid_from=f.valid_from,
                                       layer=f.layer, within=scope.land)
                    _add_missing_lands(store, scope)
                else:
                    geography.load_reference_geography(store)
                indicators = import_catalogue.load_catalogue(store)
                kreis_name = _check_own_kreis(store, own) if own else None
                with store.transaction():
                    write_scope(store, Scope(scope.land, own))
                result = _summary(store, target, kreis_name, indicators)
        except BaseException:
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)  # DuckDB's journal
            raise
    return result


def _check_kreis(kreis: str | None, scope: Scope) -> str | None:
    if not kreis:
        return None
    code = check_code(kreis)
    if len(code) != 5:
        raise AreaError(f"„{kreis}“ ist kein Kreisschlüssel; erwartet fünf Ziffern, z. B. "
                        "16070.")
    if not scope.covers(code):
        raise AreaError(f"Der Kreis {code} liegt nicht in {LAENDER[scope.land or '']} "
                        f"({scope.land}); der Kreisschlüssel beginnt mit dem Landesschlüssel.")
    return code


def _check_own_kreis(store: Store, code: str) -> str:
    """The name of the own Kreis `code`, which must be current in `store`."""
    found = store.read_areas(level="kreis", codes=[code])
    if not found.empty:
        return str(found.iloc[0]["name"])
    changed = read_successor(store, code)
    if not changed.empty:
        row = changed.iloc[0]
        raise AreaError(f"Den Kreis {code} gibt es seit dem "
                        f"{row['effective']:%d.%m.%Y} nicht mehr; er gehört heute zu "
                        f"{row['new_code']} ({row['name']}). Nennen Sie mit `--kreis` den "
                        "heutigen Kreis.")
    raise AreaError(f"Der Kreis {code} ist in den Gebietsdaten nicht enthalten. Gültige "
                    "Kreise zeigt `monitoring areas` nach dem Anlegen ohne `--kreis`.")


def _add_missing_lands(store: Store, scope: Scope) -> None:
    """Give each Land of the scope without its own area one from the union of its Kreise
    (named from `LAENDER`, valid from the earliest of its Kreise)."""
    import geopandas as gpd
    import shapely

    from monitoring.io.geography import write_areas

    kreise = store.read_areas(level="kreis")
    lands = store.read_areas(level="land")
    rows = []
    for land in sorted({c[:2] for c in kreise["area_code"]}):
        if not scope.covers(land) or land in set(lands["area_code"]):
            continue
        mine = kreise[kreise["area_code"].str.startswith(land)]
        rows.append({"area_code": land, "name": LAENDER.get(land, land), "level": "land",
                     "kind": "Land", "parent_code": None,
                     "geometry": shapely.union_all(list(mine.geometry)),
                     "valid_from": min(mine["valid_from"]), "valid_to": None,
                     "source": "Vereinigung seiner Kreise (beim Anlegen der Datenbank)"})
    if rows:
        with store.transaction():
            write_areas(store, gpd.GeoDataFrame(rows, geometry="geometry", crs=STORE_CRS))


def scope_name(store: Store, scope: Scope) -> str:
    """German name of `scope`: its Land's area name in the store (else the official name),
    or „Deutschland“."""
    if scope.land is None:
        return "Deutschland"
    found = store.read_areas(level="land", codes=[scope.land])
    return str(found.iloc[0]["name"]) if not found.empty else LAENDER.get(scope.land, scope.land)


def _summary(store: Store, path: Path, kreis_name: str | None, indicators: int) -> NewStore:
    from monitoring.store.areas import read_ended_versions

    scope = read_scope(store)
    kreise = store.read_areas(level="kreis")
    gemeinden = store.read_areas(level="gemeinde")
    ended = read_ended_versions(store)
    ended = ended[ended["end_reason"].notna() & (ended["area_code"].str.len() == 5)]
    ended_rows = []
    for code, last in zip(ended["area_code"], ended["valid_to"], strict=True):
        day = last.date() if hasattr(last, "date") else last
        named = store.read_areas(codes=[code], on=day)
        ended_rows.append((str(code), str(named.iloc[0]["name"]) if not named.empty else "",
                           day))
    changes = count_area_changes(store)
    return NewStore(
        path=path, scope=scope, scope_name=scope_name(store, scope), kreis_name=kreis_name,
        districts=sum(scope.covers(c) for c in kreise["area_code"]),
        municipalities=sum(scope.covers(c) for c in gemeinden["area_code"]),
        ended=ended_rows, area_changes=changes["packaged"] + changes["own"],
        indicators=indicators, sources=sorted(set(store.read_areas()["source"])))


# -- what an import needs -----------------------------------------------------------------------
NEEDS = ("areas", "catalogue")


def require_ready(store: Store, *, needs: tuple[str, ...] = NEEDS, what: str = "Der Import",
                  ) -> None:
    """Raise `StoreError` naming what `store` lacks for `what` and which command adds it:
    areas (`monitoring neu` for a new store, `monitoring import-areas` for an existing one),
    the indicator catalogue (`monitoring upgrade` adds the shipped one)."""
    if "areas" in needs and store.read_areas(level="kreis").empty:
        raise StoreError(
            f"{what} braucht Gebiete, die Datenbank {store.path} enthält aber keine Kreise. "
            "Legen Sie die Datenbank mit `monitoring neu` an (Thüringen: mit den Gebieten im "
            "Programm; andere Länder: `--gebiete DATEI --ebene kreis --stand JJJJ-MM-TT`) oder "
            "importieren Sie die Kreisgrenzen mit `monitoring import-areas DATEI --level kreis "
            "--valid-from JJJJ-MM-TT`.")
    if "catalogue" in needs and store.read_indicators().empty:
        raise StoreError(
            f"{what} braucht den Indikatorkatalog, die Datenbank {store.path} enthält aber "
            "keinen. `monitoring upgrade` ergänzt den mitgelieferten Katalog (eine mit "
            "`monitoring neu` angelegte Datenbank enthält ihn von Anfang an).")


def missing_store_hint(path: str | os.PathLike[str] | None) -> StoreError | None:
    """A `StoreError` saying how to create the store when `path` does not exist, else None."""
    resolved = resolve_path(path)
    if resolved.exists():
        return None
    return StoreError(
        f"Die Datenbank {resolved} wurde nicht gefunden. Legen Sie die Datenbank zuerst mit "
        f"`monitoring neu --store {resolved}` an (für Thüringen mit Kreisen, Gemeinden und "
        "Gebietsänderungen; für ein anderes Land mit `--land` und `--gebiete`), oder prüfen "
        "Sie den Pfad (`--store` bzw. $MONITORING_STORE).")


def complete_scope(store: Store) -> tuple[Scope, bool]:
    """Write the scope of a store made before scopes were stored (`read_scope` derives it)
    and the shipped catalogue if it has none; returns (scope, whether anything was added).
    For `monitoring upgrade`."""
    from monitoring.io import import_catalogue
    from monitoring.store.areas import SCOPE_LAND_KEY

    added = False
    if SCOPE_LAND_KEY not in store.meta():
        scope = read_scope(store)
        with store.transaction():
            write_scope(store, scope)
        added = True
    if store.read_indicators().empty:
        import_catalogue.load_catalogue(store)
        added = True
    return read_scope(store), added
