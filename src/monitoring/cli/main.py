"""The `monitoring` command line: a thin layer over the library, messages in German.

Exit codes: 0 success; 1 a run finished but some reports failed, or an unexpected error of
the environment or the program (short German message with the technical cause; the
traceback only with ``--debug``); 2 invalid input or an unusable store (nothing was
written). No error ends with a traceback unless ``--debug`` asks for it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from monitoring.cli import data, info, reports
from monitoring.cli.common import DEMO_PERIOD, DEMO_STORE, EXIT_ENVIRONMENT, EXIT_INPUT
from monitoring.cli.german import german, type_names
from monitoring.errors import MonitoringError, WriteFault


class _Parser(argparse.ArgumentParser):
    """argparse with its own words in German (`german`): „Aufruf:“, „Optionen“, errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with german():
            super().__init__(*args, **kwargs)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        with german():
            return super().parse_known_args(*args, **kwargs)

    def parse_args(self, *args: Any, **kwargs: Any) -> Any:
        with german():
            return super().parse_args(*args, **kwargs)

    def format_usage(self) -> str:
        with german():
            return super().format_usage()

    def format_help(self) -> str:
        with german():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"Fehler im Aufruf: {type_names(message)}\n"
                              "Hilfe: monitoring --help\n")


def _workers(text: str) -> int:
    """``--workers``: a whole number of at least 1 (capped at the cores by the commands)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"„{text}“ ist keine ganze Zahl; erlaubt sind 1 bis {os.cpu_count() or 1} "
            "(Anzahl der Prozessorkerne)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"{value} ist zu klein; erlaubt sind 1 bis {os.cpu_count() or 1} (Anzahl der "
            "Prozessorkerne)")
    return value


class _Version(argparse.Action):
    """``--version``: argparse's version action, with the version read only when asked for
    (every other command starts without `importlib.metadata`)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,  # noqa: ARG002 - argparse's signature
                 values: object, option_string: str | None = None) -> None:  # noqa: ARG002
        from monitoring import __version__

        sys.stdout.write(f"{parser.prog} {__version__}\n")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="monitoring", description=(
        "Integrationsmonitor: Angebote, Abdeckung und Indikatoren des kommunalen "
        "Integrationsmanagements – Datenbank, Notebooks und Berichte."))
    parser.add_argument("--version", action=_Version, help="Versionsnummer zeigen und beenden")
    parser.add_argument("--debug", action="store_true",
                        help="bei unerwarteten Fehlern den vollständigen technischen Ablauf "
                             "(Traceback) zeigen")
    sub = parser.add_subparsers(dest="command", required=True, metavar="BEFEHL",
                                parser_class=_Parser)

    def settings_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--settings", metavar="DATEI",
                       help="Einstellungsdatei (TOML: [geheimhaltung], [ampel], "
                            "[status_dynamik_index]); Standard: $MONITORING_SETTINGS, sonst "
                            "monitoring.toml im Arbeitsordner")
        p.add_argument("--schwelle", type=int, metavar="N",
                       help="Geheimhaltung: Fallzahlen 1 … N−1 nicht ausweisen (Standard: "
                            "Einstellungsdatei oder 3)")
        p.add_argument("--mindestnenner", type=float, metavar="N",
                       help="Geheimhaltung: Quoten mit Nenner unter N nicht ausweisen "
                            "(Standard: Einstellungsdatei oder 20)")

    def run_options(p: argparse.ArgumentParser, *, default_store: str | None) -> None:
        p.add_argument("--store", default=default_store,
                       help="Datenbankdatei (Standard: $MONITORING_STORE oder "
                            "data/monitoring.duckdb)")
        p.add_argument("--out", default="reports", help="Ausgabeordner (Standard: reports)")
        p.add_argument("--area", action="append", metavar="SCHLÜSSEL",
                       help="nur dieses Gebiet (mehrfach möglich); Standard: der eigene Kreis "
                            "der Datenbank, sonst alle Kreise des Landes")
        p.add_argument("--workers", type=_workers, default=2,
                       help="parallele Berichte, 1 bis Anzahl der Prozessorkerne (Standard: 2; "
                            "mehr als Kerne vorhanden: auf die Kernzahl begrenzt)")
        p.add_argument("--renderer", choices=["auto", "quarto", "nbconvert"], default="auto",
                       help="HTML-Erzeugung: Quarto, falls installiert, sonst nbconvert")
        p.add_argument("--notebooks", help="Ordner der Berichts-Notebooks (Standard: notebooks)")
        settings_options(p)
        p.add_argument("--ampel-toleranz", type=float, metavar="X",
                       help="Ampel: grün bis zu diesem Anteil hinter dem Zielpfad (Standard: "
                            "Einstellungsdatei, Datenbank oder 0,1)")
        p.add_argument("--ampel-gefaehrdet", type=float, metavar="X",
                       help="Ampel: gelb bis zu diesem Anteil hinter dem Zielpfad (Standard: "
                            "Einstellungsdatei, Datenbank oder 0,3)")

    run = sub.add_parser("run", help="Quartalsberichte für die Kreise des Landes erzeugen")
    run.add_argument("--period", required=True, help="Quartal, z. B. 2025-Q4")
    run_options(run, default_store=None)

    pub = sub.add_parser("veroeffentlichen", help="Quartal in allen Formaten veröffentlichen "
                         "(HTML, PDF, PowerPoint, Tabellen, Vergleich der Kreise des Landes, "
                         "ZIP) – für den zeitgesteuerten Lauf")
    pub.add_argument("--period", help="Quartal, z. B. 2025-Q4 (Standard: letztes abgeschlossenes)")
    pub.add_argument("--fazit", default="fazit",
                     help="Ordner mit den Fazit-Dateien <Schlüssel>_<Jahr>.md (Standard: fazit)")
    run_options(pub, default_store=None)

    demo = sub.add_parser("demo", help="Demo-Datenbank erzeugen und ein Quartal berichten")
    demo.add_argument("--period", default=DEMO_PERIOD, help=f"Quartal (Standard: {DEMO_PERIOD})")
    demo.add_argument("--no-run", action="store_true", help="nur die Datenbank erzeugen")
    run_options(demo, default_store=str(DEMO_STORE))

    new = sub.add_parser("neu", help="neue Datenbank anlegen: Schema, Indikatorkatalog und "
                         "Gebiete (Thüringen: im Programm enthalten; andere Länder: Dateien)")
    new.add_argument("--store", default=None, help="Datenbankdatei (Standard: "
                     "$MONITORING_STORE oder data/monitoring.duckdb); darf noch nicht bestehen")
    new.add_argument("--land", default="16", help="Landesschlüssel, z. B. 06 für Hessen, oder "
                     "DG für ganz Deutschland (Standard: 16, das Land, dessen Gebiete im "
                     "Programm enthalten sind)")
    new.add_argument("--kreis", metavar="SCHLÜSSEL", help="eigener Kreis, z. B. 06412: `run` "
                     "berichtet dann diesen Kreis")
    new.add_argument("--gebiete", action="append", metavar="DATEI",
                     help="Grenzen (VG250-Shapefile, GeoPackage, GeoJSON; mehrfach möglich, "
                          "je Datei ein --ebene und --stand); ohne: die Thüringer Gebiete des "
                          "Programms")
    new.add_argument("--ebene", action="append", choices=["land", "kreis", "gemeinde"],
                     help="Ebene der Datei (je --gebiete eine, oder eine für alle)")
    new.add_argument("--stand", action="append", metavar="JJJJ-MM-TT",
                     help="Gebietsstand der Datei: erster Tag, für den die Grenzen gelten")
    new.add_argument("--layer", action="append", help="Ebene im GeoPackage (je Datei)")

    upgrade = sub.add_parser("upgrade", help="Datenbank auf die aktuelle Schema-Version bringen")
    upgrade.add_argument("--store", default=None, help="Datenbankdatei")

    info = sub.add_parser("info", help="Inhalt und Stand der Datenbank anzeigen")
    info.add_argument("--store", default=None, help="Datenbankdatei")

    areas = sub.add_parser("areas", help="Gebiete einer Ebene auflisten")
    areas.add_argument("--level", default="kreis",
                       choices=["land", "kreis", "gemeinde", "ortsteil"],
                       help="land, kreis, gemeinde oder ortsteil")
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
        settings_options(p)
    return parser






























COMMANDS = {"erreichbarkeit": reports.erreichbarkeit,
            "run": reports.run, "veroeffentlichen": reports.publish, "demo": reports.demo,
            "neu": info.new_store, "upgrade": info.upgrade, "info": info.info, "areas": info.areas,
            "import-areas": data.import_areas, "template": data.template,
            "import": data.import_any, "export": data.export}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except WriteFault as err:  # full disk, read-only folder: the environment, not the input
        print(f"Fehler: {err}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except MonitoringError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        for problem in getattr(err, "problems", [])[:20]:
            print("  " + " · ".join(f"{k}: {v}" for k, v in problem.items() if v is not None),
                  file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt as err:  # Ctrl-C; `RunInterrupted` also for SIGTERM/SIGHUP
        print(str(err) or "Abgebrochen.", file=sys.stderr)
        return int(getattr(err, "exit_code", 130))
    except Exception as err:  # the last line of defence: no traceback
        if args.debug:
            raise
        print(f"Fehler: {_unexpected(err)}\n(technische Ursache: {type(err).__name__}: "
              f"{err})", file=sys.stderr)
        return EXIT_ENVIRONMENT


def _unexpected(err: Exception) -> str:
    """German message for an error none of our checks anticipated."""
    if isinstance(err, OSError):
        where = f" ({err.filename})" if err.filename else ""
        return (f"Eine Datei oder ein Ordner{where} konnte nicht gelesen oder geschrieben "
                f"werden: {err.strerror or err}. Prüfen Sie Pfad, Schreibrechte und freien "
                "Speicherplatz und starten Sie den Befehl erneut.")
    return ("Unerwarteter Fehler im Integrationsmonitor. Bitte melden Sie ihn mit dem Befehl "
            "und der folgenden technischen Ursache; mit `monitoring --debug …` wird der "
            "vollständige Ablauf angezeigt.")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
