"""The `monitoring` command line: a thin layer over the library, messages in German.

Exit codes: 0 success; 1 a run finished but some reports failed; 2 invalid input or an
unusable store (nothing was written).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from monitoring import __version__
from monitoring.errors import MonitoringError

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK, EXIT_FAILED_REPORTS, EXIT_INPUT = 0, 1, 2
DEMO_STORE = Path("data") / "demo.duckdb"
DEMO_PERIOD = "2025-Q4"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"Fehler im Aufruf: {message}\nHilfe: monitoring --help\n")


def _console() -> Console:
    from rich.console import Console

    return Console(stderr=False, highlight=False)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="monitoring", description=(
        "Integrationsmonitor: Angebote, Abdeckung und Indikatoren des kommunalen "
        "Integrationsmanagements – Datenbank, Notebooks und Berichte."))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="BEFEHL",
                                parser_class=_Parser)

    def run_options(p: argparse.ArgumentParser, *, default_store: str | None) -> None:
        p.add_argument("--store", default=default_store,
                       help="Datenbankdatei (Standard: $MONITORING_STORE oder "
                            "data/monitoring.duckdb)")
        p.add_argument("--out", default="reports", help="Ausgabeordner (Standard: reports)")
        p.add_argument("--area", action="append", metavar="SCHLÜSSEL",
                       help="nur dieses Gebiet (mehrfach möglich); Standard: alle Kreise")
        p.add_argument("--workers", type=int, default=2,
                       help="parallele Berichte (Standard: 2)")
        p.add_argument("--renderer", choices=["auto", "quarto", "nbconvert"], default="auto",
                       help="HTML-Erzeugung: Quarto, falls installiert, sonst nbconvert")
        p.add_argument("--notebooks", help="Ordner der Berichts-Notebooks (Standard: notebooks)")
        p.add_argument("--schwelle", type=int, metavar="N",
                       help="Geheimhaltung: Fallzahlen 1 … N−1 nicht ausweisen (Standard: "
                            "monitoring.toml oder 3)")
        p.add_argument("--mindestnenner", type=float, metavar="N",
                       help="Geheimhaltung: Quoten mit Nenner unter N nicht ausweisen "
                            "(Standard: monitoring.toml oder 20)")

    run = sub.add_parser("run", help="Quartalsberichte für alle Kreise erzeugen")
    run.add_argument("--period", required=True, help="Quartal, z. B. 2025-Q4")
    run_options(run, default_store=None)

    pub = sub.add_parser("veroeffentlichen", help="Quartal in allen Formaten veröffentlichen "
                         "(HTML, PDF, PowerPoint, Tabellen, Landesvergleich, ZIP) – für den "
                         "zeitgesteuerten Lauf")
    pub.add_argument("--period", help="Quartal, z. B. 2025-Q4 (Standard: letztes abgeschlossenes)")
    pub.add_argument("--fazit", default="fazit",
                     help="Ordner mit den Fazit-Dateien <Schlüssel>_<Jahr>.md (Standard: fazit)")
    run_options(pub, default_store=None)

    demo = sub.add_parser("demo", help="Demo-Datenbank erzeugen und ein Quartal berichten")
    demo.add_argument("--period", default=DEMO_PERIOD, help=f"Quartal (Standard: {DEMO_PERIOD})")
    demo.add_argument("--no-run", action="store_true", help="nur die Datenbank erzeugen")
    run_options(demo, default_store=str(DEMO_STORE))

    upgrade = sub.add_parser("upgrade", help="Datenbank auf die aktuelle Schema-Version bringen")
    upgrade.add_argument("--store", default=None, help="Datenbankdatei")

    info = sub.add_parser("info", help="Inhalt und Stand der Datenbank anzeigen")
    info.add_argument("--store", default=None, help="Datenbankdatei")

    areas = sub.add_parser("areas", help="Gebiete einer Ebene auflisten")
    areas.add_argument("--level", default="kreis", help="land, kreis oder gemeinde")
    areas.add_argument("--store", default=None, help="Datenbankdatei")
    imp = sub.add_parser("import-areas", help="Gebietsgrenzen importieren (VG250, GeoPackage, "
                                               "GeoJSON, Shapefile)")
    imp.add_argument("file", help="Geodatei")
    imp.add_argument("--level", required=True, choices=["land", "kreis", "gemeinde", "ortsteil"])
    imp.add_argument("--valid-from", required=True, help="gültig ab (JJJJ-MM-TT)")
    imp.add_argument("--layer", help="Ebene im GeoPackage, z. B. vg250_gem")
    imp.add_argument("--code-field", help="Spalte mit dem Gebietsschlüssel (Standard: erkannt)")
    imp.add_argument("--name-field", help="Spalte mit dem Namen (Standard: erkannt)")
    imp.add_argument("--fehlende-beenden", action="store_true",
                     help="aktuelle Gebiete, die in den von der Datei abgedeckten Kreisen "
                          "(bzw. Ländern) fehlen, zum Vortag von --valid-from beenden "
                          "(ohne diese Option: Abbruch mit Liste)")
    imp.add_argument("--store", default=None, help="Datenbankdatei")
    tpl = sub.add_parser("template", help="Vorlage erzeugen (angebote, gebietsaenderungen)")
    tpl.add_argument("what", choices=["angebote", "gebietsaenderungen"], help="welche Vorlage")
    tpl.add_argument("--out", required=True, help="Zieldatei, z. B. Bestandserhebung.xlsx "
                                                  "(gebietsaenderungen: .xlsx oder .csv)")
    tpl.add_argument("--store", default=None,
                     help="Datenbank, deren Vokabulare die Auswahllisten füllen (Standard: "
                          "$MONITORING_STORE bzw. data/monitoring.duckdb, sonst Standardlisten)")

    data = sub.add_parser("import", help="Bestandsaufnahme, Statistik, eigene Zahlen, "
                                         "Integrationskonzept, Indikatorkatalog oder "
                                         "Gebietsänderungen importieren")
    kinds = data.add_subparsers(dest="kind", required=True, metavar="ART", parser_class=_Parser)
    inv = kinds.add_parser("angebote",
                           help="Bestandsaufnahme: ausgefüllte Vorlage (.xlsx) oder CSV")
    inv.add_argument("--accept-valid", action="store_true",
                     help="fehlerfreie Zeilen importieren, fehlerhafte in Quarantäne")
    inv.add_argument("--as-of", help="Stichtag der Änderungen (JJJJ-MM-TT; Standard: heute)")
    stat = kinds.add_parser("statistik", help="GENESIS-/Regionaldatenbank-Download (CSV/ZIP)")
    stat.add_argument("--table", help="Tabellencode, z. B. 12411-01-01-4 (Standard: aus der Datei)")
    stat.add_argument("--reihe", help="alle Insgesamt-Werte dieser benannten Reihe zuordnen")
    stat.add_argument("--zuordnung", help="CSV: series_id;statistic;value_variable;attributes")
    stat.add_argument("--stand", help="Abrufdatum JJJJ-MM-TT (Standard: Dateidatum)")
    for name, text in (("zahlen", "eigene Zahlen (reihe; gebiet; zeitraum; wert), CSV/Excel"),
                       ("konzept", "Ziele, Maßnahmen, Zielwerte (Excel/CSV)"),
                       ("katalog", "eigene Indikatoren (gleiche Spalten wie der Katalog)")):
        kinds.add_parser(name, help=text)
    changes = kinds.add_parser(
        "gebietsaenderungen", help="eigene Gebietsänderungen (alter_schluessel; "
        "neuer_schluessel; wirksam_ab; art; anteil; hinweis), CSV/Excel")
    changes.add_argument("--fehlerbericht", metavar="DATEI",
                         help="Fehler und abgelehnte Zeilen hierhin, .xlsx (oder .csv: nur "
                              "die Fehlerliste); Standard: <Datei>_Fehler.xlsx neben der Datei")
    for name, p in kinds.choices.items():
        p.add_argument("file", help="Datei")
        p.add_argument("--store", default=None, help="Datenbankdatei")
        # the inventory and the area changes always write their error workbook
        if name not in ("angebote", "gebietsaenderungen"):
            p.add_argument("--fehlerbericht", help="bei Fehlern: Liste als CSV hierhin schreiben")

    err = sub.add_parser("erreichbarkeit", help="Erreichbarkeit (E2SFCA) mit dem Zensus-Gitter "
                                                "als Nachfrage, je Gemeinde eines Kreises")
    err.add_argument("--gitter", required=True, metavar="DATEI",
                     help="Zensus-2022-Gitter (CSV, z. B. "
                          "Zensus2022_Bevoelkerungszahl_1km-Gitter.csv)")
    err.add_argument("--area", required=True, metavar="SCHLÜSSEL", help="Kreis")
    err.add_argument("--period", required=True, metavar="QUARTAL", help="z. B. 2025-Q4")
    err.add_argument("--feld", action="append", metavar="FELD",
                     help="nur dieses Handlungsfeld (mehrfach möglich; Standard: alle)")
    err.add_argument("--einzugsbereich-km", type=float, default=30.0, metavar="KM",
                     help="Einzugsbereich in km (Standard: 30; Luo-Qi-Stufen 1/0,68/0,22)")
    err.add_argument("--gruppe", default="auslaender",
                     help="Zielgruppe (Bevölkerungsgruppe in der Datenbank; Standard: auslaender)")
    err.add_argument("--out", metavar="DATEI", help="Zieldatei .csv oder .xlsx (Standard: "
                                                    "nur Lückenliste anzeigen)")
    err.add_argument("--store", default=None, help="Datenbankdatei")
    exp = sub.add_parser("export", help="Bestand (Excel/GeoPackage) oder Indikatorpanel "
                                        "(CSV/Excel) exportieren")
    exports = exp.add_subparsers(dest="kind", required=True, metavar="ART", parser_class=_Parser)
    inv_exp = exports.add_parser("bestand", help="Angebote und Analysen")
    inv_exp.add_argument("--format", choices=["xlsx", "gpkg"], required=True)
    inv_exp.add_argument("--area", default=None, help="Kreis (Standard: alle)")
    inv_exp.add_argument("--period", default=None,
                         help="Quartal des Stichtags (Standard: neuestes)")
    ind_exp = exports.add_parser("indikatoren", help="Indikatorpanel")
    ind_exp.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    for p in exports.choices.values():
        p.add_argument("--out", required=True, help="Zieldatei")
        p.add_argument("--store", default=None, help="Datenbankdatei")
    return parser


def _template(args: argparse.Namespace) -> int:
    if args.what == "gebietsaenderungen":
        from monitoring.io.import_area_changes import write_template as write_changes_template

        path = write_changes_template(args.out)
        _console().print(f"Vorlage geschrieben: {path} (Beispielzeilen: die im Programm "
                         "enthaltenen Gebietsänderungen).", markup=False)
        return EXIT_OK
    from monitoring.errors import StoreError
    from monitoring.io.inventory.template import write_template
    from monitoring.store.database import open_store, resolve_path
    from monitoring.vocab import DEFAULT_VOCABULARIES

    vocab, versions, origin = dict(DEFAULT_VOCABULARIES), None, "Standardlisten"
    if resolve_path(args.store).exists():
        try:
            with open_store(args.store) as store:
                vocab = {k: store.read_vocabulary(k) or v for k, v in vocab.items()}
                versions = {k: int(v) for k, v in store.query(
                    "SELECT kind, max(version) v FROM vocabulary GROUP BY 1").itertuples(
                    index=False)}
                origin = f"Vokabulare aus {store.path}"
        except StoreError:
            if args.store:
                raise
    path = write_template(args.out, vocab, versions)
    _console().print(f"Vorlage geschrieben: {path} ({origin}).")
    return EXIT_OK


def _import_inventory(args: argparse.Namespace) -> int:
    from datetime import date

    from monitoring.errors import ConfigError
    from monitoring.io.inventory.load import import_file
    from monitoring.store.database import open_store

    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        raise ConfigError(f"„{args.as_of}“ ist kein Datum; erwartet JJJJ-MM-TT.") from None
    console = _console()
    with open_store(args.store, read_only=False) as store:
        result = import_file(store, args.file, accept_valid=args.accept_valid, as_of=as_of)
    if result.already_imported:
        console.print(f"{result.file_name} wurde bereits importiert; nichts geändert.")
        return EXIT_OK
    enc = f", Kodierung {result.encoding}" if result.encoding else ""
    console.print(f"{result.file_name} ({result.file_type}{enc}) importiert.")
    for key, value in result.counts.items():
        console.print(f"  {key}: {value}")
    if result.rejected:
        console.print(f"[yellow]{result.rejected} Zeilen abgelehnt (Quarantäne).[/]")
    if result.error_workbook:
        console.print(f"Fehler und Hinweise: {result.error_workbook}")
    return EXIT_OK


def _import_data(args: argparse.Namespace) -> int:
    from datetime import date

    from monitoring.errors import ConfigError, DataValidationError
    from monitoring.io import ingest
    from monitoring.store.database import open_store

    with open_store(args.store, read_only=False) as store:
        try:
            if args.kind == "statistik":
                try:
                    stand = date.fromisoformat(args.stand) if args.stand else None
                except ValueError:
                    raise ConfigError(f"„{args.stand}“ ist kein Datum; erwartet JJJJ-MM-TT.") \
                        from None
                result = ingest.import_statistik(store, args.file, table=args.table,
                                                 series_id=args.reihe, mapping=args.zuordnung,
                                                 download_date=stand)
            elif args.kind == "zahlen":
                result = ingest.import_zahlen(store, args.file)
            elif args.kind == "konzept":
                result = ingest.import_konzept(store, args.file)
            else:
                rows = ingest.load_catalogue(store, args.file)
                _console().print(f"Indikatorkatalog: {rows} Indikatoren.")
                return EXIT_OK
        except DataValidationError as err:
            if args.fehlerbericht and err.problems:
                ingest.write_error_report(err.problems, args.fehlerbericht)
                err.message += f" Fehlerliste: {args.fehlerbericht}"
            raise
        computed = ingest.computed_value_count(store) if args.kind in ("statistik", "zahlen") else 0
    if result.already_imported:
        _console().print(f"{result.file} wurde bereits importiert; nichts geändert.")
    else:
        extra = (f", {result.skipped_unassigned} Werte keiner Reihe zugeordnet"
                 if result.skipped_unassigned else "")
        _console().print(f"{result.file}: {result.rows} Zeilen übernommen{extra}; "
                         f"aus den Reihen ergeben sich jetzt {computed} Indikatorwerte.")
    return EXIT_OK


def _import_area_changes(args: argparse.Namespace) -> int:
    from monitoring.io.import_area_changes import import_area_changes
    from monitoring.store.database import open_store

    console = _console()
    with open_store(args.store, read_only=False) as store:
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


def _import(args: argparse.Namespace) -> int:
    if args.kind == "angebote":
        return _import_inventory(args)
    if args.kind == "gebietsaenderungen":
        return _import_area_changes(args)
    return _import_data(args)


def _export(args: argparse.Namespace) -> int:
    if args.kind == "bestand":
        from monitoring.views.export_inventory import export_inventory

        path = export_inventory(args.store, args.out, fmt=args.format, area_code=args.area,
                                period=args.period)
        _console().print(f"Export geschrieben: {path}")
        return EXIT_OK
    from monitoring.store.database import open_store
    from monitoring.views import export_indicators as export

    with open_store(args.store) as store:
        path = export.write(store, args.out, fmt=args.format)
    _console().print(f"Indikatorpanel geschrieben: {path}")
    return EXIT_OK


def _import_areas(args: argparse.Namespace) -> int:
    from datetime import date, timedelta

    from monitoring.errors import ConfigError
    from monitoring.io.geography import load_area_file
    from monitoring.store.database import open_store

    try:
        valid_from = date.fromisoformat(args.valid_from)
    except ValueError:
        raise ConfigError(f"„{args.valid_from}“ ist kein Datum; erwartet JJJJ-MM-TT, "
                          "z. B. 2024-01-01.") from None
    with open_store(args.store, read_only=False, create=True) as store:
        result = load_area_file(store, args.file, level=args.level, valid_from=valid_from,
                                layer=args.layer, code_field=args.code_field,
                                name_field=args.name_field, end_missing=args.fehlende_beenden)
    console = _console()
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


def _run(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from monitoring import fmt
    from monitoring.report import run_quarter

    console = _console()
    progress = Progress("[progress.description]{task.description}", BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), console=console)

    def started(n: int) -> None:
        progress.start()
        progress.add_task(f"Berichte {args.period}", total=n)

    def done(result: Any) -> None:  # a ReportResult
        mark = "[green]✓[/]" if result.status == "ok" else "[red]✗[/]"
        progress.console.print(f"{mark} {result.area_code} {result.name} "
                               f"({fmt.number(result.seconds, 1)} s)")
        progress.advance(progress.task_ids[0])

    try:
        summary = run_quarter(args.period, store_path=args.store, out_dir=args.out,
                              areas=args.area, workers=args.workers, renderer=args.renderer,
                              notebooks=args.notebooks, on_result=done, on_start=started)
    finally:
        progress.stop()
    ok = len(summary.results) - len(summary.failed)
    console.print(f"\n{ok} von {len(summary.results)} Berichten erstellt in "
                  f"{fmt.number(summary.seconds, 1)} s → {summary.out_dir / 'index.html'}")
    for failed in summary.failed:
        kept = " (die letzte erfolgreiche Fassung bleibt bestehen)" if failed.kept_previous else ""
        console.print(f"[red]Fehler[/] {failed.area_code} {failed.name}{kept}: {failed.error}")
    if summary.failed:
        console.print(f"Die fehlgeschlagenen Notebooks liegen in {summary.out_dir / '_fehler'}.")
    for note in summary.notes:
        console.print(f"Hinweis: {note}")
    return EXIT_OK if summary.ok else EXIT_FAILED_REPORTS


def _publish(args: argparse.Namespace) -> int:
    from datetime import date

    from monitoring import fmt
    from monitoring.periods import Quarter
    from monitoring.report.publish.publish import check_writable, publish_quarter

    console = _console()
    period = args.period or str(Quarter.of(date.today()) - 1)  # last completed quarter
    check_writable(Path(args.out))
    summary = publish_quarter(period, store_path=args.store, out_dir=args.out, areas=args.area,
                              workers=args.workers, conclusions_dir=args.fazit,
                              notebooks=args.notebooks, renderer=args.renderer,
                              on_step=lambda text: console.print(f"… {text}"))
    console.print(f"\nVeröffentlichung {summary.period}: {summary.html_ok} HTML-Berichte, "
                  f"{len(summary.files)} Dateien → {summary.folder}")
    for name, seconds in summary.seconds.items():
        console.print(f"  {name}: {fmt.number(seconds, 1)} s")
    for failed in summary.html_failed:
        console.print(f"[red]Fehler[/] {failed}")
    for finding in summary.findings:
        console.print(f"[red]Geheimhaltung[/] {finding}")
    if summary.findings:
        console.print("[red]Nichts veröffentlicht:[/] die letzte gültige Fassung bleibt bestehen.")
    elif summary.zip_file:
        console.print(f"ZIP für das Netzwerk: {summary.zip_file}")
    return EXIT_OK if summary.ok else EXIT_FAILED_REPORTS


def _demo(args: argparse.Namespace) -> int:
    from monitoring.demo.build import build_demo_store

    console = _console()
    console.print(f"Erzeuge Demo-Datenbank {args.store} (Demodaten – fiktiv) …")
    build_demo_store(args.store)
    if args.no_run:
        return EXIT_OK
    return _run(args)


def _upgrade(args: argparse.Namespace) -> int:
    from monitoring.store.database import open_store

    with open_store(args.store, read_only=False) as store:
        _console().print(f"{store.path}: Schema-Version {store.schema_version} (aktuell).")
    return EXIT_OK


def _info(args: argparse.Namespace) -> int:
    from monitoring.io import ingest
    from monitoring.io.import_area_changes import count_changes
    from monitoring.store.database import open_store

    console = _console()
    with open_store(args.store, read_only=True) as store:
        meta = store.meta()
        console.print(f"Datenbank: {store.path}")
        console.print(f"Schema-Version: {store.schema_version} · Snapshot: {store.snapshot_id()}")
        if store.is_demo:
            console.print("[yellow]Demodaten – fiktiv[/]")
        console.print(f"Datenstand: {meta.get('data_stand', 'unbekannt')}")
        for table in ("area", "population", "actor", "offer", "series_value", "target"):
            n = int(store.query(f"SELECT count(*) AS n FROM {table}")["n"].iloc[0])
            console.print(f"  {table}: {n}")
        entered = int(store.query("SELECT count(*) AS n FROM observation")["n"].iloc[0])
        console.print(f"  Indikatorwerte: {ingest.computed_value_count(store)} aus Reihen "
                      f"(beim Lesen berechnet), {entered} direkt erfasst", soft_wrap=True)
        changes = count_changes(store)
        console.print(f"  area_change: {changes['packaged'] + changes['own']} "
                      f"(Gebietsänderungen: {changes['packaged']} im Programm enthalten, "
                      f"{changes['own']} aus eigenen Dateien)", soft_wrap=True)
    return EXIT_OK


def _areas(args: argparse.Namespace) -> int:
    from monitoring.store.database import open_store

    console = _console()
    with open_store(args.store, read_only=True) as store:
        frame = store.read_areas(level=args.level)
        for row in frame.itertuples():
            console.print(f"{row.area_code}\t{row.name}\t{row.kind}")
    return EXIT_OK


def _erreichbarkeit(args: argparse.Namespace) -> int:
    from monitoring import fmt
    from monitoring.errors import ConfigError
    from monitoring.store.database import open_store
    from monitoring.views.accessibility import AccessSettings
    from monitoring.views.grid_accessibility import grid_access, write_tables

    if not Path(args.gitter).is_file():
        raise ConfigError(f"Die Gitterdatei „{args.gitter}“ gibt es nicht.")
    if args.out and Path(args.out).suffix.lower() not in (".csv", ".xlsx"):
        raise ConfigError(f"Ausgabedatei „{args.out}“: erwartet die Endung .csv oder .xlsx.")
    settings = AccessSettings(catchment_m=args.einzugsbereich_km * 1000,
                              population_group=args.gruppe)
    with open_store(args.store, read_only=True) as store:
        result = grid_access(store, args.gitter, area_code=args.area, period=args.period,
                             fields=args.feld, settings=settings)
    console = _console()

    def say(text: str) -> None:  # one line per message, no markup in names
        console.print(text, soft_wrap=True, markup=False)

    c = result.counts
    say(f"{result.method}. Gitterzellen: {fmt.number(c['cells'])}, davon "
        f"{fmt.number(c['withheld'])} ohne veröffentlichte Zahl und "
        f"{fmt.number(c['outside'])} außerhalb der Gemeinden nicht berücksichtigt; "
        f"{fmt.number(c['district_cells'])} im Kreis.")
    say(f"Lückenliste (unter {fmt.number(settings.gap_fraction * 100)} % des "
        f"Kreismittels): {len(result.gaps)} Einträge")
    for row in result.gaps.itertuples(index=False):
        say("  " + " · ".join(fmt.number(v, 1) if isinstance(v, float) else str(v)
                              for v in row))
    if args.out:
        for path in write_tables(result, args.out):
            say(f"Geschrieben: {path}")
    return EXIT_OK


COMMANDS = {"erreichbarkeit": _erreichbarkeit,
            "run": _run, "veroeffentlichen": _publish, "demo": _demo, "upgrade": _upgrade,
            "info": _info, "areas": _areas, "import-areas": _import_areas,
            "template": _template, "import": _import, "export": _export}


def _privacy_options(args: argparse.Namespace) -> None:
    """Pass --schwelle/--mindestnenner on to every report kernel (they read the environment)."""
    import os

    from monitoring.io import settings

    for option, env in (("schwelle", settings.ENV_THRESHOLD),
                        ("mindestnenner", settings.ENV_MIN_DENOMINATOR)):
        value = getattr(args, option, None)
        if value is not None:
            os.environ[env] = str(value)
    if getattr(args, "schwelle", None) is not None or getattr(args, "mindestnenner", None):
        settings.load()  # validate now: a wrong value is an input error, before any work


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _privacy_options(args)
        return COMMANDS[args.command](args)
    except MonitoringError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        for problem in getattr(err, "problems", [])[:20]:
            print("  " + " · ".join(f"{k}: {v}" for k, v in problem.items()), file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt as err:  # Ctrl-C; `RunInterrupted` also for SIGTERM/SIGHUP
        print(str(err) or "Abgebrochen.", file=sys.stderr)
        return int(getattr(err, "exit_code", 130))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
