"""Commands that bring data in and out: `template`, `import …`, `import-areas`, `export …`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from monitoring.cli.common import EXIT_OK, resolve_settings, terminal

if TYPE_CHECKING:
    from monitoring.store.database import Store


def _open_for_import(path: str | None, *, needs: tuple[str, ...]) -> Store:
    """The store at `path` opened for writing, copy-on-write (a failure – also a full disk –
    leaves the file byte for byte as it was); a missing store, or one without what the
    import `needs` (areas, catalogue), is refused with the command that adds it."""
    from monitoring.io.new_store import missing_store_hint, require_ready
    from monitoring.store.database import open_store

    missing = missing_store_hint(path)
    if missing is not None:
        raise missing
    store = open_store(path, read_only=False, copy_on_write=True)
    try:
        require_ready(store, needs=needs)
    except BaseException:
        store.close()
        raise
    return store


def template(args: argparse.Namespace) -> int:
    """`monitoring template angebote|gebietsaenderungen`: write a template."""
    if args.what == "gebietsaenderungen":
        from monitoring.io.import_area_changes import write_template as write_changes_template

        path = write_changes_template(args.out)
        terminal().print(f"Vorlage geschrieben: {path} (Beispielzeilen: die im Programm "
                         "enthaltenen Gebietsänderungen).", markup=False)
        return EXIT_OK
    from monitoring.errors import StoreError
    from monitoring.io.inventory.template import write_template
    from monitoring.store.contents import read_vocabulary_versions
    from monitoring.store.database import open_store, resolve_path
    from monitoring.vocab import DEFAULT_VOCABULARIES

    vocab, versions, origin = dict(DEFAULT_VOCABULARIES), None, "Standardlisten"
    if resolve_path(args.store).exists():
        try:
            with open_store(args.store) as store:
                vocab = {k: store.read_vocabulary(k) or v for k, v in vocab.items()}
                versions = read_vocabulary_versions(store)
                origin = f"Vokabulare aus {store.path}"
        except StoreError:
            if args.store:
                raise
    path = write_template(args.out, vocab, versions)
    terminal().print(f"Vorlage geschrieben: {path} ({origin}).")
    return EXIT_OK


def import_inventory(args: argparse.Namespace) -> int:
    """`monitoring import angebote`: an offer inventory workbook or CSV."""
    from datetime import date

    from monitoring.errors import ConfigError
    from monitoring.io.inventory.load import import_file

    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        raise ConfigError(f"„{args.as_of}“ ist kein Datum; erwartet JJJJ-MM-TT.") from None
    console = terminal()
    with _open_for_import(args.store, needs=("areas",)) as store:
        result = import_file(store, args.file, accept_valid=args.accept_valid, as_of=as_of)
    if result.already_imported:
        console.print(f"{result.file_name} wurde bereits importiert; nichts geändert.")
        return EXIT_OK
    enc = f", Kodierung {result.encoding}" if result.encoding else ""
    console.print(f"{result.file_name} ({result.file_type}{enc}) importiert.")
    if skipped := result.examples_de():
        console.print(f"[yellow]{skipped}[/]")
    for key, value in result.counts.items():
        console.print(f"  {key}: {value}")
    if result.rejected:
        console.print(f"[yellow]{result.rejected} Zeilen abgelehnt (Quarantäne).[/]")
    if result.error_workbook:
        console.print(f"Fehler und Hinweise: {result.error_workbook}")
    return EXIT_OK


def import_data(args: argparse.Namespace) -> int:
    """`monitoring import statistik|zahlen|konzept|katalog`."""
    from datetime import date

    from monitoring.errors import ConfigError, DataValidationError
    from monitoring.io.import_catalogue import load_catalogue
    from monitoring.io.import_concept import import_concept
    from monitoring.io.import_figures import import_figures, no_values_hint
    from monitoring.io.import_statistics import import_statistics
    from monitoring.io.imports import ImportResult, write_error_report
    from monitoring.store.contents import count_computed_values

    result: ImportResult
    needs = () if args.kind == "katalog" else ("areas", "catalogue")
    with _open_for_import(args.store, needs=needs) as store:
        try:
            if args.kind == "statistik":
                try:
                    stand = date.fromisoformat(args.stand) if args.stand else None
                except ValueError:
                    raise ConfigError(f"„{args.stand}“ ist kein Datum; erwartet JJJJ-MM-TT.") \
                        from None
                result = import_statistics(store, args.file, table=args.table,
                                          series_id=args.reihe, mapping=args.zuordnung,
                                          download_date=stand)
            elif args.kind == "zahlen":
                result = import_figures(store, args.file)
            elif args.kind == "konzept":
                result = import_concept(store, args.file)
            else:
                rows = load_catalogue(store, args.file)
                terminal().print(f"Indikatorkatalog: {rows} Indikatoren.")
                return EXIT_OK
        except DataValidationError as err:
            if args.fehlerbericht and err.problems:
                write_error_report(err.problems, args.fehlerbericht)
                err.message += f" Fehlerliste: {args.fehlerbericht}"
            raise
        hint = None
        if args.kind in ("statistik", "zahlen"):
            computed = count_computed_values(store)
            if not computed and not result.already_imported:
                hint = no_values_hint(store)
        else:
            computed = 0
    if result.already_imported:
        terminal().print(f"{result.file} wurde bereits importiert; nichts geändert.")
    else:
        extra = (f", {result.skipped_unassigned} Werte keiner Reihe zugeordnet"
                 if result.skipped_unassigned else "")
        terminal().print(f"{result.file}: {result.rows} Zeilen übernommen{extra}; "
                         f"aus den Reihen ergeben sich jetzt {computed} Indikatorwerte.")
    for note in getattr(result, "notes", ()):
        terminal().print(note, markup=False, soft_wrap=True)
    if hint:
        terminal().print(hint, markup=False, soft_wrap=True)
    return EXIT_OK


def import_area_changes(args: argparse.Namespace) -> int:
    """`monitoring import gebietsaenderungen`: a table of area changes."""
    from monitoring.io.import_area_changes import import_area_changes

    console = terminal()
    with _open_for_import(args.store, needs=()) as store:
        result = import_area_changes(store, args.file, report=args.fehlerbericht)
    if result.already_imported:
        console.print(f"{result.file} wurde bereits importiert; nichts geändert.",
                      markup=False, soft_wrap=True)
        return EXIT_OK
    replaced = (f"; {result.replaced} Zeilen der früheren Fassung ersetzt"
                if result.replaced else "")
    effect = (" Zahlen werden ab jetzt auf den heutigen Gebieten mit diesen Änderungen "
              "ausgewiesen." if result.written or result.replaced else "")
    console.print(f"{result.file}: {result.written} Gebietsänderungen übernommen"
                  f"{replaced}.{effect}", markup=False, soft_wrap=True)
    if result.ended:
        listing = ", ".join(f"{code} {name} (bis {end:%d.%m.%Y})"
                            for code, name, end in result.ended)
        console.print(f"  Gebiete beendet (in anderen Gebieten aufgegangen): {listing}.",
                      markup=False, soft_wrap=True)
    if result.reopened:
        console.print(f"  Gebiete wieder gültig (Änderung entfernt): "
                      f"{', '.join(result.reopened)}.", markup=False, soft_wrap=True)
    shown = 10
    for note in result.notes[:shown]:
        console.print(f"  Hinweis Zeile {note.row}, {note.column}: {note.message}",
                      markup=False, soft_wrap=True)
    if len(result.notes) > shown:
        console.print(f"  … und {len(result.notes) - shown} weitere Hinweise.", markup=False)
    if result.report:
        console.print(f"Hinweise: {result.report}", markup=False)
    return EXIT_OK


def import_any(args: argparse.Namespace) -> int:
    """`monitoring import ART DATEI`: dispatch by kind."""
    if args.kind == "angebote":
        return import_inventory(args)
    if args.kind == "gebietsaenderungen":
        return import_area_changes(args)
    return import_data(args)


def export(args: argparse.Namespace) -> int:
    """`monitoring export bestand|indikatoren`."""
    from monitoring.report.run.outdir import check_out_file

    check_out_file(args.out)
    settings = resolve_settings(args)
    if args.kind == "bestand":
        from monitoring.views.export_inventory import export_inventory

        path = export_inventory(args.store, args.out, fmt=args.format, area_code=args.area,
                                period=args.period, settings=settings)
        terminal().print(f"Export geschrieben: {path}")
        return EXIT_OK
    from monitoring.store.database import open_store
    from monitoring.views import export_indicators as export

    with open_store(args.store) as store:
        path = export.write(store, args.out, fmt=args.format, settings=settings)
    terminal().print(f"Indikatorpanel geschrieben: {path}")
    return EXIT_OK


def import_areas(args: argparse.Namespace) -> int:
    """`monitoring import-areas`: a boundary file as new area versions."""
    from datetime import date, timedelta

    from monitoring.errors import ConfigError
    from monitoring.io.import_areas import load_area_file
    from monitoring.store.areas import read_scope

    try:
        valid_from = date.fromisoformat(args.valid_from)
    except ValueError:
        raise ConfigError(f"„{args.valid_from}“ ist kein Datum; erwartet JJJJ-MM-TT, "
                          "z. B. 2024-01-01.") from None
    with _open_for_import(args.store, needs=()) as store:
        result = load_area_file(store, args.file, level=args.level, valid_from=valid_from,
                                layer=args.layer, code_field=args.code_field,
                                name_field=args.name_field, end_missing=args.fehlende_beenden,
                                within=read_scope(store).land)
    console = terminal()
    console.print(f"{result.new_or_changed} Gebiete neu oder geändert, "
                  f"{result.unchanged} unverändert.", markup=False)
    eve = valid_from - timedelta(days=1)
    if result.reopened:
        console.print(f"Hinweis: {len(result.reopened)} Gebiete, die als fehlend zum "
                      f"{eve:%d.%m.%Y} beendet waren, sind wieder enthalten und gelten weiter: "
                      f"{', '.join(result.reopened)}.", markup=False, soft_wrap=True)
    if result.ended:
        listing = ", ".join(f"{code} {name}" for code, name, _ in result.ended)
        console.print(f"Hinweis: {len(result.ended)} Gebiete fehlen in der Datei und gelten "
                      f"nur noch bis zum {eve:%d.%m.%Y}: {listing}. Ihre Zahlen werden keinem "
                      "heutigen Gebiet zugerechnet, solange keine Gebietsänderung sie "
                      "zuordnet (`monitoring import gebietsaenderungen`).",
                      markup=False, soft_wrap=True)
    return EXIT_OK
