"""Default vocabularies: Handlungsfelder, target groups, languages, actor types, area levels.

These are the defaults loaded into a new store (table ``vocabulary``); a store may carry its own,
versioned list. Codes are stable identifiers; labels are what users see.
"""

from __future__ import annotations

FIELDS: dict[str, str] = {
    "sprache": "Sprache",
    "bildung": "Bildung/Schule",
    "arbeit": "Arbeitsmarkt/Wirtschaft",
    "wohnen": "Wohnen",
    "gesundheit": "Gesundheit",
    "familie": "Kinder und Familie",
    "beratung": "Beratung/Integration/Migration",
    "infrastruktur": "Infrastruktur/Ländlicher Raum",
    "teilhabe": "Gesellschaftliche Teilhabe/Ehrenamt",
}

# Population groups for which counts exist (denominators of "per 1,000" figures).
POPULATION_GROUPS: dict[str, str] = {
    "bevoelkerung": "Bevölkerung insgesamt",
    "auslaender": "Ausländische Staatsangehörige",
    "schutzsuchende": "Schutzsuchende",
}

# Target groups an offer can address.
TARGET_GROUPS: dict[str, str] = {
    "zugewanderte": "Zugewanderte allgemein",
    "gefluechtete": "Geflüchtete / Schutzsuchende",
    "frauen": "Frauen",
    "kinder_jugendliche": "Kinder und Jugendliche",
    "familien": "Familien",
    "arbeitsuchende": "Arbeitsuchende",
    "ehrenamtliche": "Ehrenamtliche",
}

LANGUAGES: dict[str, str] = {
    "de": "Deutsch", "en": "Englisch", "ar": "Arabisch", "uk": "Ukrainisch", "ru": "Russisch",
    "fa": "Persisch (Farsi/Dari)", "ps": "Paschtu", "ku": "Kurdisch", "ti": "Tigrinya",
    "tr": "Türkisch", "fr": "Französisch", "pl": "Polnisch", "ro": "Rumänisch",
    "vi": "Vietnamesisch",
}

ACTOR_TYPES: dict[str, str] = {
    "amt": "Amt/Behörde",
    "verein": "Verein",
    "wohlfahrtsverband": "Wohlfahrtsverband",
    "bildungstraeger": "Bildungsträger",
    "migrantenorganisation": "Migrantenorganisation",
    "ehrenamtsinitiative": "Ehrenamtliche Initiative",
    "unternehmen": "Unternehmen",
}

LEVELS: dict[str, str] = {
    "land": "Land",
    "kreis": "Kreis / kreisfreie Stadt",
    "gemeinde": "Gemeinde",
    "ortsteil": "Ortsteil / Planungsraum",
}

OFFER_MODES: dict[str, str] = {
    "standort": "an einem festen Standort",
    "mobil": "mobil / aufsuchend (ohne festen Standort)",
    "online": "online",
    "kreisweit": "kreisweit ohne festen Standort",
}

DEFAULT_VOCABULARIES: dict[str, dict[str, str]] = {
    "field": FIELDS,
    "population_group": POPULATION_GROUPS,
    "target_group": TARGET_GROUPS,
    "language": LANGUAGES,
    "actor_type": ACTOR_TYPES,
    "level": LEVELS,
    "offer_mode": OFFER_MODES,
}


# -- shared labels and constants (vocabulary, not features) ------------------------------------
DEMO_LABEL = "Demodaten – fiktiv"
"""Printed on everything made from the demo store."""

GEO_ATTRIBUTION = "Geometrie: © GeoBasis-DE / BKG (2017), Gebietsstand 31.12.2015, vereinfacht"
"""Attribution of the packaged boundaries (BKG VG250, see data/geo/README.md)."""

STORE_CRS = "EPSG:25832"
"""Coordinate reference system of every geometry in the store (ETRS89 / UTM 32N, metres)."""

PACKAGED_CHANGES_SOURCE = "Referenzgeografie Thüringen (im Programm enthalten)"
"""`area_change.source` of the area changes shipped with the package."""

LAENDER = {
    "01": "Schleswig-Holstein", "02": "Hamburg", "03": "Niedersachsen", "04": "Bremen",
    "05": "Nordrhein-Westfalen", "06": "Hessen", "07": "Rheinland-Pfalz",
    "08": "Baden-Württemberg", "09": "Bayern", "10": "Saarland", "11": "Berlin",
    "12": "Brandenburg", "13": "Mecklenburg-Vorpommern", "14": "Sachsen",
    "15": "Sachsen-Anhalt", "16": "Thüringen",
}
"""The 16 Länder by their two-digit official code (Amtlicher Gemeindeschlüssel, first part)."""

NATIONAL_SCOPE = "DG"
"""The scope code of a store holding (several Länder of) Germany: every Kreis is a district
and each Land gets its own state value."""
