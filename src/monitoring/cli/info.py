"""Commands about the store itself: `info`, `areas`, `upgrade`."""

from __future__ import annotations

import argparse

from monitoring.cli.common import EXIT_OK, terminal


def upgrade(args: argparse.Namespace) -> int:
    """`monitoring upgrade`: bring the store to the current schema."""
    from monitoring.store.database import open_store

    with open_store(args.store, read_only=False) as store:
        terminal().print(f"{store.path}: Schema-Version {store.schema_version} (aktuell).")
    return EXIT_OK


def info(args: argparse.Namespace) -> int:
    """`monitoring info`: content and stand of the store."""
    from monitoring.store.areas import count_area_changes
    from monitoring.store.contents import count_computed_values, count_rows
    from monitoring.store.database import open_store

    console = terminal()
    with open_store(args.store, read_only=True) as store:
        meta = store.meta()
        console.print(f"Datenbank: {store.path}")
        console.print(f"Schema-Version: {store.schema_version} · Snapshot: {store.snapshot_id()}")
        if store.is_demo:
            console.print("[yellow]Demodaten – fiktiv[/]")
        console.print(f"Datenstand: {meta.get('data_stand', 'unbekannt')}")
        for table in ("area", "actor", "offer", "series_value", "target"):
            console.print(f"  {table}: {count_rows(store, table)}")
        entered = count_rows(store, "observation")
        console.print(f"  Indikatorwerte: {count_computed_values(store)} aus Reihen "
                      f"(beim Lesen berechnet), {entered} direkt erfasst", soft_wrap=True)
        changes = count_area_changes(store)
        console.print(f"  area_change: {changes['packaged'] + changes['own']} "
                      f"(Gebietsänderungen: {changes['packaged']} im Programm enthalten, "
                      f"{changes['own']} aus eigenen Dateien)", soft_wrap=True)
    return EXIT_OK


def areas(args: argparse.Namespace) -> int:
    """`monitoring areas`: the current areas of one level."""
    from monitoring.store.database import open_store

    console = terminal()
    with open_store(args.store, read_only=True) as store:
        frame = store.read_areas(level=args.level)
        for row in frame.itertuples():
            console.print(f"{row.area_code}\t{row.name}\t{row.kind}")
    return EXIT_OK
