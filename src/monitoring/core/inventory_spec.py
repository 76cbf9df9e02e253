"""The inventory's sheets and columns, declared once.

The template, the reader (header recognition), the validation and the error workbook are all
driven by these declarations, so a column is added in one place. Headers are German because
partners fill them in; ``key`` is the internal (English) name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Kinds of column. Each kind has a parser in `monitoring.core.cells`.
ID, TEXT, VOCAB, AGS, INT, NUMBER, DATE, BOOL, REF, ID_LIST = (
    "id", "text", "vocab", "ags", "int", "number", "date", "bool", "ref", "id_list")

CRS_CHOICES = {"WGS84": "EPSG:4326", "EPSG:4326": "EPSG:4326", "EPSG:25832": "EPSG:25832",
               "EPSG:3035": "EPSG:3035", "UTM32": "EPSG:25832", "ETRS89/UTM32": "EPSG:25832",
               "ETRS89-LAEA": "EPSG:3035"}
YES = {"ja", "j", "x", "yes", "true", "wahr", "1"}
NO = {"nein", "n", "no", "false", "falsch", "0"}


ERROR, NOTE = "Fehler", "Hinweis"


@dataclass(frozen=True)
class Problem:
    """One finding of a table import: where (file, sheet, row, column), what was found, what
    is allowed, and whether it blocks the import (``Fehler``) or is a repair (``Hinweis``).

    Declared here, beside the sheets, because every table importer (inventory, area changes)
    reports in this shape and writes it into the same error workbook.
    """

    file: str
    sheet: str
    row: int
    column: str
    value: str
    expected: str
    message: str
    severity: str = ERROR

    def as_dict(self) -> dict[str, object]:
        return {"Schwere": self.severity, "Datei": self.file, "Blatt": self.sheet,
                "Zeile": self.row, "Spalte": self.column, "Gefundener Wert": self.value,
                "Erlaubt": self.expected, "Problem": self.message}


@dataclass(frozen=True)
class Column:
    """One column of a sheet: internal key, German header, kind and rules."""

    key: str
    header: str
    kind: str
    required: bool = False
    vocab: str | None = None          # vocabulary kind in the store (for VOCAB)
    refers_to: str | None = None      # sheet key whose ids this column references (REF/ID_LIST)
    help: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook (or one CSV file)."""

    key: str
    name: str
    columns: tuple[Column, ...]
    purpose: str
    examples: tuple[tuple[object, ...], ...] = field(default=())

    @property
    def id_column(self) -> Column:
        return self.columns[0]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


EXAMPLE_MARK = "BEISPIEL-"
"""The template's example rows carry IDs starting with this mark; the import skips such rows
(and says so), so that a partner who returns the template with its examples still in place
does not import two invented organisations and offers as real data."""


def is_example(value: object) -> bool:
    """Whether an ID cell marks a template example row (``BEISPIEL-AN-001``, any case)."""
    return isinstance(value, str) and value.strip().upper().startswith(EXAMPLE_MARK)


ACTORS = Sheet("actors", "Akteure", (
    Column("actor_id", "Akteur-ID", ID, True, help="eindeutige Kennung, z. B. AK-001"),
    Column("name", "Name der Organisation", TEXT, True),
    Column("actor_type", "Art des Akteurs", VOCAB, True, vocab="actor_type"),
    Column("area_code", "Gemeindeschlüssel (Sitz)", AGS, True,
           help="8-stelliger amtlicher Gemeindeschlüssel, z. B. 16070004"),
    Column("network_member", "Mitglied im Netzwerk", BOOL, help="ja oder nein"),
    Column("volunteers", "Anzahl Ehrenamtliche", INT, help="ganze Zahl ≥ 0"),
), "Organisationen, die Angebote machen (Träger, Vereine, Ämter, Initiativen)",
    (("BEISPIEL-AK-001", "Miteinander Ilmenau e. V.", "Verein", "16070029", "ja", 12),
     ("BEISPIEL-AK-002", "Bildungswerk Arnstadt gGmbH", "Bildungsträger", "16070004", "nein",
      0)))

LOCATIONS = Sheet("locations", "Standorte", (
    Column("location_id", "Standort-ID", ID, True, help="eindeutige Kennung, z. B. ST-001"),
    Column("name", "Bezeichnung", TEXT),
    Column("address", "Adresse", TEXT, help="Straße Hausnummer, PLZ Ort"),
    Column("area_code", "Gemeindeschlüssel", AGS, True),
    Column("x", "Rechtswert / Längengrad", NUMBER,
           help="Längengrad (WGS84, z. B. 10,94) oder Rechtswert (EPSG:25832/3035)"),
    Column("y", "Hochwert / Breitengrad", NUMBER, help="Breitengrad oder Hochwert"),
    Column("crs", "Koordinatensystem", VOCAB, vocab="crs",
           help="WGS84, EPSG:25832 oder EPSG:3035; leer = aus den Werten erkannt"),
), "Orte, an denen Angebote stattfinden: Koordinaten oder Adresse mit Gemeindeschlüssel",
    (("BEISPIEL-ST-001", "Bürgerhaus", "Lindenstraße 1, 98693 Ilmenau", "16070029", "10,9153",
      "50,6838",
      "WGS84"),
     ("BEISPIEL-ST-002", "Schulungsraum", "Markt 3, 99310 Arnstadt", "16070004", None, None,
      None)))

OFFERS = Sheet("offers", "Angebote", (
    Column("offer_id", "Angebots-ID", ID, True, help="eindeutige Kennung, z. B. AN-001"),
    Column("actor_id", "Akteur-ID", REF, True, refers_to="actors"),
    Column("title", "Titel", TEXT, True),
    Column("field", "Handlungsfeld", VOCAB, True, vocab="field"),
    Column("field2", "Weiteres Handlungsfeld", VOCAB, vocab="field"),
    Column("target_group", "Zielgruppe", VOCAB, True, vocab="target_group"),
    Column("target_group2", "Weitere Zielgruppe", VOCAB, vocab="target_group"),
    Column("language1", "Sprache 1", VOCAB, True, vocab="language"),
    Column("language2", "Sprache 2", VOCAB, vocab="language"),
    Column("language3", "Sprache 3", VOCAB, vocab="language"),
    Column("language4", "Sprache 4", VOCAB, vocab="language"),
    Column("mode", "Angebotsform", VOCAB, True, vocab="offer_mode",
           help="fester Standort, mobil, online oder kreisweit"),
    Column("level", "Ebene", VOCAB, True, vocab="level",
           help="Gemeinde (fester Standort) oder Kreis (mobil, online, kreisweit)"),
    Column("area_code", "Gebietsschlüssel", AGS, True,
           help="Gemeindeschlüssel (8-stellig) oder Kreisschlüssel (5-stellig)"),
    Column("location_id", "Standort-ID", REF, refers_to="locations",
           help="nur bei festem Standort: Kennung aus dem Blatt Standorte"),
    Column("capacity", "Plätze", INT, help="Teilnehmerplätze je Durchgang, ganze Zahl ≥ 0"),
    Column("start", "Beginn", DATE, True, help="TT.MM.JJJJ"),
    Column("end", "Ende", DATE, help="TT.MM.JJJJ; leer = läuft weiter"),
), "Integrationsangebote: eine Zeile je Angebot",
    (("BEISPIEL-AN-001", "BEISPIEL-AK-001", "Sprachcafé", "Sprache", None,
      "Zugewanderte allgemein", None,
      "Deutsch", "Arabisch", "Ukrainisch", None, "an einem festen Standort", "Gemeinde",
      "16070029", "BEISPIEL-ST-001", 20, "01.09.2024", None),
     ("BEISPIEL-AN-002", "BEISPIEL-AK-002", "Mobile Beratung im ländlichen Raum",
      "Beratung/Integration/Migration",
      "Infrastruktur/Ländlicher Raum", "Geflüchtete / Schutzsuchende", None, "Deutsch",
      "Persisch (Farsi/Dari)", None, None, "mobil / aufsuchend (ohne festen Standort)",
      "Kreis / kreisfreie Stadt", "16070", None, 40, "01.01.2025", "31.12.2026")))

GROUPS = Sheet("groups", "Arbeitsgruppen", (
    Column("group_id", "AG-ID", ID, True),
    Column("name", "Name der Arbeitsgruppe", TEXT, True),
    Column("field", "Handlungsfeld", VOCAB, vocab="field"),
    Column("area_code", "Gebietsschlüssel", AGS, True),
    Column("members", "Mitglieder (Akteur-IDs)", ID_LIST, refers_to="actors",
           help="Akteur-IDs, getrennt durch Semikolon"),
), "Arbeitsgruppen des Netzwerks und ihre Mitglieder",
    (("BEISPIEL-AG-01", "AG Sprache und Bildung", "Sprache", "16070",
      "BEISPIEL-AK-001; BEISPIEL-AK-002"),))

MEETINGS = Sheet("meetings", "Treffen", (
    Column("meeting_id", "Treffen-ID", ID, True),
    Column("date", "Datum", DATE, True),
    Column("title", "Anlass", TEXT, True),
    Column("group_id", "AG-ID", REF, refers_to="groups", help="leer = Netzwerktreffen"),
    Column("area_code", "Gebietsschlüssel", AGS, True),
    Column("participants", "Teilnehmende (Akteur-IDs)", ID_LIST, refers_to="actors"),
), "Netzwerktreffen und Sitzungen der Arbeitsgruppen mit den teilnehmenden Akteuren",
    (("BEISPIEL-TR-2025-01", "12.03.2025", "Netzwerktreffen Frühjahr", None, "16070",
      "BEISPIEL-AK-001; BEISPIEL-AK-002"),))

SHEETS: tuple[Sheet, ...] = (ACTORS, LOCATIONS, OFFERS, GROUPS, MEETINGS)
BY_KEY = {s.key: s for s in SHEETS}
BY_NAME = {s.name: s for s in SHEETS}
INSTRUCTIONS_SHEET = "Anleitung"
LISTS_SHEET = "Listen"
