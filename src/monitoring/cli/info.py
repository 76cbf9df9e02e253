"""Commands about the store itself: `info`, `areas`, `upgrade`."""

from __future__ import annotations

import argparse

from monitoring.cli.common import EXIT_OK, terminal


def _per_file(values: list[str] | None, count: int, option: str) -> list[str | None]:
    from monitoring.errors import ConfigError

    given: list[str | None] = list(values or [])
    if len(given) == 1:
        return given * count
    if len(given) != count:
        raise ConfigError(f"Für {count} Gebietsdateien {len(given)} Angaben {option}: geben "
                          f"Sie {option} einmal für alle oder einmal je Datei an.")
    return given


def new_store(args: argparse.Namespace) -> int:
    """`monitoring neu`: create a store with catalogue, geography and scope."""
    from datetime import date
    from pathlib import Path

    from monitoring.errors import ConfigError
    from monitoring.io.new_store import BoundaryFile, create_store

    files: list[BoundaryFile] = []
    if args.gebiete:
        n = len(args.gebiete)
        if not args.ebene or not args.stand:
            raise ConfigError("Zu jeder Gebietsdatei gehören die Ebene (`--ebene kreis` "
                              "bzw. `gemeinde`) und der Gebietsstand (`--stand JJJJ-MM-TT`).")
        levels = _per_file(args.ebene, n, "--ebene")
        stands = _per_file(args.stand, n, "--stand")
        layers = _per_file(args.layer, n, "--layer") if args.layer else [None] * n
        for path, level, stand, layer in zip(args.gebiete, levels, stands, layers, strict=True):
            try:
                day = date.fromisoformat(str(stand))
            except ValueError:
                raise ConfigError(f"„{stand}“ ist kein Datum; erwartet JJJJ-MM-TT, z. B. "
                                  "2024-01-01.") from None
            files.append(BoundaryFile(Path(path), str(level), day, layer))
    result = create_store(args.store, land=args.land, kreis=args.kreis, boundaries=files)
    console = terminal()
    scope = result.scope
    where = (f"{result.scope_name} ({scope.land})" if scope.land
             else "Deutschland (jedes Land mit eigenem Landeswert)")
    console.print(f"Datenbank angelegt: {result.path}", markup=False, soft_wrap=True)
    console.print(f"  Gebiet: {where}"
                  + (f", eigener Kreis {scope.kreis} {result.kreis_name}" if scope.kreis else ""),
                  markup=False, soft_wrap=True)
    console.print(f"  Kreise und kreisfreie Städte: {result.districts} · Gemeinden: "
                  f"{result.municipalities} · Gebietsänderungen: {result.area_changes}",
                  markup=False, soft_wrap=True)
    for code, name, last in result.ended:
        console.print(f"  beendet: {code} {name} (bis {last:%d.%m.%Y})", markup=False)
    console.print(f"  Indikatorkatalog: {result.indicators} Indikatoren", markup=False)
    console.print(f"  Gebiete aus: {'; '.join(result.sources)}", markup=False, soft_wrap=True)
    store = f" --store {result.path}"
    console.print("Nächste Schritte:", markup=False)
    for line in (f"monitoring import statistik DATEI.zip{store}   (GENESIS / Regionaldatenbank)",
                 f"monitoring import zahlen DATEI.csv{store}      (eigene Zahlen)",
                 f"monitoring template angebote --out Bestandserhebung.xlsx{store}",
                 f"monitoring import angebote DATEI.xlsx{store}",
                 f"monitoring import konzept DATEI.xlsx{store}",
                 f"monitoring import gebietsaenderungen DATEI.csv{store}",
                 f"monitoring run --period JJJJ-QN{store}"):
        console.print(f"  {line}", markup=False, soft_wrap=True)
    return EXIT_OK


def upgrade(args: argparse.Namespace) -> int:
    """`monitoring upgrade`: bring the store to the current schema (and write its scope and
    the shipped catalogue if it has none)."""
    from monitoring.io.new_store import complete_scope, scope_name
    from monitoring.store.database import open_store

    with open_store(args.store, read_only=False) as store:
        scope, added = complete_scope(store)
        console = terminal()
        console.print(f"{store.path}: Schema-Version {store.schema_version} (aktuell).")
        if added:
            where = f"{scope_name(store, scope)} ({scope.land or 'DG'})"
            console.print(f"Gebiet der Datenbank: {where}"
                          + (f", eigener Kreis {scope.kreis}" if scope.kreis else "")
                          + f"; Indikatorkatalog: {len(store.read_indicators())} Indikatoren.",
                          markup=False, soft_wrap=True)
    return EXIT_OK


# What `info` counts, in the words of the reports (the store's table names are no user's words)
CONTENTS = (("area", "Gebiete (alle Ebenen, mit früheren Ständen)"),
            ("actor", "Akteure"), ("offer", "Angebote (mit früheren Fassungen)"),
            ("series_value", "Werte statistischer Reihen"), ("target", "Zielwerte"))


def _day(value: object) -> str:
    """A stored ISO date as „31.12.2025“ (as it is, if it is no date; „unbekannt“ if none)."""
    from datetime import date

    from monitoring import fmt

    if not value:
        return "unbekannt"
    try:
        return fmt.day(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def info(args: argparse.Namespace) -> int:
    """`monitoring info`: content and stand of the store."""
    from monitoring import fmt
    from monitoring.io.new_store import scope_name
    from monitoring.store.areas import count_area_changes, read_scope
    from monitoring.store.contents import count_computed_values, count_rows
    from monitoring.store.database import open_store

    console = terminal()
    with open_store(args.store, read_only=True) as store:
        meta = store.meta()
        console.print(f"Datenbank: {store.path}")
        console.print(f"Schema-Version: {store.schema_version} · Snapshot: {store.snapshot_id()}")
        if store.is_demo:
            console.print("[yellow]Demodaten – fiktiv[/]")
        console.print(f"Datenstand: {_day(meta.get('data_stand'))}")
        scope = read_scope(store)
        console.print(f"Gebiet: {scope_name(store, scope)} ({scope.land or 'DG'})"
                      + (f", eigener Kreis {scope.kreis}" if scope.kreis else ""), markup=False)
        console.print("Inhalt:")
        for table, label in CONTENTS:
            console.print(f"  {label}: {fmt.number(count_rows(store, table))}", markup=False)
        entered = count_rows(store, "observation")
        console.print(f"  Indikatorwerte: {fmt.number(count_computed_values(store))} aus "
                      f"Reihen (beim Lesen berechnet), {fmt.number(entered)} direkt erfasst",
                      soft_wrap=True)
        changes = count_area_changes(store)
        console.print(f"  Gebietsänderungen: {fmt.number(changes['packaged'] + changes['own'])} "
                      f"({fmt.number(changes['packaged'])} im Programm enthalten, "
                      f"{fmt.number(changes['own'])} aus eigenen Dateien)", soft_wrap=True)
    return EXIT_OK


def areas(args: argparse.Namespace) -> int:
    """`monitoring areas`: the current areas of one level, one line each (code, name, kind,
    tab-separated).

    Streamed: rows come from the store in batches and go out as plain text, without
    geometry, a frame or rich's per-line layout – 11,299 Gemeinden print in well under a
    second (rich needed ≈ 20 s; `benchmarks/bench_areas.py`)."""
    import sys

    from monitoring.store.database import open_store

    out = sys.stdout
    with open_store(args.store, read_only=True) as store:
        lines: list[str] = []
        for code, name, kind in store.iter_area_names(level=args.level):
            lines.append(f"{code}\t{name}\t{kind}\n")
            if len(lines) >= 2048:
                out.write("".join(lines))
                lines.clear()
        out.write("".join(lines))
        out.flush()
    return EXIT_OK
